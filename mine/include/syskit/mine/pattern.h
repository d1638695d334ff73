// Pattern: a small connected query graph (at most kMaxPatternVertices
// vertices) with optional vertex labels, and the ways to name one: built-in
// names (`triangle`, `4-clique`, `5-cycle`, `3-star`, `4-path`, `diamond`,
// `tailed-triangle`, `house`, `wedge`, every motif name), `k-motifs` for
// k = 3, 4, 5, and pattern files.
//
// Pattern file format (one statement per line, `#` starts a comment):
//   a b          an edge between pattern vertices a and b (0-based)
//   label v L    vertex v must match a data vertex with label L
// The vertices are 0..k-1 where k - 1 is the largest id mentioned.
//
// Thread-safety: Pattern is an immutable value type after construction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "syskit/core/result.h"

namespace syskit::mine {

inline constexpr int kMaxPatternVertices = 8;
// A label value meaning "any label".
inline constexpr uint32_t kAnyLabel = 0xffffffffu;

class Pattern {
 public:
  Pattern() = default;

  // Validates and builds a pattern. InvalidArgument when a vertex id is
  // outside 0..num_vertices-1, an edge is a self-loop, num_vertices is not in
  // 1..kMaxPatternVertices, or the pattern is disconnected. `labels` is empty
  // (unlabelled) or has num_vertices entries (kAnyLabel = unconstrained).
  // Duplicate edges are merged.
  static Result<Pattern> Create(std::string name, int num_vertices,
                                const std::vector<std::pair<int, int>>& edges,
                                std::vector<uint32_t> labels = {});

  const std::string& name() const { return name_; }
  int num_vertices() const { return num_vertices_; }
  int num_edges() const;
  bool HasEdge(int a, int b) const { return (adjacency_[a] >> b) & 1u; }
  // Bit b of adjacency(a) is set iff {a, b} is an edge.
  uint32_t adjacency(int a) const { return adjacency_[a]; }
  int degree(int a) const { return __builtin_popcount(adjacency_[a]); }
  bool labelled() const { return !labels_.empty(); }
  // kAnyLabel when unlabelled.
  uint32_t label(int a) const { return labels_.empty() ? kAnyLabel : labels_[a]; }
  bool IsClique() const { return num_edges() == num_vertices_ * (num_vertices_ - 1) / 2; }
  std::vector<std::pair<int, int>> Edges() const;

  // All automorphisms (label-preserving), each as perm[v] = image of v. The
  // identity is first. Brute force over k! permutations (k <= 8).
  std::vector<std::vector<int>> Automorphisms() const;

  // A code equal for two unlabelled patterns iff they are isomorphic: the
  // smallest upper-triangle adjacency bit string over all relabellings.
  uint64_t CanonicalCode() const;

  // The same pattern under another name.
  Pattern Renamed(std::string name) const;

 private:
  std::string name_;
  int num_vertices_ = 0;
  uint32_t adjacency_[kMaxPatternVertices] = {};
  std::vector<uint32_t> labels_;
};

// All connected k-vertex patterns (k = 3, 4, 5) under their stable names, in
// the documented order (see mine/README.md): by edge count, then as listed.
// InvalidArgument for other k.
Result<std::vector<Pattern>> Motifs(int k);

// Resolves a --pattern argument to one or more patterns: a comma-separated
// list of built-in names, `k-motifs`, or paths to pattern files. Errors
// (all InvalidArgument): unknown names, malformed files (naming file and
// line), self-loops, disconnected or oversized patterns. A missing file whose
// name is not a built-in name is reported as an unknown pattern.
Result<std::vector<Pattern>> ResolvePatterns(std::string_view spec);

// Parses pattern-file text; `file_name` is used in messages and for the
// pattern's name (its base name without extension).
Result<Pattern> ParsePatternText(std::string_view text, const std::string& file_name);

// The built-in pattern called `name`, e.g. "5-cycle"; InvalidArgument when
// there is none.
Result<Pattern> NamedPattern(std::string_view name);

}  // namespace syskit::mine
