#include "syskit/kv/popularity.h"

#include <algorithm>
#include <functional>

namespace syskit::kv {

PopularityTracker::PopularityTracker(size_t capacity, int shards)
    : per_shard_(std::max<size_t>(1, (capacity + std::max(shards, 1) - 1) / std::max(shards, 1))) {
  for (int i = 0; i < std::max(shards, 1); ++i) {
    auto shard = std::make_unique<Shard>();
    shard->slots.resize(per_shard_);
    shard->index.reserve(per_shard_);
    shards_.push_back(std::move(shard));
  }
}

PopularityTracker::Shard& PopularityTracker::ShardOf(std::string_view key) const {
  return *shards_[std::hash<std::string_view>()(key) % shards_.size()];
}

void PopularityTracker::Touch(std::string_view key) {
  Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> guard(shard.mu);
  if (auto it = shard.index.find(key); it != shard.index.end()) {
    shard.slots[it->second].value = 3;
    return;
  }
  uint32_t slot;
  if (shard.used < shard.slots.size()) {
    slot = shard.used++;
  } else {
    // The hand decrements warm keys until it finds one at 0 (at most four
    // sweeps: every value falls by one per pass).
    while (shard.slots[shard.hand].value > 0) {
      --shard.slots[shard.hand].value;
      shard.hand = (shard.hand + 1) % static_cast<uint32_t>(shard.slots.size());
    }
    slot = shard.hand;
    shard.hand = (shard.hand + 1) % static_cast<uint32_t>(shard.slots.size());
    shard.index.erase(shard.slots[slot].key);
    ++shard.evictions;
  }
  Slot& s = shard.slots[slot];
  s.key.assign(key);
  s.value = 0;
  s.used = true;
  shard.index.emplace(s.key, slot);
}

int PopularityTracker::ClockValue(std::string_view key) const {
  const Shard& shard = ShardOf(key);
  std::lock_guard<std::mutex> guard(shard.mu);
  auto it = shard.index.find(key);
  return it == shard.index.end() ? -1 : shard.slots[it->second].value;
}

std::array<uint64_t, 4> PopularityTracker::Histogram() const {
  std::array<uint64_t, 4> histogram{};
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> guard(shard->mu);
    for (uint32_t i = 0; i < shard->used; ++i) ++histogram[shard->slots[i].value];
  }
  return histogram;
}

size_t PopularityTracker::size() const {
  size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> guard(shard->mu);
    total += shard->used;
  }
  return total;
}

uint64_t PopularityTracker::evictions() const {
  uint64_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> guard(shard->mu);
    total += shard->evictions;
  }
  return total;
}

std::array<double, 4> PinningProbabilities(const std::array<uint64_t, 4>& histogram, double theta) {
  std::array<double, 4> p{};
  uint64_t total = 0;
  for (uint64_t n : histogram) total += n;
  double quota = std::clamp(theta, 0.0, 1.0) * static_cast<double>(total);
  for (int value = 3; value >= 1 && quota > 0; --value) {
    const double n = static_cast<double>(histogram[value]);
    if (n == 0) continue;
    p[value] = std::min(1.0, quota / n);
    quota -= p[value] * n;
  }
  return p;
}

bool IsPopular(const PopularityTracker& tracker, const std::array<double, 4>& probabilities,
               std::string_view key, Random& rng) {
  const int value = tracker.ClockValue(key);
  if (value < 0) return false;
  const double p = probabilities[value];
  return p >= 1.0 || (p > 0 && rng.NextDouble() < p);
}

}  // namespace syskit::kv
