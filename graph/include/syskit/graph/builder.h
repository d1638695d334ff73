// Builds a CSR Graph from an EdgeList: relabels sparse input ids to dense ids
// (in increasing input-id order, so the result does not depend on thread
// count), symmetrises undirected graphs, sorts every neighbour list and
// applies the self-loop and duplicate policies. Uses all cores.
#pragma once

#include "syskit/core/result.h"
#include "syskit/graph/edge_list.h"
#include "syskit/graph/graph.h"

namespace syskit::graph {

enum class SelfLoopPolicy {
  kDrop,  // default: u u records are counted and dropped
  kKeep,  // stored once per record (an undirected loop is one arc)
};

enum class DuplicatePolicy {
  kMerge,  // default: keep the first record of each edge (its weight and type)
  kKeep,   // keep every record: a multigraph
};

struct BuildOptions {
  bool directed = false;
  SelfLoopPolicy self_loops = SelfLoopPolicy::kDrop;
  DuplicatePolicy duplicates = DuplicatePolicy::kMerge;
  int threads = 0;  // 0 = all cores
};

// Consumes `edges`. InvalidArgument if the graph has more than 2^32-1
// vertices.
Result<Graph> BuildGraph(EdgeList edges, const BuildOptions& options);

}  // namespace syskit::graph
