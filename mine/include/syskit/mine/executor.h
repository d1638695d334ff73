// Running compiled plans: an interpreter over the Plan's loop nest, threaded
// over the outermost loop, plus the entry points the CLI and benchmark use.
//
// Thread-safety: a MiningGraph is immutable after Prepare and may be shared
// by any number of concurrent calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/graph/graph.h"
#include "syskit/mine/pattern.h"
#include "syskit/mine/plan.h"

namespace syskit::mine {

// The data graph in the form the executor wants: vertices renumbered by
// ascending degree (so restricted loops end early and the outer loop can go
// from the heaviest vertex down) and its degree-oriented DAG for cliques.
class MiningGraph {
 public:
  // `input` must be undirected without self-loops (InvalidArgument
  // otherwise). `labels` is empty or holds one label per dense vertex of
  // `input`. threads: 0 = all cores.
  static Result<MiningGraph> Prepare(const graph::Graph& input, std::vector<uint32_t> labels = {},
                                     int threads = 0);

  const graph::Graph& graph() const { return graph_; }
  const graph::Graph& oriented() const { return oriented_; }
  bool labelled() const { return !labels_.empty(); }
  uint32_t label(graph::VertexId v) const { return labels_.empty() ? kAnyLabel : labels_[v]; }
  const GraphStats& stats() const { return stats_; }

 private:
  graph::Graph graph_;
  graph::Graph oriented_;
  std::vector<uint32_t> labels_;
  GraphStats stats_;
};

struct MineOptions {
  int threads = 0;  // 0 = all cores
  // Outer-loop vertices per dynamically scheduled chunk.
  uint64_t grain = 4;
  // Splitting the outermost loop across processes (MPI ranks): this call
  // handles only the outer-loop positions p (vertices in descending degree
  // order) with p % ranks == rank, so the ranks' partial counts sum to the
  // full count. Dealing the degree-sorted vertices round-robin balances the
  // skewed heavy vertices deterministically. Defaults: one rank.
  int rank = 0;
  int ranks = 1;
  // When set and it becomes true, workers stop taking outer-loop vertices
  // and the call returns ResourceExhausted (the benchmark's timeout). Not
  // owned.
  const std::atomic<bool>* cancel = nullptr;
};

// Called once per embedding with match[u] = data vertex (MiningGraph id) of
// pattern vertex u, and the calling thread's index in [0, threads). Calls
// come from several threads at once.
using EmbeddingCallback = std::function<void(int thread, std::span<const graph::VertexId> match)>;

// Counts the subgraphs of `graph` matching `plan` (vertex- or edge-induced
// as compiled). With symmetry breaking off, the count of embeddings
// (|Aut| times more). Errors: InvalidArgument when the pattern is labelled
// and the graph is not; OutOfRange when the count exceeds 2^64 - 1.
Result<uint64_t> CountPlan(const MiningGraph& graph, const Plan& plan, const MineOptions& options);

// Like CountPlan, calling `callback` for every embedding; returns the count.
Result<uint64_t> ListPlan(const MiningGraph& graph, const Plan& plan, const MineOptions& options,
                          const EmbeddingCallback& callback);

struct PatternCount {
  std::string name;
  uint64_t count = 0;
};

struct CountOptions {
  Induced induced = Induced::kVertex;
  MineOptions mine;
  // When the request is exactly 3-motifs or 4-motifs (vertex-induced,
  // unlabelled), derive the counts from per-edge triangle counts, degrees,
  // 4-cycles and 4-cliques (motif_counter.h) instead of one plan each.
  bool motif_formulas = true;
  // Otherwise, when several unlabelled patterns are requested, compile them
  // into one plan tree sharing common loop prefixes (plan_tree.h) and count
  // them in one pass (default on); off runs one plan per pattern.
  bool share_prefixes = true;
};

// Compiles each pattern with the graph's statistics and counts it. Errors as
// CountPlan, with the pattern's name in the message.
Result<std::vector<PatternCount>> CountPatterns(const MiningGraph& graph,
                                                const std::vector<Pattern>& patterns,
                                                const CountOptions& options);

// One rank's share of a CountPatterns request (MineOptions::rank/ranks):
// raw 64-bit words that are summed across ranks by CombinePartialCounts.
// words[0] is the number of patterns; the rest are either one partial count
// per pattern or, for the 3-/4-motif formulas, their 128-bit statistics.
struct PartialCounts {
  std::vector<uint64_t> words;
};

// Counts this rank's share (options.mine.rank of options.mine.ranks) of
// every pattern. Errors as CountPatterns.
Result<PartialCounts> CountPatternsPartial(const MiningGraph& graph,
                                           const std::vector<Pattern>& patterns,
                                           const CountOptions& options);

// Sums the partial counts of every rank (any order) into the final counts,
// exactly what CountPatterns returns for the whole graph. OutOfRange when a
// sum exceeds 2^64 - 1 (checked, never wrapped); InvalidArgument when the
// parts do not belong to this request.
Result<std::vector<PatternCount>> CombinePartialCounts(const std::vector<Pattern>& patterns,
                                                       const CountOptions& options,
                                                       const std::vector<PartialCounts>& parts);

// Adds `value` to `*total`; OutOfRange naming `what` when the sum exceeds
// 2^64 - 1 (then *total is unchanged).
Status CheckedAdd(uint64_t value, uint64_t* total, const std::string& what);

// Reads `vertex label` lines (original vertex ids of `graph`, labels
// 0..2^32-2) into one label per dense vertex; vertices not listed get
// kAnyLabel, which no labelled pattern vertex matches. InvalidArgument with
// file and line for malformed lines or unknown vertices.
Result<std::vector<uint32_t>> LoadLabels(const std::string& path, const graph::Graph& graph);

}  // namespace syskit::mine
