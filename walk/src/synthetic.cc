// Seeded synthetic edge attributes (KnightKing §6 setup: weights uniform in
// [1,5), types uniform over 5). Invariant: an undirected edge's two arcs get
// equal attributes, because each is a SplitMix64 hash of (seed, min id, max
// id) of the original ids, independent of the arc's direction and position.
#include "syskit/walk/synthetic.h"

#include <algorithm>

#include "syskit/core/random.h"

namespace syskit::walk {
namespace {

uint64_t EdgeHash(uint64_t seed, uint64_t a, uint64_t b, uint64_t salt) {
  uint64_t state = seed ^ (salt * 0x9e3779b97f4a7c15ULL);
  state ^= SplitMix64(state) + a;
  state ^= SplitMix64(state) + b;
  return SplitMix64(state);
}

}  // namespace

graph::Graph WithSyntheticAttributes(const graph::Graph& g, const SyntheticAttributes& attributes) {
  graph::GraphArrays arrays;
  arrays.offsets.assign(g.offsets().begin(), g.offsets().end());
  arrays.targets.assign(g.targets().begin(), g.targets().end());
  arrays.original_ids.assign(g.original_ids().begin(), g.original_ids().end());
  if (attributes.weights) arrays.weights.resize(g.num_arcs());
  if (attributes.num_types > 0) arrays.types.resize(g.num_arcs());
  for (graph::VertexId v = 0; v < g.num_vertices(); ++v) {
    const graph::EdgeIndex offset = g.offsets()[v];
    const auto nbrs = g.neighbors(v);
    for (size_t arc = 0; arc < nbrs.size(); ++arc) {
      uint64_t a = g.original_id(v), b = g.original_id(nbrs[arc]);
      if (!g.directed() && a > b) std::swap(a, b);
      if (attributes.weights) {
        const uint64_t h = EdgeHash(attributes.seed, a, b, 1);
        arrays.weights[offset + arc] =
            static_cast<float>(1.0 + 4.0 * (static_cast<double>(h >> 11) * 0x1.0p-53));
        // float rounding may reach 5.0 exactly; keep the interval half open.
        if (arrays.weights[offset + arc] >= 5.0f) arrays.weights[offset + arc] = 4.9999995f;
      }
      if (attributes.num_types > 0) {
        const uint64_t h = EdgeHash(attributes.seed, a, b, 2);
        arrays.types[offset + arc] = static_cast<graph::EdgeType>(h % attributes.num_types);
      }
    }
  }
  return graph::Graph::FromArrays(std::move(arrays), g.directed(), g.build_stats());
}

}  // namespace syskit::walk
