// Per-vertex alias tables for the static component Ps (Walker 1977; Vose
// 1991, "A linear algorithm for generating random numbers with a given
// distribution"). Invariant: for every vertex v and arc a,
//   (prob[a] + sum over arcs b with alias[b] == a of (1 - prob[b])) / deg(v)
//     == Ps(a) / sum Ps(v)
// up to float rounding of prob (the table is built in double precision and
// only stored as float). KnightKing keeps weights in Ps (not Pd) so the
// rejection envelope does not widen with weight skew.
#include "syskit/walk/static_sampler.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "syskit/core/parallel.h"

namespace syskit::walk {

Status CheckPositiveWeights(const graph::Graph& g) {
  if (!g.weighted()) return Status::OK();
  for (graph::VertexId v = 0; v < g.num_vertices(); ++v) {
    const auto nbrs = g.neighbors(v);
    const auto weights = g.weights(v);
    for (size_t arc = 0; arc < nbrs.size(); ++arc) {
      const double w = weights[arc];
      if (!(w > 0) || !std::isfinite(w)) {
        char weight_text[32];
        std::snprintf(weight_text, sizeof(weight_text), "%g", w);
        return InvalidArgumentError("edge " + std::to_string(g.original_id(v)) + " -> " +
                                    std::to_string(g.original_id(nbrs[arc])) + " has weight " +
                                    weight_text + ", expected a positive finite weight");
      }
    }
  }
  return Status::OK();
}

Result<StaticSampler> StaticSampler::Build(
    const graph::Graph& g, bool uniform,
    const std::function<double(graph::VertexId, uint32_t)>& static_weight, int threads) {
  StaticSampler sampler;
  sampler.uniform_ = uniform;
  const graph::VertexId n = g.num_vertices();
  sampler.totals_.assign(n, 0.0);
  if (uniform) {
    for (graph::VertexId v = 0; v < n; ++v) sampler.totals_[v] = g.degree(v);
    return sampler;
  }
  const graph::EdgeIndex arcs = g.num_arcs();
  sampler.cells_.resize(arcs);
  sampler.weights_.resize(arcs);
  sampler.max_.assign(n, 0.0f);
  std::vector<Status> errors(threads <= 0 ? DefaultThreadCount() : threads);
  ParallelForDynamic(threads, 0, n, 1024, [&](int t, uint64_t lo, uint64_t hi) {
    std::vector<double> scaled;
    std::vector<uint32_t> small, large;
    for (auto v = static_cast<graph::VertexId>(lo); v < hi; ++v) {
      const graph::EdgeIndex offset = g.offsets()[v];
      const uint32_t degree = g.degree(v);
      double total = 0, max = 0;
      for (uint32_t arc = 0; arc < degree; ++arc) {
        const double w = static_weight(v, arc);
        if (!(w > 0) || !std::isfinite(w)) {
          if (errors[t].ok()) {
            char weight_text[32];
            std::snprintf(weight_text, sizeof(weight_text), "%g", w);
            errors[t] = InvalidArgumentError("edge " + std::to_string(g.original_id(v)) + " -> " +
                                             std::to_string(g.original_id(g.neighbors(v)[arc])) +
                                             " has weight " + weight_text +
                                             ", expected a positive finite weight");
          }
          continue;
        }
        sampler.weights_[offset + arc] = w;
        total += w;
        max = std::max(max, w);
      }
      sampler.totals_[v] = total;
      sampler.max_[v] = static_cast<float>(max);
      if (degree == 0 || total <= 0) continue;
      // Vose: scale to mean 1, pair each short column with a tall donor.
      scaled.resize(degree);
      small.clear();
      large.clear();
      for (uint32_t arc = 0; arc < degree; ++arc) {
        scaled[arc] = sampler.weights_[offset + arc] * degree / total;
        (scaled[arc] < 1.0 ? small : large).push_back(arc);
      }
      while (!small.empty() && !large.empty()) {
        const uint32_t s = small.back();
        small.pop_back();
        const uint32_t l = large.back();
        sampler.cells_[offset + s] = Cell{static_cast<float>(scaled[s]), l};
        scaled[l] -= 1.0 - scaled[s];
        if (scaled[l] < 1.0) {
          large.pop_back();
          small.push_back(l);
        }
      }
      // Leftovers are 1 up to rounding.
      for (uint32_t arc : large) sampler.cells_[offset + arc] = Cell{1.0f, arc};
      for (uint32_t arc : small) sampler.cells_[offset + arc] = Cell{1.0f, arc};
    }
  });
  for (const Status& error : errors) {
    if (!error.ok()) return error;
  }
  return sampler;
}

}  // namespace syskit::walk
