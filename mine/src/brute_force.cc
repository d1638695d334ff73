// Brute-force reference counts: ESU enumeration of connected vertex sets
// (S. Wernicke, "Efficient detection of network motifs", TCBB 2006) plus
// canonical labelling by exhaustive permutation, and a backtracking count of
// injective pattern maps. Invariant: ESU reaches each connected k-set
// exactly once (extensions only add vertices larger than the root and in the
// exclusive neighbourhood of the newest vertex).
#include "syskit/mine/brute_force.h"

#include <algorithm>
#include <numeric>
#include <set>

namespace syskit::mine {
namespace {

using graph::VertexId;

bool SpanningConnected(int k, const std::vector<std::pair<int, int>>& edges) {
  std::vector<int> component(k);
  std::iota(component.begin(), component.end(), 0);
  auto find = [&](int x) {
    while (component[x] != x) x = component[x] = component[component[x]];
    return x;
  };
  int merges = 0;
  for (auto [a, b] : edges) {
    const int ra = find(a), rb = find(b);
    if (ra != rb) {
      component[ra] = rb;
      ++merges;
    }
  }
  return merges == k - 1;
}

class Esu {
 public:
  Esu(const graph::Graph& graph, int k, BruteForceCounts* counts)
      : graph_(graph), k_(k), counts_(counts) {}

  void Run() {
    for (VertexId v = 0; v < graph_.num_vertices(); ++v) {
      std::vector<VertexId> subgraph = {v};
      std::set<VertexId> extension;
      for (VertexId u : graph_.neighbors(v)) {
        if (u > v) extension.insert(u);
      }
      Extend(subgraph, extension, v);
    }
  }

 private:
  void Extend(std::vector<VertexId>& subgraph, std::set<VertexId> extension, VertexId root) {
    if (static_cast<int>(subgraph.size()) == k_) {
      Classify(subgraph);
      return;
    }
    while (!extension.empty()) {
      const VertexId w = *extension.begin();
      extension.erase(extension.begin());
      std::set<VertexId> next = extension;
      for (VertexId u : graph_.neighbors(w)) {
        if (u <= root) continue;
        bool exclusive = true;
        for (VertexId s : subgraph) {
          if (s == u || graph_.HasEdge(s, u)) exclusive = false;
        }
        if (exclusive) next.insert(u);
      }
      subgraph.push_back(w);
      Extend(subgraph, next, root);
      subgraph.pop_back();
    }
  }

  void Classify(const std::vector<VertexId>& subgraph) {
    std::vector<std::pair<int, int>> edges;
    for (int a = 0; a < k_; ++a) {
      for (int b = a + 1; b < k_; ++b) {
        if (graph_.HasEdge(subgraph[a], subgraph[b])) edges.emplace_back(a, b);
      }
    }
    ++counts_->vertex_induced[BruteForceCode(k_, edges)];
    const int m = static_cast<int>(edges.size());
    for (uint32_t mask = 1; mask < (1u << m); ++mask) {
      std::vector<std::pair<int, int>> chosen;
      for (int e = 0; e < m; ++e) {
        if ((mask >> e) & 1u) chosen.push_back(edges[e]);
      }
      if (SpanningConnected(k_, chosen)) ++counts_->edge_induced[BruteForceCode(k_, chosen)];
    }
  }

  const graph::Graph& graph_;
  const int k_;
  BruteForceCounts* counts_;
};

}  // namespace

uint64_t BruteForceCode(int k, const std::vector<std::pair<int, int>>& edges) {
  bool adjacent[8][8] = {};
  for (auto [a, b] : edges) adjacent[a][b] = adjacent[b][a] = true;
  std::vector<int> perm(k);
  std::iota(perm.begin(), perm.end(), 0);
  uint64_t best = ~uint64_t{0};
  do {
    uint64_t code = 0;
    for (int a = 0; a < k; ++a) {
      for (int b = a + 1; b < k; ++b) code = (code << 1) | adjacent[perm[a]][perm[b]];
    }
    best = std::min(best, code);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return (static_cast<uint64_t>(k) << 56) | best;
}

BruteForceCounts BruteForceSubgraphs(const graph::Graph& graph, int k) {
  BruteForceCounts counts;
  Esu(graph, k, &counts).Run();
  return counts;
}

uint64_t BruteForceMaps(const graph::Graph& graph, const std::vector<uint32_t>& labels,
                        const Pattern& pattern, Induced induced) {
  const int k = pattern.num_vertices();
  std::vector<VertexId> image(k);
  uint64_t maps = 0;
  auto fits = [&](int u, VertexId x) {
    if (pattern.label(u) != kAnyLabel && (labels.empty() || labels[x] != pattern.label(u))) {
      return false;
    }
    for (int w = 0; w < u; ++w) {
      if (image[w] == x) return false;
      const bool edge = graph.HasEdge(image[w], x);
      if (pattern.HasEdge(u, w) && !edge) return false;
      if (induced == Induced::kVertex && !pattern.HasEdge(u, w) && edge) return false;
    }
    return true;
  };
  auto extend = [&](auto&& self, int u) -> void {
    if (u == k) {
      ++maps;
      return;
    }
    for (VertexId x = 0; x < graph.num_vertices(); ++x) {
      if (!fits(u, x)) continue;
      image[u] = x;
      self(self, u + 1);
    }
  };
  extend(extend, 0);
  return maps / pattern.Automorphisms().size();
}

uint64_t BruteForceMni(const graph::Graph& graph, const std::vector<uint32_t>& labels,
                       const Pattern& pattern) {
  const int k = pattern.num_vertices();
  std::vector<VertexId> image(k);
  std::vector<std::set<VertexId>> domains(k);
  auto extend = [&](auto&& self, int u) -> void {
    if (u == k) {
      for (int w = 0; w < k; ++w) domains[w].insert(image[w]);
      return;
    }
    for (VertexId x = 0; x < graph.num_vertices(); ++x) {
      if (labels[x] != pattern.label(u)) continue;
      bool fits = true;
      for (int w = 0; w < u && fits; ++w) {
        fits = image[w] != x && (!pattern.HasEdge(u, w) || graph.HasEdge(image[w], x));
      }
      if (!fits) continue;
      image[u] = x;
      self(self, u + 1);
    }
  };
  extend(extend, 0);
  uint64_t support = ~uint64_t{0};
  for (const auto& domain : domains) support = std::min<uint64_t>(support, domain.size());
  return support;
}

std::string BruteForceLabelledCode(int k, const std::vector<std::pair<int, int>>& edges,
                                   const std::vector<uint32_t>& labels) {
  bool adjacent[8][8] = {};
  for (auto [a, b] : edges) adjacent[a][b] = adjacent[b][a] = true;
  std::vector<int> perm(k);
  std::iota(perm.begin(), perm.end(), 0);
  std::string best;
  do {
    std::string code;
    for (int a = 0; a < k; ++a) code += std::to_string(labels[perm[a]]) + ",";
    code += "|";
    for (int a = 0; a < k; ++a) {
      for (int b = a + 1; b < k; ++b) code += adjacent[perm[a]][perm[b]] ? '1' : '0';
    }
    if (best.empty() || code < best) best = code;
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

}  // namespace syskit::mine
