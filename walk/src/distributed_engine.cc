// ExtractPartition: the 1-D partition of KnightKing (Yang et al., SOSP 2019,
// §2 "Storage"): a rank stores the CSR lists of its contiguous vertex range
// only. Invariant: for v in [begin, end) the result's neighbours, weights
// and types of v equal g's; every other list is empty; vertex count,
// original ids and direction are g's, so dense ids stay global.
#include "syskit/walk/distributed_engine.h"

namespace syskit::walk {

graph::Graph ExtractPartition(const graph::Graph& g, VertexId begin, VertexId end) {
  SYSKIT_CHECK(begin <= end && end <= g.num_vertices())
      << "partition [" << begin << ", " << end << ") of " << g.num_vertices() << " vertices";
  const auto offsets = g.offsets();
  const graph::EdgeIndex first = offsets[begin];
  const graph::EdgeIndex last = offsets[end];
  graph::GraphArrays arrays;
  arrays.offsets.resize(g.num_vertices() + 1);
  for (VertexId v = 0; v <= g.num_vertices(); ++v) {
    arrays.offsets[v] = std::clamp(offsets[v], first, last) - first;
  }
  arrays.targets.assign(g.targets().begin() + first, g.targets().begin() + last);
  if (g.weighted()) {
    arrays.weights.assign(g.all_weights().begin() + first, g.all_weights().begin() + last);
  }
  if (g.typed()) arrays.types.assign(g.all_types().begin() + first, g.all_types().begin() + last);
  arrays.original_ids.assign(g.original_ids().begin(), g.original_ids().end());
  return graph::Graph::FromArrays(std::move(arrays), g.directed(), g.build_stats());
}

}  // namespace syskit::walk
