// Multi-pattern compilation (AutoMine's merging of loops shared by several
// patterns, Mawhirter & Wu, SOSP 2019) and its one-pass interpreter.
//
// Invariants:
//   - a tree node at depth d stands for one loop level shared by every
//     pattern below it: all of them bind v0..vd by the same candidate sets
//     under the same restrictions, so a set keyed by (intersect mask,
//     subtract mask, clip bounds) and computed at an ancestor is the same
//     set for each of them;
//   - sets of a node are listed after their parents (parents are resolved
//     first), so computing them in list order is safe;
//   - the last level of a pattern is a leaf counted, never iterated.
#include "syskit/mine/plan_tree.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <limits>
#include <memory>
#include <tuple>

#include "set_ops.h"
#include "syskit/core/parallel.h"

namespace syskit::mine {
namespace {

using graph::VertexId;
using internal::VertexSpan;

// Resolves plan node `index` (reached along `path`, path[d] = tree node of
// depth d) to a TreeSet, creating it (and its parents) where missing.
int ResolveSet(PlanTree* tree, const Plan& plan, int index, const std::vector<int>& path) {
  const SetNode& node = plan.nodes[index];
  const int parent = node.parent < 0 ? -1 : ResolveSet(tree, plan, node.parent, path);
  if (parent >= 0) tree->sets[parent].stored = true;  // read as a base: must be stored
  TreeSet wanted;
  wanted.intersect_mask = node.intersect_mask;
  wanted.subtract_mask = node.subtract_mask;
  wanted.parent = parent;
  wanted.operand = node.operand;
  wanted.subtract = node.subtract;
  wanted.depth = node.depth;
  if (node.bounded_for >= 0) {
    wanted.less_than = plan.levels[node.bounded_for].less_than;
    wanted.greater_than = plan.levels[node.bounded_for].greater_than;
  }
  TreeNode& owner = tree->nodes[path[node.depth]];
  for (int s : owner.sets) {
    const TreeSet& have = tree->sets[s];
    if (have.intersect_mask == wanted.intersect_mask &&
        have.subtract_mask == wanted.subtract_mask && have.less_than == wanted.less_than &&
        have.greater_than == wanted.greater_than) {
      return s;
    }
  }
  tree->sets.push_back(std::move(wanted));
  const int created = static_cast<int>(tree->sets.size()) - 1;
  tree->nodes[path[node.depth]].sets.push_back(created);
  return created;
}

// Adds `plan` (pattern `pattern_index`) to the tree; returns the number of
// loop levels it shares with plans already there.
int Insert(PlanTree* tree, const Plan& plan, int pattern_index) {
  const int k = static_cast<int>(plan.levels.size());
  std::vector<int> path = {0};
  int shared = 0;
  for (int i = 1; i < k; ++i) {
    const PlanLevel& level = plan.levels[i];
    const int candidates = ResolveSet(tree, plan, level.candidates, path);
    const bool leaf = i == k - 1;
    // The set is stored unless it is only a counted last level.
    if (!plan.nodes[level.candidates].count_only) tree->sets[candidates].stored = true;
    int found = -1;
    for (int child : tree->nodes[path.back()].children) {
      const TreeNode& node = tree->nodes[child];
      if (node.candidates == candidates && node.less_than == level.less_than &&
          node.greater_than == level.greater_than && node.exclude == level.exclude &&
          node.patterns.empty() != leaf) {
        found = child;
        break;
      }
    }
    if (found >= 0) {
      ++shared;
    } else {
      TreeNode node;
      node.depth = i;
      node.candidates = candidates;
      node.less_than = level.less_than;
      node.greater_than = level.greater_than;
      node.exclude = level.exclude;
      tree->nodes.push_back(std::move(node));
      found = static_cast<int>(tree->nodes.size()) - 1;
      tree->nodes[path.back()].children.push_back(found);
    }
    if (leaf) tree->nodes[found].patterns.push_back(pattern_index);
    path.push_back(found);
  }
  return shared;
}

class TreeWorker {
 public:
  TreeWorker(const MiningGraph& mining, const PlanTree& tree, int max_levels)
      : tree_(tree),
        graph_(mining.graph()),
        match_(max_levels),
        buffers_(tree.sets.size()),
        sets_(tree.sets.size()),
        counts_(tree.plans.size(), 0) {}

  void Run(VertexId v0) {
    match_[0] = v0;
    Visit(0);
  }

  const std::vector<uint64_t>& counts() const { return counts_; }
  bool overflow() const { return overflow_; }

 private:
  void Bounds(const std::vector<int>& less_than, const std::vector<int>& greater_than, int64_t* lo,
              uint64_t* hi) const {
    *lo = internal::kNoLower;
    *hi = uint64_t{1} << 32;
    for (int j : less_than) *hi = std::min<uint64_t>(*hi, match_[j]);
    for (int j : greater_than) *lo = std::max<int64_t>(*lo, match_[j]);
  }

  bool InSet(VertexId x, uint32_t intersect, uint32_t subtract) const {
    for (uint32_t mask = intersect; mask != 0; mask &= mask - 1) {
      if (!internal::Contains(graph_.neighbors(match_[__builtin_ctz(mask)]), x)) return false;
    }
    for (uint32_t mask = subtract; mask != 0; mask &= mask - 1) {
      if (internal::Contains(graph_.neighbors(match_[__builtin_ctz(mask)]), x)) return false;
    }
    return true;
  }

  void ComputeSets(const TreeNode& node) {
    for (int s : node.sets) {
      const TreeSet& set = tree_.sets[s];
      if (!set.stored) continue;
      VertexSpan operand = graph_.neighbors(match_[set.operand]);
      if (set.parent < 0) {
        sets_[s] = operand;
        continue;
      }
      VertexSpan base = sets_[set.parent];
      if (!set.less_than.empty() || !set.greater_than.empty()) {
        int64_t lo;
        uint64_t hi;
        Bounds(set.less_than, set.greater_than, &lo, &hi);
        base = internal::Clip(base, lo, hi);
        operand = internal::Clip(operand, lo, hi);
      }
      if (set.subtract) {
        internal::Difference(base, operand, &buffers_[s]);
      } else {
        internal::Intersect(base, operand, &buffers_[s]);
      }
      sets_[s] = buffers_[s];
    }
  }

  uint64_t CountLeaf(const TreeNode& leaf) const {
    const TreeSet& set = tree_.sets[leaf.candidates];
    int64_t lo;
    uint64_t hi;
    Bounds(leaf.less_than, leaf.greater_than, &lo, &hi);
    uint64_t n;
    if (set.stored) {
      n = internal::Clip(sets_[leaf.candidates], lo, hi).size();
    } else {
      VertexSpan base = internal::Clip(sets_[set.parent], lo, hi);
      VertexSpan operand = internal::Clip(graph_.neighbors(match_[set.operand]), lo, hi);
      n = set.subtract ? internal::DifferenceCount(base, operand)
                       : internal::IntersectCount(base, operand);
    }
    for (int j : leaf.exclude) {
      const VertexId x = match_[j];
      if (static_cast<int64_t>(x) > lo && x < hi &&
          InSet(x, set.intersect_mask, set.subtract_mask)) {
        --n;
      }
    }
    return n;
  }

  void Visit(int index) {
    const TreeNode& node = tree_.nodes[index];
    ComputeSets(node);
    for (int child_index : node.children) {
      const TreeNode& child = tree_.nodes[child_index];
      if (!child.patterns.empty()) {
        const uint64_t n = CountLeaf(child);
        for (int p : child.patterns)
          overflow_ |= __builtin_add_overflow(counts_[p], n, &counts_[p]);
        continue;
      }
      int64_t lo;
      uint64_t hi;
      Bounds(child.less_than, child.greater_than, &lo, &hi);
      const VertexSpan candidates = internal::Clip(sets_[child.candidates], lo, hi);
      for (VertexId x : candidates) {
        bool excluded = false;
        for (int j : child.exclude) excluded |= match_[j] == x;
        if (excluded) continue;
        match_[child.depth] = x;
        Visit(child_index);
      }
    }
  }

  const PlanTree& tree_;
  const graph::Graph& graph_;
  std::vector<VertexId> match_;
  std::vector<std::vector<VertexId>> buffers_;
  std::vector<VertexSpan> sets_;
  std::vector<uint64_t> counts_;
  bool overflow_ = false;
};

}  // namespace

Result<PlanTree> CompilePlanTree(const std::vector<Pattern>& patterns,
                                 const TreeCompileOptions& options) {
  if (!options.compile.symmetry_breaking) {
    return InvalidArgumentError("a plan tree needs symmetry breaking");
  }
  PlanTree tree;
  tree.nodes.emplace_back();  // the root: v0 in V
  for (size_t p = 0; p < patterns.size(); ++p) {
    const Pattern& pattern = patterns[p];
    if (pattern.labelled()) {
      return InvalidArgumentError("pattern \"" + pattern.name() +
                                  "\" is labelled; plan trees take unlabelled patterns");
    }
    SYSKIT_ASSIGN_OR_RETURN(Plan best, Compile(pattern, options.compile));
    if (best.oriented || pattern.num_vertices() < 2) {
      tree.separate.push_back(static_cast<int>(p));
      tree.estimated_cost += best.estimated_cost;
      tree.plans.push_back(std::move(best));
      continue;
    }
    // Among the orders within `slack` of the best cost, take the one that
    // shares the most levels with the tree so far (then the cheapest).
    Plan chosen = best;
    int chosen_shared = -1;
    for (const std::vector<int>& order :
         ConnectedOrders(pattern, std::max<uint64_t>(1, options.compile.max_orders))) {
      CompileOptions forced = options.compile;
      forced.order = order;
      SYSKIT_ASSIGN_OR_RETURN(Plan plan, Compile(pattern, forced));
      if (plan.estimated_cost > options.slack * best.estimated_cost) continue;
      PlanTree trial = tree;
      const int shared = Insert(&trial, plan, static_cast<int>(p));
      if (shared > chosen_shared ||
          (shared == chosen_shared && plan.estimated_cost < chosen.estimated_cost)) {
        chosen_shared = shared;
        chosen = std::move(plan);
      }
    }
    tree.shared_levels += Insert(&tree, chosen, static_cast<int>(p));
    tree.estimated_cost += chosen.estimated_cost;
    tree.plans.push_back(std::move(chosen));
  }
  return tree;
}

Result<std::vector<uint64_t>> CountPlanTree(const MiningGraph& graph, const PlanTree& tree,
                                            const MineOptions& options) {
  std::vector<uint64_t> counts(tree.plans.size(), 0);
  for (int p : tree.separate) {
    SYSKIT_ASSIGN_OR_RETURN(counts[p], CountPlan(graph, tree.plans[p], options));
  }
  if (tree.nodes.size() <= 1) return counts;
  if (options.ranks < 1 || options.rank < 0 || options.rank >= options.ranks) {
    return InvalidArgumentError("rank " + std::to_string(options.rank) + " of " +
                                std::to_string(options.ranks) + " ranks is out of range");
  }
  int max_levels = 1;
  for (const Plan& plan : tree.plans) {
    max_levels = std::max(max_levels, static_cast<int>(plan.levels.size()));
  }
  const int threads = options.threads > 0 ? options.threads : DefaultThreadCount();
  std::vector<std::unique_ptr<TreeWorker>> workers;
  for (int t = 0; t < threads; ++t) {
    workers.push_back(std::make_unique<TreeWorker>(graph, tree, max_levels));
  }
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
    return ResourceExhaustedError("counting a plan tree was cancelled");
  }
  bool overflow = false;
  for (const auto& worker : workers) {
    overflow |= worker->overflow();
    for (size_t p = 0; p < counts.size(); ++p) {
      overflow |= __builtin_add_overflow(counts[p], worker->counts()[p], &counts[p]);
    }
  }
  if (overflow) {
    return OutOfRangeError("a pattern count of the plan tree exceeds 2^64 - 1 (64-bit overflow)");
  }
  return counts;
}

std::string PlanTree::ToString() const {
  std::string out;
  char buffer[256];
  int loops = 0;
  for (const TreeNode& node : nodes) loops += node.patterns.empty();
  std::snprintf(buffer, sizeof(buffer),
                "plan tree: %zu patterns, %d shared loops (%d loop levels saved), %zu sets, "
                "estimated cost %.4g\n",
                plans.size() - separate.size(), loops, shared_levels, sets.size(), estimated_cost);
  out += buffer;
  for (int p : separate) {
    out += "separately: " + plans[p].pattern.name() +
           (plans[p].oriented ? " (oriented clique plan)\n" : "\n");
  }
  if (nodes.size() <= 1) return out;
  for (const Plan& plan : plans) {
    if (plan.oriented) continue;
    out += "  " + plan.pattern.name() + ": order";
    for (int u : plan.order) out += " u" + std::to_string(u);
    out += "\n";
  }
  auto var = [](int level) { return "v" + std::to_string(level); };
  auto set_name = [](int s) { return "S" + std::to_string(s); };
  auto expression = [&](const TreeSet& set) {
    std::string text = "N(" + var(set.operand) + ")";
    if (set.parent < 0) return text;
    return set_name(set.parent) + (set.subtract ? " - " : " & ") + text;
  };
  auto conditions = [&](const TreeNode& node) {
    std::vector<std::string> parts;
    for (int j : node.less_than) parts.push_back(var(node.depth) + " < " + var(j));
    for (int j : node.greater_than) parts.push_back(var(node.depth) + " > " + var(j));
    for (int j : node.exclude) parts.push_back(var(node.depth) + " != " + var(j));
    std::string text;
    for (size_t i = 0; i < parts.size(); ++i) text += (i ? ", " : "") + parts[i];
    return text;
  };
  auto visit = [&](auto&& self, int index) -> void {
    const TreeNode& node = nodes[index];
    const std::string indent(2 * node.depth, ' ');
    const std::string where = conditions(node);
    if (!node.patterns.empty()) {
      const TreeSet& set = sets[node.candidates];
      std::string names;
      for (int p : node.patterns) names += (names.empty() ? "" : ",") + plans[p].pattern.name();
      out += indent + "count[" + names + "] += |{" + var(node.depth) + " in " +
             (set.stored ? set_name(node.candidates) : "(" + expression(set) + ")") +
             (where.empty() ? "" : " : " + where) + "}|\n";
      return;
    }
    if (index == 0) {
      out += "for v0 in V:\n";
    } else {
      out += indent + "for " + var(node.depth) + " in " + set_name(node.candidates) +
             (where.empty() ? "" : " where " + where) + ":\n";
    }
    for (int s : node.sets) {
      if (!sets[s].stored) continue;
      out += indent + "  " + set_name(s) + " = " + expression(sets[s]);
      if (!sets[s].less_than.empty() || !sets[s].greater_than.empty()) out += "   # clipped";
      out += "\n";
    }
    for (int child : node.children) self(self, child);
  };
  visit(visit, 0);
  return out;
}

}  // namespace syskit::mine
