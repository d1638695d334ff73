// Tests for Histogram (histogram.cc) against exact percentiles of sorted
// samples.

#include "syskit/core/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <vector>

#include "syskit/core/random.h"

namespace syskit {
namespace {

// The documented bound: half a bucket, a bucket being at most 1/64 of its
// values wide. Tighter than the 2% the histogram is specified to meet.
constexpr double kRelativeTolerance = 1.0 / (2 * Histogram::kSubBucketCount);

const double kPercentiles[] = {0, 0.1, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100};

// Nearest-rank percentile of a sorted sample: the smallest value with at
// least p% of the sample at or below it.
uint64_t ExactPercentile(const std::vector<uint64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  const auto n = static_cast<double>(sorted.size());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * n));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void ExpectPercentilesMatch(const Histogram& histogram, std::vector<uint64_t> sample) {
  std::sort(sample.begin(), sample.end());
  for (double p : kPercentiles) {
    const auto exact = static_cast<double>(ExactPercentile(sample, p));
    const auto reported = static_cast<double>(histogram.Percentile(p));
    EXPECT_LE(std::abs(reported - exact), kRelativeTolerance * exact)
        << "p" << p << ": exact " << exact << ", reported " << reported;
  }
}

// exp(N(mu, sigma)) via Box-Muller: a latency-like heavy right tail.
std::vector<uint64_t> LogNormalSample(uint64_t seed, size_t n) {
  Random random(seed);
  std::vector<uint64_t> sample;
  sample.reserve(n);
  while (sample.size() < n) {
    const double u1 = 1.0 - random.NextDouble();  // in (0, 1]
    const double u2 = random.NextDouble();
    const double normal = std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    sample.push_back(static_cast<uint64_t>(std::llround(std::exp(11.0 + 1.5 * normal))));
  }
  return sample;
}

TEST(Histogram, EmptyReportsZeros) {
  Histogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.min(), 0u);
  EXPECT_EQ(histogram.max(), 0u);
  EXPECT_EQ(histogram.Mean(), 0.0);
  EXPECT_EQ(histogram.Percentile(50), 0u);
  EXPECT_EQ(histogram.ToString(), "count=0 min=0 mean=0.0 p50=0 p99=0 p999=0 max=0");
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram histogram;
  for (uint64_t value = 0; value < Histogram::kExactLimit; ++value) histogram.Record(value);
  const auto n = static_cast<double>(Histogram::kExactLimit);
  for (uint64_t rank = 1; rank <= Histogram::kExactLimit; ++rank) {
    // p chosen so the nearest rank is exactly `rank` (n is a power of two).
    EXPECT_EQ(histogram.Percentile(100.0 * static_cast<double>(rank) / n), rank - 1);
  }
}

TEST(Histogram, BucketsCoverEveryValueWithBoundedWidth) {
  std::vector<uint64_t> values;
  for (uint64_t value = 0; value < 5000; ++value) values.push_back(value);
  for (int bit = 7; bit < 64; ++bit) {
    const uint64_t power = uint64_t{1} << bit;
    for (uint64_t value : {power - 1, power, power + 1, power + power / 3}) {
      values.push_back(value);
    }
  }
  values.push_back(std::numeric_limits<uint64_t>::max());
  size_t previous_index = 0;
  uint64_t previous_value = 0;
  for (uint64_t value : values) {
    const size_t index = Histogram::BucketIndex(value);
    const uint64_t lowest = Histogram::BucketLowest(index);
    const uint64_t highest = Histogram::BucketHighest(index);
    ASSERT_LE(lowest, value);
    ASSERT_GE(highest, value);
    ASSERT_LE(static_cast<double>(highest - lowest + 1),
              static_cast<double>(lowest) / Histogram::kSubBucketCount + 1)
        << value;
    if (value < Histogram::kExactLimit) {
      ASSERT_EQ(lowest, highest) << value;
    }
    if (value > previous_value) {
      ASSERT_GE(index, previous_index) << value;
    }
    previous_index = index;
    previous_value = value;
  }
  EXPECT_EQ(Histogram::BucketHighest(Histogram::BucketIndex(std::numeric_limits<uint64_t>::max())),
            std::numeric_limits<uint64_t>::max());
}

TEST(Histogram, PercentilesOfSequenceWithinRelativeError) {
  Histogram histogram;
  std::vector<uint64_t> sample;
  for (uint64_t value = 1; value <= 100000; ++value) {
    histogram.Record(value);
    sample.push_back(value);
  }
  ExpectPercentilesMatch(histogram, sample);
  EXPECT_EQ(histogram.count(), 100000u);
  EXPECT_EQ(histogram.min(), 1u);
  EXPECT_EQ(histogram.max(), 100000u);
  EXPECT_DOUBLE_EQ(histogram.Mean(), 50000.5);
}

TEST(Histogram, PercentilesOfLogNormalSampleWithinRelativeError) {
  const std::vector<uint64_t> sample = LogNormalSample(/*seed=*/20240601, 100000);
  Histogram histogram;
  for (uint64_t value : sample) histogram.Record(value);
  ExpectPercentilesMatch(histogram, sample);
}

TEST(Histogram, MinMaxMeanAreExact) {
  Histogram histogram;
  const std::vector<uint64_t> values = {1000003, 5, 123456789, 77};
  for (uint64_t value : values) histogram.Record(value);
  EXPECT_EQ(histogram.min(), 5u);
  EXPECT_EQ(histogram.max(), 123456789u);
  EXPECT_DOUBLE_EQ(histogram.Mean(), (1000003.0 + 5.0 + 123456789.0 + 77.0) / 4.0);
  EXPECT_EQ(histogram.Percentile(0), 5u);
  EXPECT_EQ(histogram.Percentile(100), 123456789u);
}

TEST(Histogram, LargestValuesDoNotOverflow) {
  const uint64_t largest = std::numeric_limits<uint64_t>::max();
  Histogram histogram;
  histogram.Record(largest, 3);
  EXPECT_EQ(histogram.count(), 3u);
  EXPECT_EQ(histogram.max(), largest);
  EXPECT_EQ(histogram.Percentile(50), largest);  // clamped into [min, max]
  EXPECT_DOUBLE_EQ(histogram.Mean(), static_cast<double>(largest));
}

TEST(Histogram, RecordWithCountEqualsRepeatedRecord) {
  Histogram repeated, counted;
  for (int copy = 0; copy < 7; ++copy) repeated.Record(4242);
  for (int copy = 0; copy < 3; ++copy) repeated.Record(9);
  counted.Record(4242, 7);
  counted.Record(9, 3);
  counted.Record(1, 0);  // records nothing
  EXPECT_EQ(counted.ToString(), repeated.ToString());
  EXPECT_EQ(counted.min(), 9u);
  EXPECT_EQ(counted.count(), 10u);
}

TEST(Histogram, MergeEqualsRecordingIntoOne) {
  const std::vector<uint64_t> sample = LogNormalSample(/*seed=*/7, 30000);
  Histogram all;
  Histogram parts[3];
  for (size_t index = 0; index < sample.size(); ++index) {
    all.Record(sample[index]);
    parts[index % 3].Record(sample[index]);
  }
  Histogram merged;
  merged.Merge(Histogram());  // merging an empty one changes nothing
  for (const Histogram& part : parts) merged.Merge(part);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_DOUBLE_EQ(merged.Mean(), all.Mean());
  for (double p : kPercentiles) EXPECT_EQ(merged.Percentile(p), all.Percentile(p)) << "p" << p;
  EXPECT_EQ(merged.ToString(), all.ToString());
}

TEST(Histogram, ToStringReportsSummary) {
  Histogram histogram;
  for (uint64_t value = 1; value <= 100; ++value) histogram.Record(value);
  EXPECT_EQ(histogram.ToString(), "count=100 min=1 mean=50.5 p50=50 p99=99 p999=100 max=100");
}

TEST(Histogram, ClearForgetsEverything) {
  Histogram histogram;
  histogram.Record(1000000);
  histogram.Clear();
  histogram.Record(3);
  EXPECT_EQ(histogram.count(), 1u);
  EXPECT_EQ(histogram.min(), 3u);
  EXPECT_EQ(histogram.max(), 3u);
  EXPECT_EQ(histogram.Percentile(99), 3u);
}

}  // namespace
}  // namespace syskit
