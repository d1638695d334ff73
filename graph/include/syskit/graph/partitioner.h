// 1-D partitioning for running one graph across several MPI processes:
// vertices split into `parts` contiguous ranges [boundaries[p],
// boundaries[p+1]) so that each range carries about the same
// sum over its vertices of (degree(v) + vertex_weight). Contiguous ranges
// make ownership a binary search and keep CSR slices contiguous.
//
// Balance: each cut lands on the vertex nearest its ideal position, so every
// part's load is within one vertex's load of total / parts. When parts <=
// num_vertices no part is empty; with more parts than vertices, the first
// num_vertices parts hold one vertex each and the rest are empty.
#pragma once

#include <cstdint>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/graph/graph.h"

namespace syskit::graph {

class Partition {
 public:
  // InvalidArgument if parts < 1 or vertex_weight is negative or not finite.
  static Result<Partition> Balanced(const Graph& graph, int parts, double vertex_weight = 1.0);

  int num_parts() const { return static_cast<int>(boundaries_.size()) - 1; }
  VertexId begin(int part) const { return boundaries_[part]; }
  VertexId end(int part) const { return boundaries_[part + 1]; }
  // The part owning vertex v (O(log parts)); v must be < num_vertices.
  int OwnerOf(VertexId v) const;
  // boundaries()[p] is the first vertex of part p; back() == num_vertices.
  const std::vector<VertexId>& boundaries() const { return boundaries_; }

 private:
  std::vector<VertexId> boundaries_;
};

}  // namespace syskit::graph
