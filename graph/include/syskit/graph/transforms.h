// Graph transforms used by the pattern miner (and handy elsewhere).
#pragma once

#include "syskit/core/result.h"
#include "syskit/graph/graph.h"

namespace syskit::graph {

// Renumbers vertices by ascending degree (ties by old id). Each vertex keeps
// its original id (so original ids are no longer sorted; FindVertex still
// works). Weights and types follow their arcs; neighbour lists stay sorted.
Graph RelabelByDegree(const Graph& graph, int threads = 0);

// The degree-ordered orientation of an undirected graph: keeps arc u->v iff
// (degree(u), u) < (degree(v), v). Every undirected edge appears exactly once,
// so each triangle is seen once; out-degrees are at most O(sqrt(E)).
// Self-loops are dropped. The result is directed. InvalidArgument if `graph`
// is directed.
Result<Graph> OrientByDegree(const Graph& graph, int threads = 0);

}  // namespace syskit::graph
