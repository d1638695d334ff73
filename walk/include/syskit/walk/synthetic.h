// Seeded edge weights and types for graphs that have none, as in the
// KnightKing evaluation: weights uniform in [1, 5), types uniform over
// `num_types`. Both ends of an undirected edge get the same weight and type
// (they are a hash of the seed and the edge's original ids), so the result
// depends only on the seed and the graph.
#pragma once

#include <cstdint>

#include "syskit/graph/graph.h"

namespace syskit::walk {

struct SyntheticAttributes {
  bool weights = true;     // add weights in [1, 5)
  uint32_t num_types = 0;  // add types in [0, num_types); 0 = no types
  uint64_t seed = 1;
};

// A copy of `g` with the requested attributes replacing any it had.
graph::Graph WithSyntheticAttributes(const graph::Graph& g, const SyntheticAttributes& attributes);

}  // namespace syskit::walk
