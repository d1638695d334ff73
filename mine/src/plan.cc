// The AutoMine schedule compiler (Mawhirter & Wu, SOSP 2019) with
// GraphZero-style symmetry breaking (Mawhirter et al. 2021; the
// stabiliser-chain restrictions of Grochow & Kellis 2007).
//
// Invariants of a compiled Plan:
//   - every prefix of `order` induces a connected subpattern, so every level
//     i >= 1 has at least one earlier pattern neighbour (its first operand);
//   - with symmetry breaking, level i's restrictions say: v[i] is smaller
//     than the vertex matched to u = order[j] for every j < i such that the
//     pattern vertex order[i] lies in u's orbit under the stabiliser of
//     order[0..j-1]; this picks exactly one embedding per subgraph;
//   - SetNodes are topologically ordered (parent index < child index) and a
//     node's depth is the largest level among its operands, so the executor
//     can compute all nodes of depth d right after binding level d.
#include "syskit/mine/plan.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <numeric>

namespace syskit::mine {
namespace {

bool HasConnectedPrefixes(const Pattern& pattern, const std::vector<int>& order) {
  uint32_t seen = 0;
  for (size_t i = 0; i < order.size(); ++i) {
    if (i > 0 && (pattern.adjacency(order[i]) & seen) == 0) return false;
    seen |= 1u << order[i];
  }
  return true;
}

void ExtendOrders(const Pattern& pattern, std::vector<int>* prefix, uint32_t used, uint64_t limit,
                  std::vector<std::vector<int>>* out) {
  const int k = pattern.num_vertices();
  if (out->size() >= limit) return;
  if (static_cast<int>(prefix->size()) == k) {
    out->push_back(*prefix);
    return;
  }
  for (int u = 0; u < k; ++u) {
    if ((used >> u) & 1u) continue;
    if (!prefix->empty() && (pattern.adjacency(u) & used) == 0) continue;
    prefix->push_back(u);
    ExtendOrders(pattern, prefix, used | (1u << u), limit, out);
    prefix->pop_back();
  }
}

// Builds the plan for one matching order.
Plan BuildPlan(const Pattern& pattern, const std::vector<int>& order,
               const std::vector<std::vector<int>>& automorphisms, const CompileOptions& options) {
  const int k = pattern.num_vertices();
  Plan plan;
  plan.pattern = pattern;
  plan.induced = options.induced;
  plan.order = order;
  plan.symmetry_breaking = options.symmetry_breaking;
  plan.automorphisms = static_cast<int>(automorphisms.size());
  plan.levels.resize(k);
  std::vector<int> level_of(k);
  for (int i = 0; i < k; ++i) level_of[order[i]] = i;

  if (options.symmetry_breaking) {
    std::vector<const std::vector<int>*> group;
    for (const auto& perm : automorphisms) group.push_back(&perm);
    for (int i = 0; i < k; ++i) {
      const int u = order[i];
      uint32_t orbit = 0;
      for (const auto* perm : group) orbit |= 1u << (*perm)[u];
      for (int w = 0; w < k; ++w) {
        if (w == u || !((orbit >> w) & 1u)) continue;
        plan.levels[level_of[w]].less_than.push_back(i);
      }
      std::erase_if(group, [u](const std::vector<int>* perm) { return (*perm)[u] != u; });
    }
    // Drop restrictions implied by transitivity (v_i < v_l < v_j).
    for (int i = 0; i < k; ++i) {
      std::vector<int>& bounds = plan.levels[i].less_than;
      std::vector<int> kept;
      for (int j : bounds) {
        bool implied = false;
        for (int l : bounds) {
          const auto& via = plan.levels[l].less_than;
          implied |= l != j && std::find(via.begin(), via.end(), j) != via.end();
        }
        if (!implied) kept.push_back(j);
      }
      bounds = kept;
    }
  }

  std::map<std::pair<uint32_t, uint32_t>, int> node_by_key;
  for (int i = 0; i < k; ++i) {
    PlanLevel& level = plan.levels[i];
    level.pattern_vertex = order[i];
    level.label = pattern.label(order[i]);
    if (i == 0) continue;
    for (int j = 0; j < i; ++j) {
      if (pattern.HasEdge(order[i], order[j])) {
        level.parent_mask |= 1u << j;
      } else if (options.induced == Induced::kVertex) {
        level.anti_mask |= 1u << j;
      }
    }
    // Operands: the first pattern neighbour, then the rest in level order.
    const int first = __builtin_ctz(level.parent_mask);
    std::vector<std::pair<int, bool>> operands = {{first, false}};
    for (int j = 0; j < i; ++j) {
      if (j == first) continue;
      if ((level.parent_mask >> j) & 1u) operands.emplace_back(j, false);
      if ((level.anti_mask >> j) & 1u) operands.emplace_back(j, true);
    }
    int node_index = -1;
    uint32_t intersect = 0, subtract = 0;
    for (auto [operand, is_subtract] : operands) {
      (is_subtract ? subtract : intersect) |= 1u << operand;
      const auto key = std::make_pair(intersect, subtract);
      if (options.reuse_sets) {
        if (auto it = node_by_key.find(key); it != node_by_key.end()) {
          node_index = it->second;
          continue;
        }
      }
      SetNode node;
      node.intersect_mask = intersect;
      node.subtract_mask = subtract;
      node.parent = node_index;
      node.operand = operand;
      node.subtract = is_subtract;
      // Without reuse every non-view set is rebuilt in the loop of level i-1.
      node.depth = options.reuse_sets || node_index < 0 ? operand : i - 1;
      if (node_index >= 0) node.depth = std::max(node.depth, plan.nodes[node_index].depth);
      plan.nodes.push_back(node);
      node_index = static_cast<int>(plan.nodes.size()) - 1;
      if (options.reuse_sets) node_by_key[key] = node_index;
    }
    level.candidates = node_index;
    for (int j = 0; j < i; ++j) {
      if ((level.parent_mask >> j) & 1u) continue;  // v[j] is never in N(v[j])
      const bool restricted =
          std::find(level.less_than.begin(), level.less_than.end(), j) != level.less_than.end() ||
          std::find(level.greater_than.begin(), level.greater_than.end(), j) !=
              level.greater_than.end();
      if (!restricted) level.exclude.push_back(j);
    }
  }

  // Consumers of each node decide clipping and count-only evaluation.
  std::vector<int> children(plan.nodes.size(), 0), targets(plan.nodes.size(), 0);
  for (const SetNode& node : plan.nodes) {
    if (node.parent >= 0) ++children[node.parent];
  }
  for (int i = 1; i < k; ++i) ++targets[plan.levels[i].candidates];
  for (int i = 1; i < k; ++i) {
    const int index = plan.levels[i].candidates;
    SetNode& node = plan.nodes[index];
    if (node.parent < 0 || children[index] != 0 || targets[index] != 1) continue;
    int bound_depth = 0;
    for (int j : plan.levels[i].less_than) bound_depth = std::max(bound_depth, j);
    for (int j : plan.levels[i].greater_than) bound_depth = std::max(bound_depth, j);
    if (bound_depth <= node.depth) node.bounded_for = i;
    // A labelled last level is iterated (labels are checked per vertex).
    if (i == k - 1 && node.depth == k - 2 && plan.levels[i].label == kAnyLabel) {
      node.count_only = true;
    }
  }
  return plan;
}

Plan BuildOrientedCliquePlan(const Pattern& pattern, const CompileOptions& options) {
  const int k = pattern.num_vertices();
  Plan plan;
  plan.pattern = pattern;
  plan.induced = options.induced;
  plan.oriented = true;
  plan.automorphisms = 1;
  for (int f = 2; f <= k; ++f) plan.automorphisms *= f;
  plan.levels.resize(k);
  for (int i = 0; i < k; ++i) {
    plan.order.push_back(i);
    PlanLevel& level = plan.levels[i];
    level.pattern_vertex = i;
    if (i == 0) continue;
    level.parent_mask = (1u << i) - 1;
    SetNode node;
    node.intersect_mask = level.parent_mask;
    node.parent = i == 1 ? -1 : static_cast<int>(plan.nodes.size()) - 1;
    node.operand = i - 1;
    node.depth = i - 1;
    node.count_only = i == k - 1 && i >= 2;
    plan.nodes.push_back(node);
    level.candidates = static_cast<int>(plan.nodes.size()) - 1;
  }
  return plan;
}

std::string LevelVar(int level) { return "v" + std::to_string(level); }

}  // namespace

GraphStats GraphStats::Of(const graph::Graph& graph) {
  GraphStats stats;
  stats.vertices = std::max<double>(1, graph.num_vertices());
  double sum = 0, sum_squares = 0;
  for (graph::VertexId v = 0; v < graph.num_vertices(); ++v) {
    const double d = graph.degree(v);
    sum += d;
    sum_squares += d * d;
  }
  stats.average_degree = sum / stats.vertices;
  stats.neighbour_degree = sum > 0 ? sum_squares / sum : 0;
  return stats;
}

std::vector<std::vector<int>> ConnectedOrders(const Pattern& pattern, uint64_t limit) {
  std::vector<std::vector<int>> orders;
  std::vector<int> prefix;
  ExtendOrders(pattern, &prefix, 0, limit, &orders);
  return orders;
}

double EstimateCost(const Plan& plan, const GraphStats& stats) {
  // Random-graph model: a neighbour list reached through an edge holds
  // neighbour_degree vertices; each further intersection keeps a fraction
  // p = neighbour_degree / n, each subtraction keeps 1 - p; each
  // restriction halves a loop. A set operation reads its inputs.
  const double n = std::max(1.0, stats.vertices);
  const double degree = std::max(1e-9, stats.neighbour_degree) * (plan.oriented ? 0.5 : 1.0);
  const double p = std::min(1.0, stats.neighbour_degree / n);
  auto size_of = [&](const SetNode& node) {
    const int intersections = __builtin_popcount(node.intersect_mask);
    const int subtractions = __builtin_popcount(node.subtract_mask);
    return degree * std::pow(p, intersections - 1) * std::pow(1 - p, subtractions);
  };
  const int k = static_cast<int>(plan.levels.size());
  std::vector<double> iterations(k, 0);
  double cost = 0;
  for (int i = 0; i < k; ++i) {
    const PlanLevel& level = plan.levels[i];
    const double restrictions = 1.0 + level.less_than.size() + level.greater_than.size();
    const double loop = i == 0 ? n : size_of(plan.nodes[level.candidates]);
    iterations[i] = (i == 0 ? 1.0 : iterations[i - 1]) * loop / restrictions;
    if (i < k - 1) cost += iterations[i];
  }
  for (const SetNode& node : plan.nodes) {
    if (node.parent < 0) continue;
    cost += iterations[node.depth] * (size_of(plan.nodes[node.parent]) + degree);
  }
  if (k >= 2 && !plan.nodes[plan.levels[k - 1].candidates].count_only) {
    cost += iterations[k - 2] * std::log2(2 + degree);
  }
  return cost;
}

Result<Plan> Compile(const Pattern& pattern, const CompileOptions& options) {
  const int k = pattern.num_vertices();
  if (options.orient_cliques && options.symmetry_breaking && pattern.IsClique() &&
      !pattern.labelled() && k >= 2) {
    Plan plan = BuildOrientedCliquePlan(pattern, options);
    plan.orders_considered = 1;
    plan.estimated_cost = EstimateCost(plan, options.stats);
    return plan;
  }
  std::vector<std::vector<int>> orders;
  if (!options.order.empty()) {
    std::vector<int> sorted = options.order;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int> identity(k);
    std::iota(identity.begin(), identity.end(), 0);
    if (sorted != identity || !HasConnectedPrefixes(pattern, options.order)) {
      return InvalidArgumentError("matching order for pattern \"" + pattern.name() +
                                  "\" must be a permutation of 0.." + std::to_string(k - 1) +
                                  " with connected prefixes");
    }
    orders.push_back(options.order);
  } else {
    orders = ConnectedOrders(pattern, std::max<uint64_t>(1, options.max_orders));
  }
  const std::vector<std::vector<int>> automorphisms = pattern.Automorphisms();
  Plan best;
  double best_cost = std::numeric_limits<double>::infinity();
  for (const std::vector<int>& order : orders) {
    Plan plan = BuildPlan(pattern, order, automorphisms, options);
    plan.estimated_cost = EstimateCost(plan, options.stats);
    if (plan.estimated_cost < best_cost) {
      best_cost = plan.estimated_cost;
      best = std::move(plan);
    }
  }
  best.orders_considered = orders.size();
  return best;
}

std::string Plan::ToString() const {
  std::string out;
  char buffer[256];
  const int k = static_cast<int>(levels.size());
  std::snprintf(buffer, sizeof(buffer), "pattern %s: %d vertices, %d edges, |Aut| = %d, %s\n",
                pattern.name().c_str(), k, pattern.num_edges(), automorphisms,
                induced == Induced::kVertex ? "vertex-induced" : "edge-induced");
  out += buffer;
  out += "edges:";
  for (auto [a, b] : pattern.Edges()) out += " " + std::to_string(a) + "-" + std::to_string(b);
  out += "\nmatching order:";
  for (int i = 0; i < k; ++i) {
    out += " " + LevelVar(i) + "=u" + std::to_string(order[i]);
  }
  out += "\n";
  if (oriented) {
    out +=
        "schedule: clique on the degree-oriented DAG (N+ = out-neighbours, "
        "u->v iff (deg u, u) < (deg v, v)); each clique is met once, no restrictions\n";
  } else if (symmetry_breaking) {
    out += "symmetry breaking:";
    bool any = false;
    for (int i = 0; i < k; ++i) {
      for (int j : levels[i].less_than) {
        out += " " + LevelVar(i) + "<" + LevelVar(j);
        any = true;
      }
    }
    out += any ? "\n" : " none (|Aut| = 1)\n";
  } else {
    out += "symmetry breaking: off (count is |Aut| times the subgraph count)\n";
  }
  std::snprintf(buffer, sizeof(buffer),
                "estimated cost: %.4g (random-graph model; %llu matching orders scored)\n",
                estimated_cost, static_cast<unsigned long long>(orders_considered));
  out += buffer;
  const std::string neighbours = oriented ? "N+" : "N";
  auto set_name = [](int node) { return "S" + std::to_string(node); };
  auto node_expression = [&](const SetNode& node) {
    std::string text = neighbours + "(" + LevelVar(node.operand) + ")";
    if (node.parent < 0) return text;
    return set_name(node.parent) + (node.subtract ? " - " : " & ") + text;
  };
  auto conditions = [&](int i) {
    std::vector<std::string> parts;
    for (int j : levels[i].less_than) parts.push_back(LevelVar(i) + " < " + LevelVar(j));
    for (int j : levels[i].greater_than) parts.push_back(LevelVar(i) + " > " + LevelVar(j));
    for (int j : levels[i].exclude) parts.push_back(LevelVar(i) + " != " + LevelVar(j));
    if (levels[i].label != kAnyLabel) {
      parts.push_back("label(" + LevelVar(i) + ") == " + std::to_string(levels[i].label));
    }
    std::string text;
    for (size_t p = 0; p < parts.size(); ++p) text += (p ? ", " : "") + parts[p];
    return text;
  };
  out += "count = 0\n";
  for (int i = 0; i < k; ++i) {
    const std::string indent(2 * i, ' ');
    const std::string where = conditions(i);
    const bool last = i == k - 1;
    if (i == 0) {
      out += "for v0 in V" + (where.empty() ? "" : " where " + where) + ":\n";
    } else if (last && levels[i].label == kAnyLabel) {
      const SetNode& node = nodes[levels[i].candidates];
      const std::string source =
          node.count_only ? "(" + node_expression(node) + ")" : set_name(levels[i].candidates);
      out += indent + "count += |{" + LevelVar(i) + " in " + source +
             (where.empty() ? "" : " : " + where) + "}|" +
             (node.count_only ? "   # counted, never stored" : "") + "\n";
      break;
    } else {
      out += indent + "for " + LevelVar(i) + " in " + set_name(levels[i].candidates) +
             (where.empty() ? "" : " where " + where) + ":\n";
    }
    if (last) {
      out += indent + "  count += 1\n";
      break;
    }
    const std::string inner(2 * (i + 1), ' ');
    for (size_t n = 0; n < nodes.size(); ++n) {
      const SetNode& node = nodes[n];
      if (node.depth != i || node.count_only) continue;
      out += inner + set_name(static_cast<int>(n)) + " = " + node_expression(node);
      if (node.bounded_for >= 0)
        out += "   # clipped to " + LevelVar(node.bounded_for) + "'s bounds";
      out += "\n";
    }
  }
  return out;
}

}  // namespace syskit::mine
