// Frequent subgraph mining (FSM) on a vertex-labelled graph with the
// minimum-image-based support of Bringmann & Nijssen (PAKDD 2008), as in
// AutoMine's evaluation: patterns of up to 3 edges, grown one edge at a time
// from the frequent labelled edges, each candidate deduplicated by a
// labelled canonical form and counted by a compiled plan.
//
// MNI support of a pattern P: for each pattern vertex u, the domain D(u) is
// the set of data vertices that u is mapped to by some (edge-induced,
// label-preserving) embedding of P; the support is min_u |D(u)|. It is
// anti-monotone (a super-pattern never has larger support), which is what
// lets the search prune.
//
// Thread-safety: reads the MiningGraph only; safe to call concurrently.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/mine/executor.h"
#include "syskit/mine/pattern.h"

namespace syskit::mine {

inline constexpr int kMaxFsmEdges = 3;

struct FsmOptions {
  // Minimum MNI support of a reported pattern (>= 1).
  uint64_t support = 1;
  // Largest pattern, in edges (1..kMaxFsmEdges). Default 3.
  int max_edges = kMaxFsmEdges;
  MineOptions mine;  // threads etc.; rank/ranks must stay 0/1
};

struct FrequentPattern {
  // Labelled pattern in canonical numbering (see CanonicalLabelled).
  Pattern pattern;
  uint64_t support = 0;
};

// The MNI support of the labelled `pattern` in `graph` (edge-induced). The
// plan is compiled with symmetry breaking; every embedding found stands for
// its |Aut(P)| automorphic images, so it adds its vertex m(w) to the domain
// of every pattern vertex in w's orbit. InvalidArgument when the graph is
// unlabelled or the pattern has an unlabelled vertex.
Result<uint64_t> MniSupport(const MiningGraph& graph, const Pattern& pattern,
                            const MineOptions& options);

// Every connected labelled pattern of 1..max_edges edges whose MNI support
// is at least options.support, ordered by edge count, then by canonical
// form. InvalidArgument for an unlabelled graph, support 0 or max_edges
// outside 1..3.
Result<std::vector<FrequentPattern>> MineFrequentSubgraphs(const MiningGraph& graph,
                                                           const FsmOptions& options);

// The same labelled pattern renumbered so that (labels in vertex order,
// adjacency bits) is lexicographically smallest; isomorphic labelled
// patterns get identical results. Named by DescribeLabelled.
Pattern CanonicalLabelled(const Pattern& pattern);

// Readable edge list with labels, "vertex(label)" per endpoint, e.g.
// "0(1)-1(2) 1(2)-2(1)".
std::string DescribeLabelled(const Pattern& pattern);

}  // namespace syskit::mine
