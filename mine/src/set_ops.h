// Sorted-set kernels over neighbour lists: merge intersection (branch-free),
// galloping when one side is much longer, differences, count-only variants
// and clipping to an open id interval. Inputs are strictly increasing.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "syskit/graph/graph.h"

namespace syskit::mine::internal {

using graph::VertexId;
using VertexSpan = std::span<const VertexId>;

// Above this length ratio, look up the short side by binary search.
inline constexpr size_t kGallopRatio = 24;

// Elements x of `set` with lo < x < hi (lo = -1 encoded as kNoLower).
inline constexpr int64_t kNoLower = -1;
inline VertexSpan Clip(VertexSpan set, int64_t lo, uint64_t hi) {
  auto begin = set.begin();
  auto end = set.end();
  if (lo >= 0) begin = std::upper_bound(begin, end, static_cast<VertexId>(lo));
  if (hi <= 0xffffffffull) end = std::lower_bound(begin, end, static_cast<VertexId>(hi));
  return VertexSpan(begin, end);
}

inline bool Contains(VertexSpan set, VertexId x) {
  return std::binary_search(set.begin(), set.end(), x);
}

// Galloping lookup of each element of `small` in `large`; `emit(x, found)`.
template <typename Emit>
inline void Gallop(VertexSpan small, VertexSpan large, Emit&& emit) {
  const VertexId* base = large.data();
  size_t remaining = large.size();
  for (VertexId x : small) {
    // Exponential search from the current position, then binary search.
    size_t step = 1;
    while (step < remaining && base[step - 1] < x) step <<= 1;
    const size_t limit = std::min(step, remaining);
    const VertexId* it = std::lower_bound(base, base + limit, x);
    remaining -= static_cast<size_t>(it - base);
    base = it;
    emit(x, remaining > 0 && *base == x);
  }
}

// a ∩ b into `out` (resized); returns the size.
inline size_t Intersect(VertexSpan a, VertexSpan b, std::vector<VertexId>* out) {
  if (a.size() > b.size()) std::swap(a, b);
  out->resize(a.size());
  VertexId* dst = out->data();
  size_t n = 0;
  if (a.size() * kGallopRatio < b.size()) {
    Gallop(a, b, [&](VertexId x, bool found) {
      dst[n] = x;
      n += found;
    });
  } else {
    size_t i = 0, j = 0;
    const size_t na = a.size(), nb = b.size();
    while (i < na && j < nb) {
      const VertexId x = a[i], y = b[j];
      dst[n] = x;
      n += x == y;
      i += x <= y;
      j += y <= x;
    }
  }
  out->resize(n);
  return n;
}

inline uint64_t IntersectCount(VertexSpan a, VertexSpan b) {
  if (a.size() > b.size()) std::swap(a, b);
  uint64_t n = 0;
  if (a.size() * kGallopRatio < b.size()) {
    Gallop(a, b, [&](VertexId, bool found) { n += found; });
    return n;
  }
  size_t i = 0, j = 0;
  const size_t na = a.size(), nb = b.size();
  while (i < na && j < nb) {
    const VertexId x = a[i], y = b[j];
    n += x == y;
    i += x <= y;
    j += y <= x;
  }
  return n;
}

// a \ b into `out`; returns the size.
inline size_t Difference(VertexSpan a, VertexSpan b, std::vector<VertexId>* out) {
  out->resize(a.size());
  VertexId* dst = out->data();
  size_t n = 0;
  if (a.size() * kGallopRatio < b.size()) {
    Gallop(a, b, [&](VertexId x, bool found) {
      dst[n] = x;
      n += !found;
    });
  } else {
    size_t i = 0, j = 0;
    const size_t na = a.size(), nb = b.size();
    while (i < na && j < nb) {
      const VertexId x = a[i], y = b[j];
      dst[n] = x;
      n += x < y;
      i += x <= y;
      j += y <= x;
    }
    while (i < na) dst[n++] = a[i++];
  }
  out->resize(n);
  return n;
}

inline uint64_t DifferenceCount(VertexSpan a, VertexSpan b) {
  return a.size() - IntersectCount(a, b);
}

}  // namespace syskit::mine::internal
