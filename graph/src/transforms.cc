// Degree-based graph transforms.
//
// RelabelByDegree: new ids in ascending (degree, old id) order, found by a
// counting sort on degree (stable, so ties keep old-id order). Each new
// neighbour list is the old one mapped through the new ids and stably sorted
// by new target with its weights and types, so lists stay sorted and
// duplicate arcs keep their relative order.
//
// OrientByDegree: the degree ordering of Chiba & Nishizeki, "Arboricity and
// Subgraph Listing Algorithms" (SIAM J. Comput. 1985), as used by triangle
// counting codes (Schank & Wagner 2005; GAPBS tc): arc u->v is kept iff
// (degree(u), u) < (degree(v), v). The order is strict and total, so each
// undirected edge keeps exactly one direction and the result is acyclic;
// every out-neighbour has degree >= the source's, bounding out-degrees by
// O(sqrt(E)). Filtering a sorted list keeps it sorted.
#include "syskit/graph/transforms.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "syskit/core/parallel.h"

namespace syskit::graph {
namespace {

// Vertices per dynamically scheduled chunk: small enough to balance skewed
// degrees, large enough to amortise the atomic counter.
constexpr uint64_t kVertexGrain = 1024;

}  // namespace

Graph RelabelByDegree(const Graph& graph, int threads) {
  const VertexId n = graph.num_vertices();

  // Counting sort of vertices by degree.
  const uint32_t max_degree = graph.max_degree();
  std::vector<uint64_t> degree_start(static_cast<size_t>(max_degree) + 2, 0);
  for (VertexId v = 0; v < n; ++v) ++degree_start[graph.degree(v) + 1];
  std::partial_sum(degree_start.begin(), degree_start.end(), degree_start.begin());
  std::vector<VertexId> old_of_new(n);
  std::vector<VertexId> new_of_old(n);
  for (VertexId v = 0; v < n; ++v) {
    const auto new_id = static_cast<VertexId>(degree_start[graph.degree(v)]++);
    old_of_new[new_id] = v;
    new_of_old[v] = new_id;
  }

  GraphArrays arrays;
  arrays.offsets.resize(static_cast<size_t>(n) + 1);
  arrays.offsets[0] = 0;
  for (VertexId u = 0; u < n; ++u) {
    arrays.offsets[u + 1] = arrays.offsets[u] + graph.degree(old_of_new[u]);
  }
  arrays.targets.resize(graph.num_arcs());
  if (graph.weighted()) arrays.weights.resize(graph.num_arcs());
  if (graph.typed()) arrays.types.resize(graph.num_arcs());
  arrays.original_ids.resize(n);

  const bool carries_values = graph.weighted() || graph.typed();
  ParallelForDynamic(threads, 0, n, kVertexGrain, [&](int, uint64_t lo, uint64_t hi) {
    // (new target, position in the old list), reused across the chunk.
    std::vector<std::pair<VertexId, uint32_t>> order;
    for (uint64_t u = lo; u < hi; ++u) {
      const VertexId old = old_of_new[u];
      arrays.original_ids[u] = graph.original_id(old);
      const auto neighbors = graph.neighbors(old);
      const EdgeIndex out = arrays.offsets[u];
      if (!carries_values) {
        VertexId* list = arrays.targets.data() + out;
        for (size_t e = 0; e < neighbors.size(); ++e) list[e] = new_of_old[neighbors[e]];
        std::sort(list, list + neighbors.size());
        continue;
      }
      order.clear();
      for (size_t e = 0; e < neighbors.size(); ++e) {
        order.emplace_back(new_of_old[neighbors[e]], static_cast<uint32_t>(e));
      }
      // Sorting by (target, old position) is stable in the target.
      std::sort(order.begin(), order.end());
      const auto weights = graph.weights(old);
      const auto types = graph.types(old);
      for (size_t e = 0; e < order.size(); ++e) {
        arrays.targets[out + e] = order[e].first;
        if (!weights.empty()) arrays.weights[out + e] = weights[order[e].second];
        if (!types.empty()) arrays.types[out + e] = types[order[e].second];
      }
    }
  });
  return Graph::FromArrays(std::move(arrays), graph.directed(), graph.build_stats());
}

Result<Graph> OrientByDegree(const Graph& graph, int threads) {
  if (graph.directed()) {
    return InvalidArgumentError(
        "orient by degree: expected an undirected graph, got a directed one");
  }
  const VertexId n = graph.num_vertices();
  const auto precedes = [&graph](VertexId u, VertexId v) {
    const uint32_t du = graph.degree(u);
    const uint32_t dv = graph.degree(v);
    return du < dv || (du == dv && u < v);
  };

  // Pass 1: out-degrees; pass 2: fill. Both are independent per vertex.
  GraphArrays arrays;
  arrays.offsets.assign(static_cast<size_t>(n) + 1, 0);
  ParallelForDynamic(threads, 0, n, kVertexGrain, [&](int, uint64_t lo, uint64_t hi) {
    for (uint64_t u = lo; u < hi; ++u) {
      const auto source = static_cast<VertexId>(u);
      EdgeIndex kept = 0;
      for (VertexId v : graph.neighbors(source)) kept += precedes(source, v) ? 1 : 0;
      arrays.offsets[u + 1] = kept;
    }
  });
  std::partial_sum(arrays.offsets.begin(), arrays.offsets.end(), arrays.offsets.begin());
  const EdgeIndex num_arcs = arrays.offsets[n];
  arrays.targets.resize(num_arcs);
  if (graph.weighted()) arrays.weights.resize(num_arcs);
  if (graph.typed()) arrays.types.resize(num_arcs);
  arrays.original_ids.assign(graph.original_ids().begin(), graph.original_ids().end());

  ParallelForDynamic(threads, 0, n, kVertexGrain, [&](int, uint64_t lo, uint64_t hi) {
    for (uint64_t u = lo; u < hi; ++u) {
      const auto source = static_cast<VertexId>(u);
      const auto neighbors = graph.neighbors(source);
      const auto weights = graph.weights(source);
      const auto types = graph.types(source);
      EdgeIndex out = arrays.offsets[u];
      for (size_t e = 0; e < neighbors.size(); ++e) {
        if (!precedes(source, neighbors[e])) continue;
        arrays.targets[out] = neighbors[e];
        if (!weights.empty()) arrays.weights[out] = weights[e];
        if (!types.empty()) arrays.types[out] = types[e];
        ++out;
      }
    }
  });
  return Graph::FromArrays(std::move(arrays), /*directed=*/true, graph.build_stats());
}

}  // namespace syskit::graph
