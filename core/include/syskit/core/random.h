// Random: a fast seeded PRNG (xoshiro256**, Blackman & Vigna 2018) seeded
// through SplitMix64. Not cryptographic. Deterministic for a given seed on
// every platform. Satisfies std::uniform_random_bit_generator.
//
// Independent streams for threads or chunks: Random(seed, stream) is a
// distinct generator for every pair, so work split into numbered blocks gives
// the same results whatever the number of threads.
//
// Thread-safety: one object per thread.
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace syskit {

// One SplitMix64 step: a good 64-bit mixer for seeds and hashing.
inline uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class Random {
 public:
  using result_type = uint64_t;

  explicit Random(uint64_t seed, uint64_t stream = 0) { Seed(seed, stream); }

  // Words 0 and 2 of the 256-bit state are SplitMix64 images (bijections)
  // of the seed and of the stream, so distinct (seed, stream) pairs give
  // distinct generators; words 1 and 3 mix both, so even the first outputs
  // (which depend on word 1 only) differ between streams.
  void Seed(uint64_t seed, uint64_t stream = 0) {
    uint64_t seed_state = seed;
    uint64_t stream_state = stream ^ 0x6a09e667f3bcc909ULL;
    s_[0] = SplitMix64(seed_state);
    s_[2] = SplitMix64(stream_state);
    s_[1] = SplitMix64(seed_state) ^ SplitMix64(stream_state);
    s_[3] = SplitMix64(seed_state) ^ SplitMix64(stream_state);
  }

  // The 256-bit xoshiro state, to move a generator between processes (the
  // distributed walk engine migrates a walker with its stream).
  std::array<uint64_t, 4> state() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  static Random FromState(const std::array<uint64_t, 4>& state) {
    Random rng(0);
    for (int word = 0; word < 4; ++word) rng.s_[word] = state[word];
    return rng;
  }

  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<uint64_t>::max(); }
  result_type operator()() { return Next(); }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n) without modulo bias (Lemire 2019); n must be > 0.
  uint64_t Uniform(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(Next()) * n;
    auto low = static_cast<uint64_t>(m);
    if (low < n) {
      const uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<unsigned __int128>(Next()) * n;
        low = static_cast<uint64_t>(m);
      }
    }
    return static_cast<uint64_t>(m >> 64);
  }

  // Uniform in [0, 1) with 53 random bits.
  double NextDouble() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // True with probability p.
  bool Bernoulli(double p) { return NextDouble() < p; }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

  uint64_t s_[4];
};

}  // namespace syskit
