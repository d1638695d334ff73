// Histogram (histogram.h): log-linear latency buckets in the manner of
// HdrHistogram (Gil Tene, "HdrHistogram: a high dynamic range histogram").
//
// Key invariant: bucket i holds exactly the values v with BucketIndex(v) == i,
// the values [BucketLowest(i), BucketHighest(i)]; for i >= kExactLimit that
// range has width 2^s and starts at or above kSubBucketCount * 2^s, which
// bounds the relative error of any value reported from it.

#include "syskit/core/histogram.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace syskit {

uint64_t Histogram::BucketLowest(size_t index) {
  if (index < kExactLimit) return index;
  const uint64_t offset = index - kExactLimit;
  const uint64_t shift = offset / kSubBucketCount + 1;
  const uint64_t sub_bucket = offset % kSubBucketCount + kSubBucketCount;
  return sub_bucket << shift;
}

uint64_t Histogram::BucketHighest(size_t index) {
  if (index < kExactLimit) return index;
  const uint64_t shift = (index - kExactLimit) / kSubBucketCount + 1;
  return BucketLowest(index) + ((uint64_t{1} << shift) - 1);
}

void Histogram::Record(uint64_t value, uint64_t count) {
  if (count == 0) return;
  const size_t index = BucketIndex(value);
  if (index >= buckets_.size()) buckets_.resize(index + 1);
  buckets_[index] += count;
  count_ += count;
  sum_ += static_cast<unsigned __int128>(value) * count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size());
  for (size_t index = 0; index < other.buckets_.size(); ++index) {
    buckets_[index] += other.buckets_[index];
  }
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

void Histogram::Clear() { *this = Histogram(); }

double Histogram::Mean() const {
  if (count_ == 0) return 0.0;
  return static_cast<double>(sum_) / static_cast<double>(count_);
}

uint64_t Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  if (!(p > 0.0)) return min();  // also catches NaN
  if (p >= 100.0) return max_;
  const double exact_rank = std::ceil(p / 100.0 * static_cast<double>(count_));
  const uint64_t rank =
      std::clamp<uint64_t>(static_cast<uint64_t>(exact_rank), uint64_t{1}, count_);
  uint64_t seen = 0;
  for (size_t index = 0; index < buckets_.size(); ++index) {
    seen += buckets_[index];
    if (seen < rank) continue;
    const uint64_t lowest = BucketLowest(index);
    const uint64_t middle = lowest + (BucketHighest(index) - lowest) / 2;
    return std::clamp(middle, min_, max_);
  }
  return max_;  // unreachable: the buckets sum to count_
}

std::string Histogram::ToString() const {
  return fmt::format("count={} min={} mean={:.1f} p50={} p99={} p999={} max={}", count_, min(),
                     Mean(), Percentile(50), Percentile(99), Percentile(99.9), max_);
}

}  // namespace syskit
