// The AutoMine compiler: turns a Pattern into a Plan, a schedule of nested
// loops whose candidate sets are intersections and differences of sorted
// neighbour lists (Mawhirter & Wu, SOSP 2019).
//
// Stages (see mine/README.md for a worked example):
//   1. matching orders: every order of the pattern vertices whose prefixes
//      are connected (capped at CompileOptions::max_orders);
//   2. symmetry breaking for each order: restrictions v_i < v_j derived from
//      the automorphism group by the stabiliser chain (Grochow & Kellis
//      2007), so each subgraph is found exactly once;
//   3. set operations: the candidate set of level i is the intersection of
//      the neighbour lists of its earlier pattern neighbours minus (vertex-
//      induced only) those of its earlier non-neighbours; the operands are
//      folded in level order, so each partial set is computed at the
//      shallowest loop where its operands are bound and shared by every
//      later level that needs the same partial set (set reuse);
//   4. a cost model scores each order; the cheapest wins (ties: first).
// Unlabelled cliques compile to the degree-oriented plan instead: the loops
// walk the DAG that keeps u->v iff (deg u, u) < (deg v, v), so no
// restrictions and no subtractions are needed.
//
// Thread-safety: Plans are immutable values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/graph/graph.h"
#include "syskit/mine/pattern.h"

namespace syskit::mine {

enum class Induced {
  kVertex,  // default: non-edges of the pattern must be non-edges of the match
  kEdge,    // only the pattern's edges are required (subgraph counting)
};

// Graph statistics the cost model reads. Defaults describe a graph with
// 10^4 vertices of average degree 10.
struct GraphStats {
  double vertices = 1e4;
  double average_degree = 10;
  // E[d^2] / E[d]: the expected degree of a vertex reached through an edge;
  // larger than average_degree on skewed graphs.
  double neighbour_degree = 10;
  static GraphStats Of(const graph::Graph& graph);
};

// A set computed in the loop nest: the data vertices adjacent to every level
// in `intersect_mask` and to no level in `subtract_mask`.
struct SetNode {
  uint32_t intersect_mask = 0;
  uint32_t subtract_mask = 0;
  int depth = 0;    // computed right after level `depth` is bound
  int parent = -1;  // node combined with N(v[operand]); -1: this is N(v[operand])
  int operand = 0;  // the level whose neighbour list is the last operand
  bool subtract = false;
  // Filled by the compiler: the node is consumed only as level
  // `bounded_for`'s candidate set and that level's bounds are known at
  // `depth`, so it may be computed already clipped to them (-1: no).
  int bounded_for = -1;
  // The node is the last level's candidates and computed at its last
  // moment: the executor only counts it, never stores it.
  bool count_only = false;
};

struct PlanLevel {
  int pattern_vertex = 0;
  int candidates = -1;  // SetNode index (-1 for level 0: all vertices)
  uint32_t parent_mask = 0;
  uint32_t anti_mask = 0;
  std::vector<int> less_than;     // v[level] < v[j] for each j listed
  std::vector<int> greater_than;  // v[level] > v[j] for each j listed
  // Earlier levels whose vertex may be in the candidate set and is not kept
  // out by a restriction; the executor skips them explicitly.
  std::vector<int> exclude;
  uint32_t label = kAnyLabel;
};

struct Plan {
  Pattern pattern;
  Induced induced = Induced::kVertex;
  // Degree-oriented clique plan: levels walk the DAG's out-neighbour lists.
  bool oriented = false;
  // Symmetry breaking on (the default); off gives the naive schedule whose
  // count is |Aut(P)| times the number of subgraphs.
  bool symmetry_breaking = true;
  std::vector<int> order;  // pattern vertex matched at each level
  std::vector<PlanLevel> levels;
  std::vector<SetNode> nodes;
  int automorphisms = 1;
  double estimated_cost = 0;
  uint64_t orders_considered = 0;

  // Readable pseudo-code of the loop nest with the estimated cost.
  std::string ToString() const;
};

struct CompileOptions {
  Induced induced = Induced::kVertex;
  // Statistics for the cost model (default: GraphStats{}).
  GraphStats stats;
  // Matching orders scored at most (the search stops after this many).
  uint64_t max_orders = 5000;
  // Use the oriented plan for unlabelled cliques (default on).
  bool orient_cliques = true;
  bool symmetry_breaking = true;
  // Fold operands in level order so partial sets are shared across levels
  // (default on); off recomputes each level's set from scratch at the
  // deepest level (the naive schedule, for the benchmark baseline).
  bool reuse_sets = true;
  // Force this matching order (must have connected prefixes); empty = search.
  std::vector<int> order;
};

// Compiles `pattern`. InvalidArgument if `options.order` is not a
// permutation with connected prefixes.
Result<Plan> Compile(const Pattern& pattern, const CompileOptions& options);

// Every order of the pattern's vertices with connected prefixes, capped at
// `limit`.
std::vector<std::vector<int>> ConnectedOrders(const Pattern& pattern, uint64_t limit);

// The model's estimated cost of `plan` (abstract units: set elements read).
double EstimateCost(const Plan& plan, const GraphStats& stats);

}  // namespace syskit::mine
