// The 2-bit CLOCK popularity tracker and the pinning-threshold mapper.
#include "syskit/kv/popularity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <thread>

#include "syskit/kv/db.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::kv {
namespace {

TEST(PopularityTracker, AKeyIsWarmOnlyAfterItsSecondRead) {
  PopularityTracker tracker(100, 1);
  EXPECT_EQ(tracker.ClockValue("a"), -1);
  tracker.Touch("a");
  EXPECT_EQ(tracker.ClockValue("a"), 0);
  tracker.Touch("a");
  EXPECT_EQ(tracker.ClockValue("a"), 3);
  EXPECT_EQ(tracker.size(), 1u);
}

// The hand decrements warm keys and evicts the first one at 0, in slot order.
TEST(PopularityTracker, ClockEvictsColdKeysFirstInHandOrder) {
  PopularityTracker tracker(4, 1);
  for (const char* key : {"a", "b", "c", "d"}) tracker.Touch(key);
  tracker.Touch("a");
  tracker.Touch("b");  // a, b at 3; c, d at 0
  tracker.Touch("e");  // hand: a 3->2, b 3->2, c at 0: evicted
  EXPECT_EQ(tracker.ClockValue("c"), -1);
  EXPECT_EQ(tracker.ClockValue("a"), 2);
  EXPECT_EQ(tracker.ClockValue("b"), 2);
  EXPECT_EQ(tracker.ClockValue("d"), 0);
  EXPECT_EQ(tracker.ClockValue("e"), 0);
  tracker.Touch("f");  // hand continues at d (0): evicted
  EXPECT_EQ(tracker.ClockValue("d"), -1);
  EXPECT_EQ(tracker.ClockValue("a"), 2);
  tracker.Touch("g");  // e (0) is next after a, b decrement: a 2->1, b 2->1, e evicted
  EXPECT_EQ(tracker.ClockValue("e"), -1);
  EXPECT_EQ(tracker.ClockValue("a"), 1);
  EXPECT_EQ(tracker.ClockValue("b"), 1);
  EXPECT_EQ(tracker.evictions(), 3u);
  const std::array<uint64_t, 4> histogram = tracker.Histogram();
  EXPECT_EQ(histogram[0], 2u);  // f, g
  EXPECT_EQ(histogram[1], 2u);  // a, b
  EXPECT_EQ(histogram[2] + histogram[3], 0u);
}

// A skewed read stream over 100x more keys than the capacity: the tracker
// stays bounded and keeps the hottest keys warm.
TEST(PopularityTracker, BoundedAndKeepsTheHotKeysUnderASkewedStream) {
  PopularityTracker tracker(1000, 16);
  Random rng(5);
  for (int i = 0; i < 200000; ++i) {
    // 90 % of reads to 100 hot keys, the rest spread over 100 000 keys.
    const uint64_t k = rng.Uniform(10) < 9 ? rng.Uniform(100) : 100 + rng.Uniform(100000);
    tracker.Touch("key" + std::to_string(k));
    ASSERT_LE(tracker.size(), tracker.capacity());
  }
  int warm_hot = 0;
  for (int k = 0; k < 100; ++k) warm_hot += tracker.ClockValue("key" + std::to_string(k)) >= 2;
  EXPECT_GE(warm_hot, 95);
  const std::array<uint64_t, 4> histogram = tracker.Histogram();
  EXPECT_EQ(histogram[0] + histogram[1] + histogram[2] + histogram[3], tracker.size());
  EXPECT_GT(tracker.evictions(), 10000u);
}

TEST(PopularityTracker, ConcurrentTouchesStayBounded) {
  PopularityTracker tracker(512, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&tracker, t] {
      Random rng(t);
      for (int i = 0; i < 20000; ++i) tracker.Touch("k" + std::to_string(rng.Uniform(5000)));
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(tracker.size(), tracker.capacity());
  EXPECT_EQ(tracker.size(), tracker.capacity());  // 5000 distinct keys fill it
}

void ExpectProbabilities(const std::array<double, 4>& got, const std::array<double, 4>& want) {
  for (int v = 0; v < 4; ++v) EXPECT_NEAR(got[v], want[v], 1e-12) << "clock value " << v;
}

TEST(PinningProbabilities, FillTheQuotaFromTheHottestValueDown) {
  const std::array<uint64_t, 4> h = {10, 20, 30, 40};  // 100 keys
  ExpectProbabilities(PinningProbabilities(h, 0.0), {0, 0, 0, 0});
  ExpectProbabilities(PinningProbabilities(h, 0.3), {0, 0, 0, 0.75});  // 30 of the 40 at 3
  ExpectProbabilities(PinningProbabilities(h, 0.7), {0, 0, 1, 1});     // 40 + 30
  ExpectProbabilities(PinningProbabilities(h, 0.8), {0, 0.5, 1, 1});   // + 10 of the 20 at 1
  ExpectProbabilities(PinningProbabilities(h, 1.0), {0, 1, 1, 1});     // value 0 is never popular
  ExpectProbabilities(PinningProbabilities({5, 0, 0, 0}, 0.7), {0, 0, 0, 0});
  ExpectProbabilities(PinningProbabilities({0, 0, 0, 0}, 0.7), {0, 0, 0, 0});
}

// IsPopular draws: about theta of the tracked keys come out popular.
TEST(PinningProbabilities, IsPopularMarksAboutThetaOfTheTrackedKeys) {
  PopularityTracker tracker(20000, 4);  // room for every key: no evictions
  Random rng(9);
  for (int k = 0; k < 10000; ++k) {
    const std::string key = "k" + std::to_string(k);
    tracker.Touch(key);
    if (k % 2 == 0) tracker.Touch(key);  // half warm (3), half cold (0)
  }
  for (double theta : {0.25, 0.4, 0.7}) {
    const auto p = PinningProbabilities(tracker.Histogram(), theta);
    int popular = 0;
    for (int k = 0; k < 10000; ++k) popular += IsPopular(tracker, p, "k" + std::to_string(k), rng);
    // Only warm keys can be popular: theta 0.7 asks for more than exist.
    const double expected = std::min(theta, 0.5) * 10000;
    EXPECT_NEAR(popular, expected, 200) << theta;
  }
  EXPECT_FALSE(IsPopular(tracker, {1, 1, 1, 1}, "never-read", rng));
}

// Wired into the DB: successful reads (from the memtable or from tables)
// touch their key; writes and misses do not.
TEST(PopularityTracker, DbReadsTouchKeysAndStatsShowTheClock) {
  testing::TempDir dir;
  Options options;
  options.popularity_tracker_keys = 64;
  auto db = std::move(DB::Open(options, dir.path())).value();
  for (int k = 0; k < 10; ++k) ASSERT_TRUE(db->Put({}, "k" + std::to_string(k), "v").ok());
  std::string value, stats;
  ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
  EXPECT_NE(stats.find("popularity_tracked=0 "), std::string::npos) << stats;
  ASSERT_TRUE(db->Get({}, "k0", &value).ok());  // memtable
  ASSERT_TRUE(db->Get({}, "k0", &value).ok());
  ASSERT_TRUE(db->Get({}, "k1", &value).ok());
  EXPECT_EQ(db->Get({}, "missing", &value).code(), StatusCode::kNotFound);
  ASSERT_TRUE(db->Flush().ok());
  ASSERT_TRUE(db->Get({}, "k2", &value).ok());  // table
  ASSERT_TRUE(db->Get({}, "k2", &value).ok());
  ASSERT_TRUE(db->Delete({}, "k1").ok());
  EXPECT_EQ(db->Get({}, "k1", &value).code(), StatusCode::kNotFound);
  ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
  EXPECT_NE(stats.find("popularity_tracked=3 "), std::string::npos) << stats;
  EXPECT_NE(stats.find("clock_histogram=1,0,0,2"), std::string::npos) << stats;  // k1; k0, k2
}

}  // namespace
}  // namespace syskit::kv
