// An independent slow verifier for the miner: ESU subgraph enumeration
// (Wernicke 2006) with canonical labelling by trying every permutation, and
// an all-injective-maps counter for labelled patterns. Shares no code with
// the compiler or the executor. Meant for graphs of a few dozen vertices.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "syskit/graph/graph.h"
#include "syskit/mine/pattern.h"
#include "syskit/mine/plan.h"

namespace syskit::mine {

// Canonical code of a k-vertex graph (k <= 6): the smallest upper-triangle
// adjacency bit string over all k! relabellings, with k in the top byte.
uint64_t BruteForceCode(int k, const std::vector<std::pair<int, int>>& edges);

struct BruteForceCounts {
  // canonical code -> number of connected k-vertex induced subgraphs.
  std::map<uint64_t, uint64_t> vertex_induced;
  // canonical code -> number of subgraphs (k vertices, any edge subset that
  // is connected and spans them).
  std::map<uint64_t, uint64_t> edge_induced;
};

// Enumerates every connected k-vertex set of the undirected simple `graph`
// once (ESU) and classifies it; k in 2..5.
BruteForceCounts BruteForceSubgraphs(const graph::Graph& graph, int k);

// Counts injective maps from `pattern` into `graph` preserving edges (and
// non-edges when vertex-induced) and labels (`labels` per dense vertex,
// empty = unlabelled), divided by the pattern's label-preserving
// automorphism count. Exponential: for tiny graphs only.
uint64_t BruteForceMaps(const graph::Graph& graph, const std::vector<uint32_t>& labels,
                        const Pattern& pattern, Induced induced);

// The MNI support of the labelled `pattern` (edge-induced): enumerates
// every injective, edge- and label-preserving map (no symmetry breaking),
// collects each pattern vertex's image set and returns the smallest size.
// Exponential: for tiny graphs only.
uint64_t BruteForceMni(const graph::Graph& graph, const std::vector<uint32_t>& labels,
                       const Pattern& pattern);

// Canonical code of a labelled graph on k <= 4 vertices: the smallest
// (labels, adjacency bits) over all relabellings, as a string.
std::string BruteForceLabelledCode(int k, const std::vector<std::pair<int, int>>& edges,
                                   const std::vector<uint32_t>& labels);

}  // namespace syskit::mine
