// ExactWalker<Spec>: the independent reference sampler, used as the verifier
// in tests and `walk_bench --verify` and as the bench baseline. It is what
// the paper's Gemini baseline does: at every step it computes Ps*Pd for
// every out-arc of the current vertex, builds the cumulative distribution
// and samples it by inverse transform (binary search). O(degree) Pd
// evaluations per step; no envelope, bound or outlier is involved, so it
// shares nothing with the rejection sampler but the Spec's definitions.
//
// Same walk semantics as WalkEngine (walker i starts at i mod |V|, RNG
// Random(seed, i), max_steps, Extend, dead ends), plus: a step whose weights
// sum to 0 ends the walk. Paths are samples of the same law, not the same
// paths (the RNG is consumed differently).
#pragma once

#include <algorithm>
#include <vector>

#include "syskit/walk/engine.h"

namespace syskit::walk {

template <typename Spec>
class ExactWalker {
 public:
  using State = typename Spec::State;
  using WalkerT = Walker<State>;

  // `g` and `spec` must outlive this object.
  ExactWalker(const graph::Graph& g, const Spec& spec) : graph_(g), spec_(spec) {}

  // The normalised next-step law of w at w.current: P(arc) = Ps*Pd / sum.
  // Empty when the sum is 0 or w.current is a dead end.
  std::vector<double> NextStepDistribution(const WalkerT& w) const {
    std::vector<double> law;
    const auto nbrs = graph_.neighbors(w.current);
    double total = 0;
    for (uint32_t arc = 0; arc < nbrs.size(); ++arc) {
      const double weight = spec_.StaticWeight(graph_, w.current, arc) *
                            (Spec::kDynamic ? spec_.Dynamic(w, arc, nbrs[arc]) : 1.0);
      law.push_back(weight);
      total += weight;
    }
    if (total <= 0) return {};
    for (double& p : law) p /= total;
    return law;
  }

  // Runs the walk set like WalkEngine::Run. stats.sampler.pd_evals counts
  // every Pd computed; trials equals steps.
  Result<WalkStats> Run(const WalkOptions& options, PathSink* sink) const {
    SYSKIT_RETURN_IF_ERROR(ValidateWalkOptions(graph_, options));
    const uint64_t num_vertices = graph_.num_vertices();
    const uint64_t walkers = options.num_walkers != 0
                                 ? options.num_walkers
                                 : uint64_t{options.walkers_per_vertex} * num_vertices;
    const int threads = options.threads <= 0 ? DefaultThreadCount() : options.threads;
    const bool record = sink->wants_paths();
    struct alignas(64) ThreadTotals {
      uint64_t steps = 0;
      uint64_t pd_evals = 0;
    };
    std::vector<ThreadTotals> totals(threads);
    const uint64_t batch = std::max<uint64_t>(1, options.batch_walkers);
    std::vector<std::vector<VertexId>> paths(record ? std::min(batch, walkers) : 0);
    Timer timer;
    for (uint64_t batch_begin = 0; batch_begin < walkers; batch_begin += batch) {
      const uint64_t batch_end = std::min(walkers, batch_begin + batch);
      ParallelForDynamic(threads, batch_begin, batch_end, 16, [&](int t, uint64_t lo, uint64_t hi) {
        std::vector<double> cumulative;
        for (uint64_t id = lo; id < hi; ++id) {
          std::vector<VertexId>* path = record ? &paths[id - batch_begin] : nullptr;
          WalkOne(id, static_cast<VertexId>(id % num_vertices), options, path, &cumulative,
                  &totals[t].steps, &totals[t].pd_evals);
        }
      });
      if (record) {
        for (uint64_t id = batch_begin; id < batch_end; ++id) {
          SYSKIT_RETURN_IF_ERROR(sink->Write(id, paths[id - batch_begin]));
        }
      }
    }
    SYSKIT_RETURN_IF_ERROR(sink->Finish());
    WalkStats stats;
    stats.seconds = timer.ElapsedSeconds();
    stats.walks = walkers;
    for (const ThreadTotals& t : totals) {
      stats.steps += t.steps;
      stats.sampler.pd_evals += t.pd_evals;
    }
    stats.sampler.trials = stats.steps;
    return stats;
  }

 private:
  void WalkOne(uint64_t id, VertexId start, const WalkOptions& options, std::vector<VertexId>* path,
               std::vector<double>* cumulative, uint64_t* steps, uint64_t* pd_evals) const {
    Random rng(options.seed, id);
    WalkerT w{id, start, 0, spec_.Init(id, start)};
    if (path) {
      path->clear();
      path->push_back(start);
    }
    while (w.step < options.max_steps) {
      const auto nbrs = graph_.neighbors(w.current);
      if (nbrs.empty()) break;
      if (!spec_.Extend(w, rng)) break;
      cumulative->clear();
      double total = 0;
      for (uint32_t arc = 0; arc < nbrs.size(); ++arc) {
        double weight = spec_.StaticWeight(graph_, w.current, arc);
        if constexpr (Spec::kDynamic) {
          weight *= spec_.Dynamic(w, arc, nbrs[arc]);
          ++*pd_evals;
        }
        total += weight;
        cumulative->push_back(total);
      }
      if (total <= 0) break;
      const double u = rng.NextDouble() * total;
      auto it = std::upper_bound(cumulative->begin(), cumulative->end(), u);
      if (it == cumulative->end()) --it;
      const auto arc = static_cast<uint32_t>(it - cumulative->begin());
      spec_.OnMove(w, arc, nbrs[arc]);
      w.current = nbrs[arc];
      ++w.step;
      if (path) path->push_back(w.current);
    }
    *steps += w.step;
  }

  const graph::Graph& graph_;
  const Spec& spec_;
};

}  // namespace syskit::walk
