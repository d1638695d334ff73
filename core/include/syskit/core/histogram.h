// Histogram: a latency histogram over uint64_t values (typically nanoseconds)
// with log-linear buckets, in the manner of HdrHistogram (Tene): each
// power-of-two range [2^k, 2^(k+1)) is split into kSubBucketCount equal
// sub-buckets, so a bucket is at most 1/kSubBucketCount (1.6%) of the values
// it holds wide, and values below kExactLimit get a bucket each.
//
//   Histogram latency;
//   latency.Record(timer.ElapsedNanos());
//   std::printf("%s\n", latency.ToString().c_str());
//
// Memory grows with the largest value recorded: about 12 KiB for values up to
// one second in nanoseconds, at most 30 KiB.
//
// Thread-safety: none. Keep one Histogram per thread and Merge() them.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace syskit {

class Histogram {
 public:
  // Linear sub-buckets per power-of-two range.
  static constexpr int kSubBucketBits = 6;
  static constexpr uint64_t kSubBucketCount = uint64_t{1} << kSubBucketBits;
  // Values below this are recorded exactly (one bucket per value).
  static constexpr uint64_t kExactLimit = 2 * kSubBucketCount;

  Histogram() = default;

  // Records one occurrence of `value`.
  void Record(uint64_t value) {
    const size_t index = BucketIndex(value);
    if (index >= buckets_.size()) buckets_.resize(index + 1);
    ++buckets_[index];
    ++count_;
    sum_ += value;
    if (value < min_) min_ = value;
    if (value > max_) max_ = value;
  }
  // Records `count` occurrences of `value`; count 0 records nothing.
  void Record(uint64_t value, uint64_t count);
  // Adds every value recorded in `other`, as if recorded here.
  void Merge(const Histogram& other);
  // Forgets every value.
  void Clear();

  // Number of values recorded.
  uint64_t count() const { return count_; }
  // Smallest and largest values recorded, exact; 0 when empty.
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  // Exact arithmetic mean; 0 when empty.
  double Mean() const;
  // The nearest-rank p-th percentile (p in [0, 100], clamped): the smallest
  // recorded value v such that at least p% of the values are <= v, reported
  // as the middle of v's bucket (clamped to [min, max]), so within
  // 1/(2*kSubBucketCount) relative error; values below kExactLimit, p <= 0
  // (the min) and p >= 100 (the max) are exact. 0 when empty.
  uint64_t Percentile(double p) const;

  // "count=<n> min=<v> mean=<v> p50=<v> p99=<v> p999=<v> max=<v>".
  std::string ToString() const;

  // The bucket holding `value`; buckets are numbered in value order.
  static size_t BucketIndex(uint64_t value) {
    if (value < kExactLimit) return static_cast<size_t>(value);
    const int shift = std::bit_width(value) - 1 - kSubBucketBits;  // >= 1
    const uint64_t sub_bucket = (value >> shift) - kSubBucketCount;
    return static_cast<size_t>(kExactLimit + (shift - 1) * kSubBucketCount + sub_bucket);
  }
  // The smallest and largest values held by bucket `index`.
  static uint64_t BucketLowest(size_t index);
  static uint64_t BucketHighest(size_t index);

 private:
  std::vector<uint64_t> buckets_;  // counts per bucket; grown on demand
  uint64_t count_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
  unsigned __int128 sum_ = 0;  // 128 bits: 2^64 values of 2^64 cannot overflow
};

}  // namespace syskit
