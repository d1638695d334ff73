// Test support: two threads calling `a` and `b` alternately-ish, spaced by a
// short busy wait, started together behind a latch.
#pragma once

#include <chrono>
#include <functional>
#include <latch>
#include <thread>

namespace syskit::racecheck::testing_util {

inline void Spin(int64_t micros) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(micros);
  while (std::chrono::steady_clock::now() < until) {
  }
}

inline void TwoThreads(int iterations, int64_t spacing_us, const std::function<void(int)>& a,
                       const std::function<void(int)>& b) {
  std::latch start(2);
  std::thread first([&] {
    start.arrive_and_wait();
    for (int i = 0; i < iterations; ++i) {
      Spin(spacing_us);
      a(i);
    }
  });
  std::thread second([&] {
    start.arrive_and_wait();
    for (int i = 0; i < iterations; ++i) {
      Spin(spacing_us);
      b(i);
    }
  });
  first.join();
  second.join();
}

}  // namespace syskit::racecheck::testing_util
