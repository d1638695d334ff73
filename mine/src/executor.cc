// The plan interpreter: depth-first execution of a compiled AutoMine loop
// nest (Mawhirter & Wu, SOSP 2019) without materialising embeddings.
//
// Invariants:
//   - after binding level d, every SetNode of depth d is (re)computed before
//     level d+1 reads any set, so a set is built once per binding of its
//     deepest operand and shared by all deeper levels (set reuse);
//   - the last level is counted, never iterated, when listing is off and it
//     carries no label: |candidates ∩ (lo, hi)| minus the matched vertices
//     that the set would wrongly contain;
//   - the outer loop is split into chunks of `grain` vertices handed out
//     dynamically, heaviest (highest degree) first; each thread keeps its
//     own buffers and a 64-bit counter checked for overflow.
#include "syskit/mine/executor.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <memory>

#include "set_ops.h"
#include "syskit/core/env.h"
#include "syskit/core/parallel.h"
#include "syskit/graph/transforms.h"
#include "syskit/mine/motif_counter.h"
#include "syskit/mine/plan_tree.h"

namespace syskit::mine {
namespace {

using graph::VertexId;
using internal::VertexSpan;

class Worker {
 public:
  Worker(const MiningGraph& mining, const Plan& plan, const EmbeddingCallback* callback, int thread,
         const std::atomic<bool>* cancel)
      : plan_(plan),
        cancel_(cancel),
        graph_(plan.oriented ? mining.oriented() : mining.graph()),
        mining_(mining),
        callback_(callback),
        thread_(thread),
        k_(static_cast<int>(plan.levels.size())),
        match_(plan.levels.size()),
        embedding_(plan.levels.size()),
        buffers_(plan.nodes.size()),
        sets_(plan.nodes.size()),
        nodes_at_depth_(plan.levels.size()) {
    for (size_t n = 0; n < plan.nodes.size(); ++n) {
      const SetNode& node = plan.nodes[n];
      if (node.count_only && callback_ == nullptr) continue;
      nodes_at_depth_[node.depth].push_back(static_cast<int>(n));
    }
  }

  void Run(VertexId v0) {
    if (!LabelMatches(0, v0)) return;
    match_[0] = v0;
    if (k_ == 1) {
      Emit();
      return;
    }
    ComputeNodes(0);
    Descend(1);
  }

  uint64_t count() const { return count_; }
  bool overflow() const { return overflow_; }

 private:
  bool LabelMatches(int level, VertexId v) const {
    const uint32_t want = plan_.levels[level].label;
    return want == kAnyLabel || mining_.label(v) == want;
  }

  void Add(uint64_t n) {
    if (__builtin_add_overflow(count_, n, &count_)) overflow_ = true;
  }

  void Emit() {
    Add(1);
    if (callback_ == nullptr) return;
    for (int i = 0; i < k_; ++i) embedding_[plan_.order[i]] = match_[i];
    (*callback_)(thread_, embedding_);
  }

  void Bounds(int level, int64_t* lo, uint64_t* hi) const {
    *lo = internal::kNoLower;
    *hi = uint64_t{1} << 32;
    for (int j : plan_.levels[level].less_than) *hi = std::min<uint64_t>(*hi, match_[j]);
    for (int j : plan_.levels[level].greater_than) *lo = std::max<int64_t>(*lo, match_[j]);
  }

  void ComputeNodes(int depth) {
    for (int n : nodes_at_depth_[depth]) {
      const SetNode& node = plan_.nodes[n];
      VertexSpan operand = graph_.neighbors(match_[node.operand]);
      if (node.parent < 0) {
        sets_[n] = operand;
        continue;
      }
      VertexSpan base = sets_[node.parent];
      if (node.bounded_for >= 0) {
        int64_t lo;
        uint64_t hi;
        Bounds(node.bounded_for, &lo, &hi);
        base = internal::Clip(base, lo, hi);
        operand = internal::Clip(operand, lo, hi);
      }
      if (node.subtract) {
        internal::Difference(base, operand, &buffers_[n]);
      } else {
        internal::Intersect(base, operand, &buffers_[n]);
      }
      sets_[n] = buffers_[n];
    }
  }

  // Is x in the set of data vertices adjacent to every level of
  // `intersect` and to none of `subtract`?
  bool InSet(VertexId x, uint32_t intersect, uint32_t subtract) const {
    for (uint32_t mask = intersect; mask != 0; mask &= mask - 1) {
      if (!internal::Contains(graph_.neighbors(match_[__builtin_ctz(mask)]), x)) return false;
    }
    for (uint32_t mask = subtract; mask != 0; mask &= mask - 1) {
      if (internal::Contains(graph_.neighbors(match_[__builtin_ctz(mask)]), x)) return false;
    }
    return true;
  }

  void CountLast() {
    const int level = k_ - 1;
    const PlanLevel& last = plan_.levels[level];
    const SetNode& node = plan_.nodes[last.candidates];
    int64_t lo;
    uint64_t hi;
    Bounds(level, &lo, &hi);
    uint64_t n;
    if (node.count_only) {
      VertexSpan base = internal::Clip(sets_[node.parent], lo, hi);
      VertexSpan operand = internal::Clip(graph_.neighbors(match_[node.operand]), lo, hi);
      n = node.subtract ? internal::DifferenceCount(base, operand)
                        : internal::IntersectCount(base, operand);
    } else {
      n = internal::Clip(sets_[last.candidates], lo, hi).size();
    }
    for (int j : last.exclude) {
      const VertexId x = match_[j];
      if (static_cast<int64_t>(x) > lo && x < hi &&
          InSet(x, node.intersect_mask, node.subtract_mask)) {
        --n;
      }
    }
    Add(n);
  }

  void Descend(int level) {
    const PlanLevel& current = plan_.levels[level];
    if (level == k_ - 1 && callback_ == nullptr && current.label == kAnyLabel) {
      CountLast();
      return;
    }
    int64_t lo;
    uint64_t hi;
    Bounds(level, &lo, &hi);
    const VertexSpan candidates = internal::Clip(sets_[current.candidates], lo, hi);
    for (VertexId x : candidates) {
      // Cancellation is also checked here: one heavy outer vertex can take
      // minutes in a naive schedule.
      if (level == 1 && cancel_ != nullptr && cancel_->load(std::memory_order_relaxed)) return;
      bool excluded = false;
      for (int j : current.exclude) excluded |= match_[j] == x;
      if (excluded || !LabelMatches(level, x)) continue;
      match_[level] = x;
      if (level == k_ - 1) {
        Emit();
        continue;
      }
      ComputeNodes(level);
      Descend(level + 1);
    }
  }

  const Plan& plan_;
  const std::atomic<bool>* cancel_;
  const graph::Graph& graph_;
  const MiningGraph& mining_;
  const EmbeddingCallback* callback_;
  const int thread_;
  const int k_;
  std::vector<VertexId> match_;
  std::vector<VertexId> embedding_;
  std::vector<std::vector<VertexId>> buffers_;
  std::vector<VertexSpan> sets_;
  std::vector<std::vector<int>> nodes_at_depth_;
  uint64_t count_ = 0;
  bool overflow_ = false;
};

Result<uint64_t> Execute(const MiningGraph& graph, const Plan& plan, const MineOptions& options,
                         const EmbeddingCallback* callback) {
  if (plan.pattern.labelled() && !graph.labelled()) {
    return InvalidArgumentError("pattern \"" + plan.pattern.name() +
                                "\" has vertex labels but the graph has none (pass --labels=FILE)");
  }
  const int threads = options.threads > 0 ? options.threads : DefaultThreadCount();
  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<Worker>(graph, plan, callback, t, options.cancel));
  }
  if (options.ranks < 1 || options.rank < 0 || options.rank >= options.ranks) {
    return InvalidArgumentError("rank " + std::to_string(options.rank) + " of " +
                                std::to_string(options.ranks) + " ranks is out of range");
  }
  // This rank's outer-loop positions: rank, rank + ranks, ... (position p
  // is the vertex with the p-th largest degree).
  const uint64_t n = graph.graph().num_vertices();
  const uint64_t ranks = options.ranks, rank = options.rank;
  const uint64_t positions = n > rank ? (n - rank + ranks - 1) / ranks : 0;
  ParallelForDynamic(
      threads, 0, positions, std::max<uint64_t>(1, options.grain),
      [&](int t, uint64_t begin, uint64_t end) {
        if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
          return;
        }
        for (uint64_t position = begin; position < end; ++position) {
          workers[t]->Run(static_cast<VertexId>(n - 1 - (rank + position * ranks)));
        }
      });
  if (options.cancel != nullptr && options.cancel->load()) {
    return ResourceExhaustedError("counting pattern \"" + plan.pattern.name() + "\" was cancelled");
  }
  uint64_t total = 0;
  bool overflow = false;
  for (const auto& worker : workers) {
    overflow |= worker->overflow();
    overflow |= __builtin_add_overflow(total, worker->count(), &total);
  }
  if (overflow) {
    return OutOfRangeError("count of pattern \"" + plan.pattern.name() +
                           "\" exceeds 2^64 - 1 (64-bit counter overflow)");
  }
  return total;
}

bool IsMotifRequest(const std::vector<Pattern>& patterns, int k) {
  Result<std::vector<Pattern>> motifs = Motifs(k);
  if (!motifs.ok() || motifs->size() != patterns.size()) return false;
  for (size_t p = 0; p < patterns.size(); ++p) {
    if (patterns[p].labelled() || patterns[p].name() != (*motifs)[p].name() ||
        patterns[p].CanonicalCode() != (*motifs)[p].CanonicalCode()) {
      return false;
    }
  }
  return true;
}

bool ParseUnsigned(std::string_view text, uint64_t* value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

Result<MiningGraph> MiningGraph::Prepare(const graph::Graph& input, std::vector<uint32_t> labels,
                                         int threads) {
  if (input.directed()) {
    return InvalidArgumentError("pattern mining needs an undirected graph, got a directed one");
  }
  if (input.num_self_loops() != 0) {
    return InvalidArgumentError("pattern mining needs a graph without self-loops, got " +
                                std::to_string(input.num_self_loops()) +
                                " (load with --self_loops=drop)");
  }
  if (!labels.empty() && labels.size() != input.num_vertices()) {
    return InvalidArgumentError("expected " + std::to_string(input.num_vertices()) +
                                " vertex labels, got " + std::to_string(labels.size()));
  }
  MiningGraph mining;
  mining.graph_ = graph::RelabelByDegree(input, threads);
  for (graph::VertexId v = 0; v < mining.graph_.num_vertices(); ++v) {
    const auto neighbors = mining.graph_.neighbors(v);
    if (std::adjacent_find(neighbors.begin(), neighbors.end()) != neighbors.end()) {
      return InvalidArgumentError("pattern mining needs a simple graph, vertex " +
                                  std::to_string(mining.graph_.original_id(v)) +
                                  " has a repeated neighbour (load with --duplicates=merge)");
    }
  }
  SYSKIT_ASSIGN_OR_RETURN(mining.oriented_, graph::OrientByDegree(mining.graph_, threads));
  if (!labels.empty()) {
    mining.labels_.resize(labels.size());
    for (graph::VertexId v = 0; v < mining.graph_.num_vertices(); ++v) {
      mining.labels_[v] = labels[*input.FindVertex(mining.graph_.original_id(v))];
    }
  }
  mining.stats_ = GraphStats::Of(mining.graph_);
  return mining;
}

Result<uint64_t> CountPlan(const MiningGraph& graph, const Plan& plan, const MineOptions& options) {
  return Execute(graph, plan, options, nullptr);
}

Result<uint64_t> ListPlan(const MiningGraph& graph, const Plan& plan, const MineOptions& options,
                          const EmbeddingCallback& callback) {
  return Execute(graph, plan, options, &callback);
}

namespace {

// The motif size whose formulas serve this request, or 0 for one plan per
// pattern.
int FormulaMotifSize(const std::vector<Pattern>& patterns, const CountOptions& options) {
  if (!options.motif_formulas || options.induced != Induced::kVertex) return 0;
  for (int k : {3, 4}) {
    if (IsMotifRequest(patterns, k)) return k;
  }
  return 0;
}

}  // namespace

Status CheckedAdd(uint64_t value, uint64_t* total, const std::string& what) {
  uint64_t sum;
  if (__builtin_add_overflow(*total, value, &sum)) {
    return OutOfRangeError("count of " + what + " exceeds 2^64 - 1 (64-bit counter overflow)");
  }
  *total = sum;
  return Status::OK();
}

Result<PartialCounts> CountPatternsPartial(const MiningGraph& graph,
                                           const std::vector<Pattern>& patterns,
                                           const CountOptions& options) {
  PartialCounts partial;
  partial.words.push_back(patterns.size());
  if (const int k = FormulaMotifSize(patterns, options); k != 0) {
    SYSKIT_ASSIGN_OR_RETURN(std::vector<uint64_t> words,
                            MotifStatisticsPartial(graph, k, options.mine));
    partial.words.insert(partial.words.end(), words.begin(), words.end());
    return partial;
  }
  const bool labelled = std::any_of(patterns.begin(), patterns.end(),
                                    [](const Pattern& pattern) { return pattern.labelled(); });
  if (options.share_prefixes && patterns.size() > 1 && !labelled) {
    TreeCompileOptions tree_options;
    tree_options.compile.induced = options.induced;
    tree_options.compile.stats = graph.stats();
    SYSKIT_ASSIGN_OR_RETURN(PlanTree tree, CompilePlanTree(patterns, tree_options));
    SYSKIT_ASSIGN_OR_RETURN(std::vector<uint64_t> counts, CountPlanTree(graph, tree, options.mine));
    partial.words.insert(partial.words.end(), counts.begin(), counts.end());
    return partial;
  }
  for (const Pattern& pattern : patterns) {
    CompileOptions compile;
    compile.induced = options.induced;
    compile.stats = graph.stats();
    SYSKIT_ASSIGN_OR_RETURN(Plan plan, Compile(pattern, compile));
    SYSKIT_ASSIGN_OR_RETURN(uint64_t count, CountPlan(graph, plan, options.mine));
    partial.words.push_back(count);
  }
  return partial;
}

Result<std::vector<PatternCount>> CombinePartialCounts(const std::vector<Pattern>& patterns,
                                                       const CountOptions& options,
                                                       const std::vector<PartialCounts>& parts) {
  for (const PartialCounts& part : parts) {
    if (part.words.empty() || part.words[0] != patterns.size()) {
      return InvalidArgumentError("partial counts do not belong to a request of " +
                                  std::to_string(patterns.size()) + " patterns");
    }
  }
  if (const int k = FormulaMotifSize(patterns, options); k != 0) {
    std::vector<std::vector<uint64_t>> per_rank;
    for (const PartialCounts& part : parts) {
      per_rank.emplace_back(part.words.begin() + 1, part.words.end());
    }
    return CombineMotifStatistics(k, per_rank);
  }
  std::vector<PatternCount> counts;
  for (size_t p = 0; p < patterns.size(); ++p) {
    PatternCount count{patterns[p].name(), 0};
    for (const PartialCounts& part : parts) {
      if (part.words.size() != patterns.size() + 1) {
        return InvalidArgumentError("expected " + std::to_string(patterns.size() + 1) +
                                    " partial count words, got " +
                                    std::to_string(part.words.size()));
      }
      SYSKIT_RETURN_IF_ERROR(
          CheckedAdd(part.words[p + 1], &count.count, "pattern \"" + count.name + "\""));
    }
    counts.push_back(std::move(count));
  }
  return counts;
}

Result<std::vector<PatternCount>> CountPatterns(const MiningGraph& graph,
                                                const std::vector<Pattern>& patterns,
                                                const CountOptions& options) {
  CountOptions whole = options;
  whole.mine.rank = 0;
  whole.mine.ranks = 1;
  SYSKIT_ASSIGN_OR_RETURN(PartialCounts partial, CountPatternsPartial(graph, patterns, whole));
  return CombinePartialCounts(patterns, whole, {partial});
}

Result<std::vector<uint32_t>> LoadLabels(const std::string& path, const graph::Graph& graph) {
  Result<std::string> text = ReadFileToString(Env::Default(), path);
  if (!text.ok()) return InvalidArgumentError("cannot read labels: " + text.status().message());
  std::vector<uint32_t> labels(graph.num_vertices(), kAnyLabel);
  std::string_view rest = *text;
  int line_number = 0;
  while (!rest.empty()) {
    const size_t end = std::min(rest.find('\n'), rest.size());
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(std::min(end + 1, rest.size()));
    ++line_number;
    if (const size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    std::vector<std::string_view> fields;
    size_t pos = 0;
    while (pos < line.size()) {
      while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t' || line[pos] == '\r')) {
        ++pos;
      }
      size_t stop = pos;
      while (stop < line.size() && line[stop] != ' ' && line[stop] != '\t' && line[stop] != '\r') {
        ++stop;
      }
      if (stop > pos) fields.push_back(line.substr(pos, stop - pos));
      pos = stop;
    }
    if (fields.empty()) continue;
    const std::string where = path + ":" + std::to_string(line_number) + ": ";
    uint64_t vertex = 0, label = 0;
    if (fields.size() != 2 || !ParseUnsigned(fields[0], &vertex) ||
        !ParseUnsigned(fields[1], &label) || label >= kAnyLabel) {
      return InvalidArgumentError(where + "expected \"vertex label\", got \"" + std::string(line) +
                                  "\"");
    }
    const std::optional<graph::VertexId> dense = graph.FindVertex(vertex);
    if (!dense) {
      return InvalidArgumentError(where + "vertex " + std::to_string(vertex) +
                                  " is not in the graph");
    }
    labels[*dense] = static_cast<uint32_t>(label);
  }
  return labels;
}

}  // namespace syskit::mine
