// Several patterns compiled together (AutoMine's multi-pattern merging for
// motif counting): the per-pattern loop nests are merged into one tree in
// which plans whose first levels coincide (same candidate set, same
// restrictions) share those loops, and a set needed by several patterns
// below a shared loop is computed once there. The tree is executed in one
// pass over the outer loop.
//
// Sharing needs matching orders that agree; each pattern's order is picked
// among those whose estimated cost is within `slack` of its best, as the
// one sharing the longest prefix with the plans already in the tree.
//
// Thread-safety: PlanTree is an immutable value; execution reads it only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/mine/executor.h"
#include "syskit/mine/plan.h"

namespace syskit::mine {

// A set in the tree: as SetNode, and clipped to (max of bound_above
// levels, min of bound_below levels) when those lists are not empty.
struct TreeSet {
  uint32_t intersect_mask = 0;
  uint32_t subtract_mask = 0;
  int parent = -1;  // TreeSet index, -1: the set is N(v[operand])
  int operand = 0;  // level whose neighbour list is the last operand
  bool subtract = false;
  int depth = 0;                  // computed right after level `depth` is bound
  std::vector<int> less_than;     // clip: elements < v[j] for each j
  std::vector<int> greater_than;  // clip: elements > v[j] for each j
  bool stored = false;            // false: only ever counted at a leaf, never stored
};

struct TreeNode {
  int depth = 0;
  int candidates = -1;  // TreeSet index (-1 for the root: all vertices)
  std::vector<int> less_than;
  std::vector<int> greater_than;
  std::vector<int> exclude;
  std::vector<int> sets;      // TreeSets computed after binding this level
  std::vector<int> children;  // TreeNode indices iterated below this one
  // Nonempty: this node is the last level of these patterns (indices into
  // PlanTree::plans); it is counted, never iterated.
  std::vector<int> patterns;
};

struct PlanTree {
  std::vector<Plan> plans;  // one per pattern, in request order
  // Patterns executed on their own (oriented clique plans), by index.
  std::vector<int> separate;
  std::vector<TreeNode> nodes;  // nodes[0] is the root (level 0: v0 in V)
  std::vector<TreeSet> sets;
  double estimated_cost = 0;  // sum of the chosen plans' costs
  int shared_levels = 0;      // loop levels saved by sharing

  // Readable pseudo-code of the merged loop nest.
  std::string ToString() const;
};

struct TreeCompileOptions {
  CompileOptions compile;  // induced, stats; symmetry breaking must stay on
  // A pattern may take an order up to this factor more expensive than its
  // best one when that order shares a longer prefix. Default 1.5.
  double slack = 1.5;
};

// Compiles `patterns` (unlabelled) into one tree. InvalidArgument for
// labelled patterns or symmetry breaking off.
Result<PlanTree> CompilePlanTree(const std::vector<Pattern>& patterns,
                                 const TreeCompileOptions& options);

// Counts every pattern of the tree in one pass (this rank's share of the
// outer loop, as CountPlan). Counts in pattern order; OutOfRange on overflow.
Result<std::vector<uint64_t>> CountPlanTree(const MiningGraph& graph, const PlanTree& tree,
                                            const MineOptions& options);

}  // namespace syskit::mine
