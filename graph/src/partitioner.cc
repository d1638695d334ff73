// Balanced 1-D (contiguous range) vertex partitioning, the scheme of
// distributed BFS and PageRank codes such as Buluç & Madduri, "Parallel
// Breadth-First Search on Distributed Memory Systems" (SC 2011).
//
// The load of vertex v is degree(v) + vertex_weight, so the prefix sum of the
// loads of vertices [0, i) is offsets[i] + vertex_weight * i: the CSR offsets
// already are the prefix sums and no extra array is needed. Cut p is the
// vertex whose prefix is nearest to p * total / parts (binary search).
//
// Invariant: boundaries are non-decreasing, front() == 0, back() == n, and
// every part is non-empty when parts <= n. Each part's load differs from
// total / parts by at most the largest single-vertex load: a nearest cut is
// within half a vertex load of its target, and when one vertex outweighs a
// part the clamping that keeps parts non-empty only produces one-vertex parts.
#include "syskit/graph/partitioner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "syskit/core/check.h"

namespace syskit::graph {

Result<Partition> Partition::Balanced(const Graph& graph, int parts, double vertex_weight) {
  if (parts < 1) {
    return InvalidArgumentError(fmt::format("partition: parts must be >= 1, got {}", parts));
  }
  if (!(vertex_weight >= 0.0) || std::isinf(vertex_weight)) {
    return InvalidArgumentError(fmt::format(
        "partition: vertex_weight must be a non-negative number, got {}", vertex_weight));
  }
  const uint64_t n = graph.num_vertices();
  const auto offsets = graph.offsets();
  const auto prefix = [&](uint64_t i) {
    return static_cast<double>(offsets[i]) + vertex_weight * static_cast<double>(i);
  };

  Partition partition;
  partition.boundaries_.resize(static_cast<size_t>(parts) + 1);
  auto& boundaries = partition.boundaries_;
  if (static_cast<uint64_t>(parts) >= n) {
    // One vertex per part; the remaining parts are empty.
    for (int p = 0; p <= parts; ++p) {
      boundaries[p] = static_cast<VertexId>(std::min<uint64_t>(p, n));
    }
    return partition;
  }

  const double total = prefix(n);
  boundaries[0] = 0;
  for (int p = 1; p < parts; ++p) {
    const double target = total * p / parts;
    // Smallest i with prefix(i) >= target; prefix is non-decreasing in i.
    uint64_t lo = 0;
    uint64_t hi = n;
    while (lo < hi) {
      const uint64_t mid = lo + (hi - lo) / 2;
      if (prefix(mid) < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    uint64_t cut = lo;
    if (cut > 0 && target - prefix(cut - 1) < prefix(cut) - target) --cut;
    // Keep room for one vertex in each earlier and each later part.
    cut = std::clamp<uint64_t>(cut, p, n - parts + p);
    cut = std::max<uint64_t>(cut, static_cast<uint64_t>(boundaries[p - 1]) + 1);
    boundaries[p] = static_cast<VertexId>(cut);
  }
  boundaries[parts] = static_cast<VertexId>(n);
  return partition;
}

int Partition::OwnerOf(VertexId v) const {
  SYSKIT_CHECK(!boundaries_.empty() && v < boundaries_.back())
      << "vertex " << v << " is outside the partitioned range";
  // The last part whose first vertex is <= v; empty parts before it share
  // its boundary, so upper_bound skips them.
  auto it = std::upper_bound(boundaries_.begin(), boundaries_.end(), v);
  return static_cast<int>(it - boundaries_.begin()) - 1;
}

}  // namespace syskit::graph
