// Graph: an immutable graph in compressed sparse row (CSR) form with dense
// 32-bit vertex ids, sorted neighbour lists, optional per-edge weights and
// types, and the mapping back to the ids of the input file.
//
// Invariants (checked by Validate()):
//   offsets().size() == num_vertices() + 1, offsets() non-decreasing,
//   offsets().back() == num_arcs(); every neighbour list is sorted ascending
//   (ties in input order when duplicates are kept); weights/types, when
//   present, run parallel to targets; original ids are distinct. Graphs from
//   the builder have strictly increasing original ids (dense order = input
//   id order); transforms such as RelabelByDegree may permute them.
//
// An undirected graph stores each edge {u, v} twice (u->v and v->u) and a kept
// self-loop once. A directed graph stores out-arcs only.
//
// Storage is either owned vectors or a read-only view into a memory-mapped
// binary file (see binary_format.h); the accessors are the same either way.
// Move-only. Thread-safety: immutable, so any number of readers.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit::graph {

using VertexId = uint32_t;
using EdgeIndex = uint64_t;
using EdgeType = uint32_t;
using OriginalId = uint64_t;

// What happened to the input records while the graph was built. Kept in the
// binary format so `graph info` reports the same figures for either file.
struct BuildStats {
  uint64_t input_edges = 0;      // edge records read (lines, or generated pairs)
  uint64_t self_loops = 0;       // records with u == v
  uint64_t duplicate_edges = 0;  // records that repeat an edge seen before
                                 // (undirected: {u,v} and {v,u} are the same)
};

// The arrays a Graph is made of; filled by the builder and the binary loader.
struct GraphArrays {
  std::vector<EdgeIndex> offsets;        // num_vertices + 1
  std::vector<VertexId> targets;         // num_arcs
  std::vector<float> weights;            // num_arcs or empty
  std::vector<EdgeType> types;           // num_arcs or empty
  std::vector<OriginalId> original_ids;  // num_vertices
};

class Graph {
 public:
  Graph();
  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Takes ownership of `arrays`. Use Validate() on untrusted input.
  static Graph FromArrays(GraphArrays arrays, bool directed, BuildStats stats);

  // A graph viewing arrays owned by `keepalive` (e.g. a mapped file). The
  // arrays are untrusted: the structure is validated first (Corruption
  // naming the first violation), so accessors never read out of bounds.
  static Result<Graph> FromViews(std::span<const EdgeIndex> offsets,
                                 std::span<const VertexId> targets, std::span<const float> weights,
                                 std::span<const EdgeType> types,
                                 std::span<const OriginalId> original_ids, bool directed,
                                 BuildStats stats, std::shared_ptr<const void> keepalive);

  VertexId num_vertices() const { return static_cast<VertexId>(original_ids_.size()); }
  // Stored arcs: 2x the edges of an undirected simple graph (+ kept loops).
  EdgeIndex num_arcs() const { return targets_.size(); }
  // Edges as a person counts them: undirected edges {u,v} (a self-loop counts
  // once) or directed arcs.
  EdgeIndex num_edges() const;
  // Self-loop arcs stored in the graph (0 unless the kept policy was used).
  EdgeIndex num_self_loops() const { return stored_self_loops_; }
  bool directed() const { return directed_; }
  bool weighted() const { return !weights_.empty(); }
  bool typed() const { return !types_.empty(); }
  const BuildStats& build_stats() const { return stats_; }

  uint32_t degree(VertexId v) const { return static_cast<uint32_t>(offsets_[v + 1] - offsets_[v]); }
  uint32_t max_degree() const { return max_degree_; }
  std::span<const VertexId> neighbors(VertexId v) const {
    return targets_.subspan(offsets_[v], offsets_[v + 1] - offsets_[v]);
  }
  // Per-arc weights of v's neighbours; empty if the graph is unweighted.
  std::span<const float> weights(VertexId v) const {
    return weights_.empty() ? weights_ : weights_.subspan(offsets_[v], degree(v));
  }
  // Per-arc types of v's neighbours; empty if the graph is untyped.
  std::span<const EdgeType> types(VertexId v) const {
    return types_.empty() ? types_ : types_.subspan(offsets_[v], degree(v));
  }

  // True if the arc u->v exists (binary search, O(log degree(u))).
  bool HasEdge(VertexId u, VertexId v) const;

  // The id vertex v had in the input file.
  OriginalId original_id(VertexId v) const { return original_ids_[v]; }
  // The dense id of an input-file id, if the vertex exists. O(log V): a
  // binary search over original ids, or over an index built at construction
  // when they are not sorted.
  std::optional<VertexId> FindVertex(OriginalId original) const;

  std::span<const EdgeIndex> offsets() const { return offsets_; }
  std::span<const VertexId> targets() const { return targets_; }
  std::span<const float> all_weights() const { return weights_; }
  std::span<const EdgeType> all_types() const { return types_; }
  std::span<const OriginalId> original_ids() const { return original_ids_; }

  // Checks every invariant listed at the top; Corruption naming the first
  // violation. O(V + E).
  Status Validate() const;

 private:
  void ComputeDerived();

  std::span<const EdgeIndex> offsets_;
  std::span<const VertexId> targets_;
  std::span<const float> weights_;
  std::span<const EdgeType> types_;
  std::span<const OriginalId> original_ids_;
  bool directed_ = false;
  BuildStats stats_;
  uint32_t max_degree_ = 0;
  EdgeIndex stored_self_loops_ = 0;
  // (original id, dense id) sorted by original id; only when original_ids_
  // is not sorted.
  std::vector<std::pair<OriginalId, VertexId>> original_index_;
  // Owns the memory behind the spans: a GraphArrays or a mapped file.
  std::shared_ptr<const void> storage_;
};

}  // namespace syskit::graph
