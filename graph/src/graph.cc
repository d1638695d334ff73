// Graph: CSR storage over owned vectors or a mapped file, plus the derived
// facts (max degree, stored self-loops, original-id index) computed once at
// construction so accessors stay O(1).
#include "syskit/graph/graph.h"

#include <algorithm>
#include <limits>
#include <string>

namespace syskit::graph {

Graph::Graph() = default;
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;
Graph::~Graph() = default;

Graph Graph::FromArrays(GraphArrays arrays, bool directed, BuildStats stats) {
  auto owned = std::make_shared<GraphArrays>(std::move(arrays));
  Graph graph;
  graph.offsets_ = owned->offsets;
  graph.targets_ = owned->targets;
  graph.weights_ = owned->weights;
  graph.types_ = owned->types;
  graph.original_ids_ = owned->original_ids;
  graph.directed_ = directed;
  graph.stats_ = stats;
  graph.storage_ = std::move(owned);
  graph.ComputeDerived();
  return graph;
}

Result<Graph> Graph::FromViews(std::span<const EdgeIndex> offsets,
                               std::span<const VertexId> targets, std::span<const float> weights,
                               std::span<const EdgeType> types,
                               std::span<const OriginalId> original_ids, bool directed,
                               BuildStats stats, std::shared_ptr<const void> keepalive) {
  Graph graph;
  graph.offsets_ = offsets;
  graph.targets_ = targets;
  graph.weights_ = weights;
  graph.types_ = types;
  graph.original_ids_ = original_ids;
  graph.directed_ = directed;
  graph.stats_ = stats;
  graph.storage_ = std::move(keepalive);
  SYSKIT_RETURN_IF_ERROR(graph.Validate());
  graph.ComputeDerived();
  return graph;
}

void Graph::ComputeDerived() {
  max_degree_ = 0;
  stored_self_loops_ = 0;
  for (VertexId v = 0; v < num_vertices(); ++v) {
    max_degree_ = std::max(max_degree_, degree(v));
    // Lists are sorted, so a self-loop is found by binary search.
    auto list = neighbors(v);
    auto [lo, hi] = std::equal_range(list.begin(), list.end(), v);
    stored_self_loops_ += static_cast<EdgeIndex>(hi - lo);
  }
  original_index_.clear();
  if (!std::is_sorted(original_ids_.begin(), original_ids_.end())) {
    original_index_.reserve(original_ids_.size());
    for (VertexId v = 0; v < num_vertices(); ++v) original_index_.emplace_back(original_ids_[v], v);
    std::sort(original_index_.begin(), original_index_.end());
  }
}

EdgeIndex Graph::num_edges() const {
  if (directed_) return num_arcs();
  return (num_arcs() - stored_self_loops_) / 2 + stored_self_loops_;
}

bool Graph::HasEdge(VertexId u, VertexId v) const {
  auto list = neighbors(u);
  return std::binary_search(list.begin(), list.end(), v);
}

std::optional<VertexId> Graph::FindVertex(OriginalId original) const {
  if (original_index_.empty()) {
    auto it = std::lower_bound(original_ids_.begin(), original_ids_.end(), original);
    if (it == original_ids_.end() || *it != original) return std::nullopt;
    return static_cast<VertexId>(it - original_ids_.begin());
  }
  auto it = std::lower_bound(original_index_.begin(), original_index_.end(),
                             std::pair<OriginalId, VertexId>(original, 0));
  if (it == original_index_.end() || it->first != original) return std::nullopt;
  return it->second;
}

Status Graph::Validate() const {
  const uint64_t n = original_ids_.size();
  if (offsets_.size() != n + 1) {
    return CorruptionError("graph: expected " + std::to_string(n + 1) + " offsets, got " +
                           std::to_string(offsets_.size()));
  }
  if (offsets_.front() != 0) return CorruptionError("graph: first offset is not 0");
  if (offsets_.back() != targets_.size()) {
    return CorruptionError("graph: last offset " + std::to_string(offsets_.back()) +
                           " does not match " + std::to_string(targets_.size()) + " arcs");
  }
  if (!weights_.empty() && weights_.size() != targets_.size()) {
    return CorruptionError("graph: " + std::to_string(weights_.size()) + " weights for " +
                           std::to_string(targets_.size()) + " arcs");
  }
  if (!types_.empty() && types_.size() != targets_.size()) {
    return CorruptionError("graph: " + std::to_string(types_.size()) + " edge types for " +
                           std::to_string(targets_.size()) + " arcs");
  }
  // Offsets first: the arc checks below index targets through them.
  for (uint64_t v = 0; v < n; ++v) {
    if (offsets_[v] > offsets_[v + 1]) {
      return CorruptionError("graph: offsets decrease at vertex " + std::to_string(v));
    }
    if (offsets_[v + 1] - offsets_[v] > std::numeric_limits<uint32_t>::max()) {
      return CorruptionError("graph: vertex " + std::to_string(v) + " has more than 2^32-1 arcs");
    }
  }
  for (uint64_t v = 0; v < n; ++v) {
    for (EdgeIndex e = offsets_[v]; e < offsets_[v + 1]; ++e) {
      if (targets_[e] >= n) {
        return CorruptionError("graph: arc " + std::to_string(e) + " points to vertex " +
                               std::to_string(targets_[e]) + " of " + std::to_string(n));
      }
      if (e > offsets_[v] && targets_[e - 1] > targets_[e]) {
        return CorruptionError("graph: neighbour list of vertex " + std::to_string(v) +
                               " is not sorted");
      }
    }
  }
  // Distinct original ids: sorted ones are checked in place, others on a
  // sorted copy.
  std::vector<OriginalId> copy;
  std::span<const OriginalId> ids = original_ids_;
  if (!std::is_sorted(ids.begin(), ids.end())) {
    copy.assign(ids.begin(), ids.end());
    std::sort(copy.begin(), copy.end());
    ids = copy;
  }
  auto repeat = std::adjacent_find(ids.begin(), ids.end());
  if (repeat != ids.end()) {
    return CorruptionError("graph: original id " + std::to_string(*repeat) + " repeats");
  }
  return Status::OK();
}

}  // namespace syskit::graph
