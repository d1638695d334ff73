// ParallelFor: static or dynamic splitting of an index range over threads.
//
// Work is split into contiguous chunks; with `grain` > 0 chunks of that size
// are handed out dynamically (for skewed work), otherwise each thread gets one
// equal chunk in thread order, so results that depend on chunk order are
// deterministic for a given thread count.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>
#include <vector>

namespace syskit {

// Threads to use when a caller passes 0: the machine's hardware threads.
inline int DefaultThreadCount() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

// Calls body(thread_index, begin, end) on `threads` threads (0 = all cores),
// each with one contiguous slice of [begin, end); slice t precedes slice t+1.
// Blocks until all return. Runs inline when threads <= 1.
template <typename Body>
void ParallelForSlices(int threads, uint64_t begin, uint64_t end, Body&& body) {
  if (threads <= 0) threads = DefaultThreadCount();
  const uint64_t n = end > begin ? end - begin : 0;
  if (threads <= 1 || n < 2) {
    body(0, begin, end);
    return;
  }
  threads = static_cast<int>(std::min<uint64_t>(threads, n));
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  auto slice = [&](int t) {
    uint64_t lo = begin + n * t / threads;
    uint64_t hi = begin + n * (t + 1) / threads;
    body(t, lo, hi);
  };
  for (int t = 1; t < threads; ++t) pool.emplace_back(slice, t);
  slice(0);
  for (auto& thread : pool) thread.join();
}

// Calls body(thread_index, begin, end) for chunks of `grain` indices handed
// out dynamically to `threads` threads (0 = all cores).
template <typename Body>
void ParallelForDynamic(int threads, uint64_t begin, uint64_t end, uint64_t grain, Body&& body) {
  if (threads <= 0) threads = DefaultThreadCount();
  if (grain == 0) grain = 1;
  std::atomic<uint64_t> next{begin};
  auto worker = [&](int t) {
    for (;;) {
      uint64_t lo = next.fetch_add(grain, std::memory_order_relaxed);
      if (lo >= end) return;
      body(t, lo, std::min(end, lo + grain));
    }
  };
  if (threads <= 1) {
    worker(0);
    return;
  }
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (auto& thread : pool) thread.join();
}

}  // namespace syskit
