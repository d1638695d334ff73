// Frequent subgraph mining with MNI support (Bringmann & Nijssen 2008) on
// top of the AutoMine compiler: pattern growth by one edge (a new labelled
// vertex on an existing one, or an edge closing two existing vertices),
// deduplication by a labelled canonical form, Apriori pruning (every
// connected sub-pattern with one edge fewer must be frequent), and the
// support of each candidate from the domains its compiled plan reaches.
//
// Invariant: a candidate of e + 1 edges is counted only if all its connected
// e-edge sub-patterns are frequent; since MNI support is anti-monotone no
// frequent pattern is lost.
#include "syskit/mine/fsm.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include "syskit/core/parallel.h"

namespace syskit::mine {
namespace {

using graph::VertexId;

// (labels in vertex order, upper-triangle adjacency bits): the key that
// CanonicalLabelled minimises.
using LabelledKey = std::pair<std::vector<uint32_t>, uint64_t>;

LabelledKey KeyOf(const Pattern& pattern, const std::vector<int>& perm) {
  // perm[new] = old vertex.
  const int k = pattern.num_vertices();
  LabelledKey key;
  for (int a = 0; a < k; ++a) key.first.push_back(pattern.label(perm[a]));
  for (int a = 0; a < k; ++a) {
    for (int b = a + 1; b < k; ++b)
      key.second = (key.second << 1) | pattern.HasEdge(perm[a], perm[b]);
  }
  return key;
}

Result<Pattern> Build(int k, const std::vector<std::pair<int, int>>& edges,
                      const std::vector<uint32_t>& labels) {
  SYSKIT_ASSIGN_OR_RETURN(Pattern pattern, Pattern::Create("fsm", k, edges, labels));
  return CanonicalLabelled(pattern);
}

// Removes edge (a, b) and a vertex left isolated by it; empty when the rest
// is disconnected.
std::optional<Pattern> WithoutEdge(const Pattern& pattern, int a, int b) {
  const int k = pattern.num_vertices();
  std::vector<std::pair<int, int>> edges;
  for (auto [x, y] : pattern.Edges()) {
    if (!((x == a && y == b) || (x == b && y == a))) edges.emplace_back(x, y);
  }
  std::vector<int> degree(k, 0);
  for (auto [x, y] : edges) ++degree[x], ++degree[y];
  std::vector<int> renumber(k, -1);
  std::vector<uint32_t> labels;
  int kept = 0;
  for (int v = 0; v < k; ++v) {
    if (degree[v] == 0) continue;
    renumber[v] = kept++;
    labels.push_back(pattern.label(v));
  }
  if (kept < k - 1) return std::nullopt;  // two isolated vertices: no edges left
  for (auto& [x, y] : edges) x = renumber[x], y = renumber[y];
  Result<Pattern> rest = Build(kept, edges, labels);
  if (!rest.ok()) return std::nullopt;  // disconnected
  return *rest;
}

}  // namespace

Pattern CanonicalLabelled(const Pattern& pattern) {
  const int k = pattern.num_vertices();
  std::vector<int> perm(k), best;
  std::iota(perm.begin(), perm.end(), 0);
  LabelledKey best_key;
  do {
    LabelledKey key = KeyOf(pattern, perm);
    if (best.empty() || key < best_key) {
      best_key = std::move(key);
      best = perm;
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  std::vector<int> position(k);
  for (int a = 0; a < k; ++a) position[best[a]] = a;
  std::vector<std::pair<int, int>> edges;
  for (auto [x, y] : pattern.Edges()) {
    edges.emplace_back(std::min(position[x], position[y]), std::max(position[x], position[y]));
  }
  std::sort(edges.begin(), edges.end());
  std::vector<uint32_t> labels = best_key.first;
  Result<Pattern> canonical = Pattern::Create("", k, edges, labels);
  SYSKIT_CHECK(canonical.ok()) << canonical.status();
  return canonical->Renamed(DescribeLabelled(*canonical));
}

std::string DescribeLabelled(const Pattern& pattern) {
  auto vertex = [&](int v) {
    const uint32_t label = pattern.label(v);
    return std::to_string(v) + "(" + (label == kAnyLabel ? "*" : std::to_string(label)) + ")";
  };
  std::string text;
  for (auto [a, b] : pattern.Edges()) {
    text += (text.empty() ? "" : " ") + vertex(a) + "-" + vertex(b);
  }
  return text;
}

Result<uint64_t> MniSupport(const MiningGraph& graph, const Pattern& pattern,
                            const MineOptions& options) {
  if (!graph.labelled()) {
    return InvalidArgumentError(
        "frequent subgraph mining needs vertex labels (pass --labels=FILE)");
  }
  const int k = pattern.num_vertices();
  for (int u = 0; u < k; ++u) {
    if (pattern.label(u) == kAnyLabel) {
      return InvalidArgumentError("pattern \"" + pattern.name() + "\": vertex " +
                                  std::to_string(u) + " has no label (MNI support needs all)");
    }
  }
  // Orbits under the label-preserving automorphisms.
  std::vector<int> orbit(k);
  std::iota(orbit.begin(), orbit.end(), 0);
  for (const std::vector<int>& perm : pattern.Automorphisms()) {
    for (int u = 0; u < k; ++u) orbit[u] = std::min(orbit[u], perm[u]);
  }
  for (int round = 0; round < k; ++round) {  // close the min-links
    for (int u = 0; u < k; ++u) orbit[u] = orbit[orbit[u]];
  }
  CompileOptions compile;
  compile.induced = Induced::kEdge;
  compile.stats = graph.stats();
  SYSKIT_ASSIGN_OR_RETURN(Plan plan, Compile(pattern, compile));
  const int threads = options.threads > 0 ? options.threads : DefaultThreadCount();
  MineOptions run = options;
  run.threads = threads;
  const uint64_t n = graph.graph().num_vertices();
  const uint64_t words = (n + 63) / 64;
  // domains[thread][orbit representative] as bitsets over data vertices.
  std::vector<std::vector<std::vector<uint64_t>>> domains(threads,
                                                          std::vector<std::vector<uint64_t>>(k));
  SYSKIT_RETURN_IF_ERROR(
      ListPlan(graph, plan, run, [&](int thread, std::span<const VertexId> match) {
        auto& mine = domains[thread];
        for (int u = 0; u < k; ++u) {
          std::vector<uint64_t>& bits = mine[orbit[u]];
          if (bits.empty()) bits.assign(words, 0);
          bits[match[u] >> 6] |= uint64_t{1} << (match[u] & 63);
        }
      }).status());
  uint64_t support = ~uint64_t{0};
  for (int u = 0; u < k; ++u) {
    if (orbit[u] != u) continue;
    std::vector<uint64_t> merged(words, 0);
    for (int t = 0; t < threads; ++t) {
      const std::vector<uint64_t>& bits = domains[t][u];
      for (size_t w = 0; w < bits.size(); ++w) merged[w] |= bits[w];
    }
    uint64_t size = 0;
    for (uint64_t word : merged) size += __builtin_popcountll(word);
    support = std::min(support, size);
  }
  return support;
}

Result<std::vector<FrequentPattern>> MineFrequentSubgraphs(const MiningGraph& graph,
                                                           const FsmOptions& options) {
  if (!graph.labelled()) {
    return InvalidArgumentError(
        "frequent subgraph mining needs vertex labels (pass --labels=FILE)");
  }
  if (options.support < 1) return InvalidArgumentError("--support must be at least 1, got 0");
  if (options.max_edges < 1 || options.max_edges > kMaxFsmEdges) {
    return InvalidArgumentError("--max_edges must be in 1.." + std::to_string(kMaxFsmEdges) +
                                ", got " + std::to_string(options.max_edges));
  }
  if (options.mine.ranks != 1) {
    return InvalidArgumentError("frequent subgraph mining runs in one process");
  }
  const graph::Graph& g = graph.graph();
  // Frequent labels (a label's vertex count bounds every domain of it) and
  // the label pairs that occur on edges.
  std::map<uint32_t, uint64_t> label_count;
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    if (graph.label(v) != kAnyLabel) ++label_count[graph.label(v)];
  }
  std::set<std::pair<uint32_t, uint32_t>> edge_labels;
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    const uint32_t lv = graph.label(v);
    if (lv == kAnyLabel || label_count[lv] < options.support) continue;
    for (VertexId w : g.neighbors(v)) {
      const uint32_t lw = graph.label(w);
      if (w < v || lw == kAnyLabel || label_count[lw] < options.support) continue;
      edge_labels.emplace(std::min(lv, lw), std::max(lv, lw));
    }
  }

  std::vector<FrequentPattern> result;
  std::set<std::string> frequent_names;                // canonical names of frequent patterns
  std::map<uint32_t, std::vector<uint32_t>> partners;  // label -> labels of frequent edges
  std::vector<Pattern> level;
  for (auto [a, b] : edge_labels) {
    SYSKIT_ASSIGN_OR_RETURN(Pattern edge, Build(2, {{0, 1}}, {a, b}));
    level.push_back(std::move(edge));
  }
  for (int edges = 1; edges <= options.max_edges && !level.empty(); ++edges) {
    std::vector<Pattern> frequent;
    for (const Pattern& pattern : level) {
      SYSKIT_ASSIGN_OR_RETURN(uint64_t support, MniSupport(graph, pattern, options.mine));
      if (support < options.support) continue;
      frequent_names.insert(pattern.name());
      result.push_back({pattern, support});
      frequent.push_back(pattern);
      if (edges == 1) {
        partners[pattern.label(0)].push_back(pattern.label(1));
        if (pattern.label(0) != pattern.label(1)) {
          partners[pattern.label(1)].push_back(pattern.label(0));
        }
      }
    }
    if (edges == options.max_edges) break;
    // Grow by one edge; keep candidates whose every connected sub-pattern
    // with one edge fewer is frequent.
    std::map<std::string, Pattern> candidates;
    for (const Pattern& pattern : frequent) {
      const int k = pattern.num_vertices();
      std::vector<std::pair<int, int>> base = pattern.Edges();
      std::vector<uint32_t> labels;
      for (int u = 0; u < k; ++u) labels.push_back(pattern.label(u));
      std::vector<Pattern> grown;
      for (int u = 0; u < k && k < kMaxPatternVertices; ++u) {
        for (uint32_t label : partners[pattern.label(u)]) {
          std::vector<std::pair<int, int>> more = base;
          more.emplace_back(u, k);
          std::vector<uint32_t> more_labels = labels;
          more_labels.push_back(label);
          SYSKIT_ASSIGN_OR_RETURN(Pattern candidate, Build(k + 1, more, more_labels));
          grown.push_back(std::move(candidate));
        }
      }
      for (int u = 0; u < k; ++u) {
        for (int w = u + 1; w < k; ++w) {
          if (pattern.HasEdge(u, w)) continue;
          std::vector<std::pair<int, int>> more = base;
          more.emplace_back(u, w);
          SYSKIT_ASSIGN_OR_RETURN(Pattern candidate, Build(k, more, labels));
          grown.push_back(std::move(candidate));
        }
      }
      for (Pattern& candidate : grown) {
        if (candidates.count(candidate.name())) continue;
        bool all_frequent = true;
        for (auto [a, b] : candidate.Edges()) {
          std::optional<Pattern> rest = WithoutEdge(candidate, a, b);
          if (rest && !frequent_names.count(rest->name())) all_frequent = false;
        }
        if (all_frequent) candidates.emplace(candidate.name(), std::move(candidate));
      }
    }
    level.clear();
    for (auto& [name, candidate] : candidates) level.push_back(std::move(candidate));
  }
  return result;
}

}  // namespace syskit::mine
