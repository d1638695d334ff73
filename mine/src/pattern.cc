// Patterns, their automorphism groups and canonical codes, by brute force
// over all k! relabellings (k <= 8, so at most 40320 permutations).
//
// Invariant: a Pattern is connected, loop-free and has 1..8 vertices; its
// adjacency is a symmetric bit matrix. Motif names are stable: the tables
// below are the single source and mine/README.md documents them.
#include "syskit/mine/pattern.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <numeric>
#include <sstream>

#include "syskit/core/env.h"

namespace syskit::mine {
namespace {

struct NamedEdges {
  const char* name;
  int vertices;
  std::vector<std::pair<int, int>> edges;
};

const std::vector<NamedEdges>& MotifTable(int k) {
  static const std::vector<NamedEdges> k3 = {
      {"wedge", 3, {{0, 1}, {1, 2}}},
      {"triangle", 3, {{0, 1}, {1, 2}, {0, 2}}},
  };
  static const std::vector<NamedEdges> k4 = {
      {"3-star", 4, {{0, 1}, {0, 2}, {0, 3}}},
      {"4-path", 4, {{0, 1}, {1, 2}, {2, 3}}},
      {"4-cycle", 4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}},
      {"tailed-triangle", 4, {{0, 1}, {1, 2}, {0, 2}, {2, 3}}},
      {"diamond", 4, {{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}}},
      {"4-clique", 4, {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}},
  };
  static const std::vector<NamedEdges> k5 = {
      {"4-star", 5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}}},
      {"5-path", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}}},
      {"fork", 5, {{0, 1}, {0, 2}, {0, 3}, {3, 4}}},
      {"5-cycle", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 0}}},
      {"bull", 5, {{0, 1}, {1, 2}, {0, 2}, {1, 3}, {2, 4}}},
      {"cricket", 5, {{0, 1}, {1, 2}, {0, 2}, {0, 3}, {0, 4}}},
      {"banner", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 4}}},
      {"long-tailed-triangle", 5, {{0, 1}, {1, 2}, {0, 2}, {2, 3}, {3, 4}}},
      {"house", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {0, 4}, {1, 4}}},
      {"bipartite-2-3", 5, {{0, 2}, {0, 3}, {0, 4}, {1, 2}, {1, 3}, {1, 4}}},
      {"bowtie", 5, {{0, 1}, {0, 2}, {1, 2}, {0, 3}, {0, 4}, {3, 4}}},
      {"kite", 5, {{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}, {3, 4}}},
      {"dart", 5, {{0, 1}, {0, 2}, {1, 2}, {1, 3}, {2, 3}, {1, 4}}},
      {"tailed-4-clique", 5, {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}, {3, 4}}},
      {"gem", 5, {{0, 1}, {1, 2}, {2, 3}, {4, 0}, {4, 1}, {4, 2}, {4, 3}}},
      {"3-book", 5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 2}, {1, 3}, {1, 4}}},
      {"w4-minus-spoke", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 0}, {4, 1}, {4, 2}}},
      {"wheel-4", 5, {{0, 1}, {1, 2}, {2, 3}, {3, 0}, {4, 0}, {4, 1}, {4, 2}, {4, 3}}},
      {"k5-minus-wedge", 5, {{0, 2}, {0, 3}, {0, 4}, {1, 3}, {1, 4}, {2, 3}, {2, 4}, {3, 4}}},
      {"k5-minus-edge",
       5,
       {{0, 2}, {0, 3}, {0, 4}, {1, 2}, {1, 3}, {1, 4}, {2, 3}, {2, 4}, {3, 4}}},
      {"5-clique",
       5,
       {{0, 1}, {0, 2}, {0, 3}, {0, 4}, {1, 2}, {1, 3}, {1, 4}, {2, 3}, {2, 4}, {3, 4}}},
  };
  static const std::vector<NamedEdges> none;
  if (k == 3) return k3;
  if (k == 4) return k4;
  if (k == 5) return k5;
  return none;
}

bool Connected(int n, const uint32_t* adjacency) {
  uint32_t seen = 1, frontier = 1;
  while (frontier != 0) {
    uint32_t next = 0;
    for (int v = 0; v < n; ++v) {
      if ((frontier >> v) & 1u) next |= adjacency[v];
    }
    frontier = next & ~seen;
    seen |= next;
  }
  return seen == (n == 32 ? ~0u : (1u << n) - 1);
}

bool ParseInt(std::string_view text, long* value) {
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

std::string BaseName(const std::string& path) {
  std::string base = path.substr(path.find_last_of('/') + 1);
  const size_t dot = base.find('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base;
}

std::string TooLarge(const std::string& name, long vertices) {
  return "pattern \"" + name + "\" has " + std::to_string(vertices) + " vertices, at most " +
         std::to_string(kMaxPatternVertices) + " are supported";
}

}  // namespace

Result<Pattern> Pattern::Create(std::string name, int num_vertices,
                                const std::vector<std::pair<int, int>>& edges,
                                std::vector<uint32_t> labels) {
  if (num_vertices > kMaxPatternVertices) {
    return InvalidArgumentError(TooLarge(name, num_vertices));
  }
  if (num_vertices < 1) {
    return InvalidArgumentError("pattern \"" + name + "\" has no vertices");
  }
  if (!labels.empty() && static_cast<int>(labels.size()) != num_vertices) {
    return InvalidArgumentError("pattern \"" + name + "\" has " + std::to_string(labels.size()) +
                                " labels for " + std::to_string(num_vertices) + " vertices");
  }
  Pattern pattern;
  pattern.name_ = std::move(name);
  pattern.num_vertices_ = num_vertices;
  for (auto [a, b] : edges) {
    if (a < 0 || b < 0 || a >= num_vertices || b >= num_vertices) {
      return InvalidArgumentError("pattern \"" + pattern.name_ + "\": edge " + std::to_string(a) +
                                  " " + std::to_string(b) + " is outside vertices 0.." +
                                  std::to_string(num_vertices - 1));
    }
    if (a == b) {
      return InvalidArgumentError("pattern \"" + pattern.name_ + "\": self-loop on vertex " +
                                  std::to_string(a));
    }
    pattern.adjacency_[a] |= 1u << b;
    pattern.adjacency_[b] |= 1u << a;
  }
  if (!Connected(num_vertices, pattern.adjacency_)) {
    return InvalidArgumentError("pattern \"" + pattern.name_ + "\" is disconnected");
  }
  if (std::all_of(labels.begin(), labels.end(), [](uint32_t l) { return l == kAnyLabel; })) {
    labels.clear();
  }
  pattern.labels_ = std::move(labels);
  return pattern;
}

int Pattern::num_edges() const {
  int twice = 0;
  for (int v = 0; v < num_vertices_; ++v) twice += degree(v);
  return twice / 2;
}

std::vector<std::pair<int, int>> Pattern::Edges() const {
  std::vector<std::pair<int, int>> edges;
  for (int a = 0; a < num_vertices_; ++a) {
    for (int b = a + 1; b < num_vertices_; ++b) {
      if (HasEdge(a, b)) edges.emplace_back(a, b);
    }
  }
  return edges;
}

std::vector<std::vector<int>> Pattern::Automorphisms() const {
  std::vector<int> perm(num_vertices_);
  std::iota(perm.begin(), perm.end(), 0);
  std::vector<std::vector<int>> result;
  do {
    bool ok = true;
    for (int a = 0; a < num_vertices_ && ok; ++a) {
      if (label(a) != label(perm[a]) || degree(a) != degree(perm[a])) ok = false;
      for (int b = a + 1; b < num_vertices_ && ok; ++b) {
        if (HasEdge(a, b) != HasEdge(perm[a], perm[b])) ok = false;
      }
    }
    if (ok) result.push_back(perm);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return result;
}

uint64_t Pattern::CanonicalCode() const {
  std::vector<int> perm(num_vertices_);
  std::iota(perm.begin(), perm.end(), 0);
  uint64_t best = ~uint64_t{0};
  do {
    uint64_t code = 0;
    for (int a = 0; a < num_vertices_; ++a) {
      for (int b = a + 1; b < num_vertices_; ++b) {
        code = (code << 1) | (HasEdge(perm[a], perm[b]) ? 1 : 0);
      }
    }
    best = std::min(best, code);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return (static_cast<uint64_t>(num_vertices_) << 56) | best;
}

Pattern Pattern::Renamed(std::string name) const {
  Pattern copy = *this;
  copy.name_ = std::move(name);
  return copy;
}

Result<std::vector<Pattern>> Motifs(int k) {
  const std::vector<NamedEdges>& table = MotifTable(k);
  if (table.empty()) {
    return InvalidArgumentError("k-motifs is supported for k = 3, 4, 5, got " + std::to_string(k));
  }
  std::vector<Pattern> patterns;
  for (const NamedEdges& entry : table) {
    SYSKIT_ASSIGN_OR_RETURN(Pattern pattern,
                            Pattern::Create(entry.name, entry.vertices, entry.edges));
    patterns.push_back(std::move(pattern));
  }
  return patterns;
}

Result<Pattern> NamedPattern(std::string_view name) {
  const std::string text(name);
  for (int k = 3; k <= 5; ++k) {
    for (const NamedEdges& entry : MotifTable(k)) {
      if (text == entry.name) return Pattern::Create(text, entry.vertices, entry.edges);
    }
  }
  std::vector<std::pair<int, int>> edges;
  const size_t dash = text.find('-');
  long k = 0;
  if (dash != std::string::npos && ParseInt(std::string_view(text).substr(0, dash), &k)) {
    const std::string family = text.substr(dash + 1);
    long vertices = family == "star" ? k + 1 : k;
    const bool known =
        family == "clique" || family == "cycle" || family == "star" || family == "path";
    if (known && vertices > kMaxPatternVertices) {
      return InvalidArgumentError(TooLarge(text, vertices));
    }
    const long minimum = family == "cycle" ? 3 : family == "star" ? 1 : 2;
    if (known && k < minimum) {
      return InvalidArgumentError("pattern \"" + text + "\": k must be at least " +
                                  std::to_string(minimum));
    }
    if (family == "clique") {
      for (int a = 0; a < k; ++a) {
        for (int b = a + 1; b < k; ++b) edges.emplace_back(a, b);
      }
    } else if (family == "cycle") {
      for (int a = 0; a < k; ++a) edges.emplace_back(a, (a + 1) % k);
    } else if (family == "star") {
      for (int a = 1; a <= k; ++a) edges.emplace_back(0, a);
    } else if (family == "path") {
      for (int a = 0; a + 1 < k; ++a) edges.emplace_back(a, a + 1);
    }
    if (known) return Pattern::Create(text, static_cast<int>(vertices), edges);
  }
  return InvalidArgumentError(
      "unknown pattern \"" + text +
      "\"; expected a name such as triangle, wedge, diamond, tailed-triangle, house, "
      "K-clique, K-cycle, K-star, K-path, K-motifs (K = 3, 4, 5), a 5-vertex motif name, "
      "or a pattern file path");
}

Result<Pattern> ParsePatternText(std::string_view text, const std::string& file_name) {
  std::vector<std::pair<int, int>> edges;
  std::vector<std::pair<long, long>> label_lines;
  long max_vertex = -1;
  int line_number = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string line(text.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (const size_t hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream fields(line);
    std::vector<std::string> tokens;
    for (std::string token; fields >> token;) tokens.push_back(token);
    if (tokens.empty()) continue;
    const std::string where = file_name + ":" + std::to_string(line_number) + ": ";
    long a = 0, b = 0;
    if (tokens.size() == 3 && tokens[0] == "label" && ParseInt(tokens[1], &a) &&
        ParseInt(tokens[2], &b) && a >= 0 && b >= 0 && b < static_cast<long>(kAnyLabel)) {
      label_lines.emplace_back(a, b);
      max_vertex = std::max(max_vertex, a);
      continue;
    }
    if (tokens.size() != 2 || !ParseInt(tokens[0], &a) || !ParseInt(tokens[1], &b) || a < 0 ||
        b < 0) {
      return InvalidArgumentError(
          where + "expected \"a b\" or \"label v L\" with ids >= 0, got \"" + line + "\"");
    }
    if (a == b) {
      return InvalidArgumentError(where + "self-loop on pattern vertex " + std::to_string(a));
    }
    max_vertex = std::max({max_vertex, a, b});
    if (max_vertex >= kMaxPatternVertices) {
      return InvalidArgumentError(TooLarge(BaseName(file_name), max_vertex + 1));
    }
    edges.emplace_back(static_cast<int>(a), static_cast<int>(b));
  }
  if (edges.empty()) return InvalidArgumentError(file_name + ": pattern has no edges");
  if (max_vertex >= kMaxPatternVertices) {
    return InvalidArgumentError(TooLarge(BaseName(file_name), max_vertex + 1));
  }
  std::vector<uint32_t> labels;
  if (!label_lines.empty()) {
    labels.assign(max_vertex + 1, kAnyLabel);
    for (auto [v, l] : label_lines) labels[v] = static_cast<uint32_t>(l);
  }
  return Pattern::Create(BaseName(file_name), static_cast<int>(max_vertex + 1), edges,
                         std::move(labels));
}

Result<std::vector<Pattern>> ResolvePatterns(std::string_view spec) {
  std::vector<Pattern> patterns;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    const std::string item(spec.substr(start, end - start));
    start = end + 1;
    if (item.empty())
      return InvalidArgumentError("empty pattern name in \"" + std::string(spec) + "\"");
    long k = 0;
    const size_t dash = item.find('-');
    if (dash != std::string::npos && item.substr(dash + 1) == "motifs" &&
        ParseInt(std::string_view(item).substr(0, dash), &k)) {
      SYSKIT_ASSIGN_OR_RETURN(std::vector<Pattern> motifs, Motifs(static_cast<int>(k)));
      for (Pattern& motif : motifs) patterns.push_back(std::move(motif));
      continue;
    }
    if (item.find('/') != std::string::npos || item.find('.') != std::string::npos) {
      Result<std::string> text = ReadFileToString(Env::Default(), item);
      if (!text.ok()) {
        return InvalidArgumentError("cannot read pattern file \"" + item +
                                    "\": " + text.status().message());
      }
      SYSKIT_ASSIGN_OR_RETURN(Pattern pattern, ParsePatternText(*text, item));
      patterns.push_back(std::move(pattern));
      continue;
    }
    SYSKIT_ASSIGN_OR_RETURN(Pattern pattern, NamedPattern(item));
    patterns.push_back(std::move(pattern));
  }
  return patterns;
}

}  // namespace syskit::mine
