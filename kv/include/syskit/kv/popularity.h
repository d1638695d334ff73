// Read-popularity tracking for PrismDB-style placement (kv part 2; brief
// section "Tracker" and "Mapper"):
//
// PopularityTracker is a CLOCK with 2 bits per key in a bounded, sharded
// hash map. Every successful read calls Touch(key): a tracked key goes to 3;
// an untracked key is inserted at 0 (evicting one if the shard is full), so
// a key must be read twice to count as warm. Writes are not accesses.
// Eviction: the shard's hand sweeps its slots, decrementing values above 0
// and taking the first slot at 0.
//
// PinningProbabilities turns a pinning threshold theta (the fraction of
// tracked keys treated as popular) into a probability per clock value:
// value 3 first, then 2, then 1; value 0 is never popular.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "syskit/core/random.h"

namespace syskit::kv {

class PopularityTracker {
 public:
  // Tracks at most `capacity` keys (rounded up to a multiple of `shards`).
  explicit PopularityTracker(size_t capacity, int shards = 16);
  void Touch(std::string_view key);
  // The key's clock value (0-3), or -1 when it is not tracked.
  int ClockValue(std::string_view key) const;
  // Tracked keys per clock value.
  std::array<uint64_t, 4> Histogram() const;
  size_t size() const;
  size_t capacity() const { return shards_.size() * per_shard_; }
  uint64_t evictions() const;

 private:
  struct Slot {
    std::string key;
    uint8_t value = 0;
    bool used = false;
  };
  struct Shard {
    mutable std::mutex mu;
    std::vector<Slot> slots;  // fixed size: views into keys stay valid
    std::unordered_map<std::string_view, uint32_t> index;
    uint32_t hand = 0;
    uint32_t used = 0;
    uint64_t evictions = 0;
  };
  Shard& ShardOf(std::string_view key) const;

  const size_t per_shard_;
  std::vector<std::unique_ptr<Shard>> shards_;
};

// Probability that a tracked key at each clock value is popular, so that
// about `theta` of the keys in `histogram` are (clamped to [0, 1]).
std::array<double, 4> PinningProbabilities(const std::array<uint64_t, 4>& histogram, double theta);

// A Bernoulli draw with the key's clock value's probability; untracked keys
// are never popular.
bool IsPopular(const PopularityTracker& tracker, const std::array<double, 4>& probabilities,
               std::string_view key, Random& rng);

}  // namespace syskit::kv
