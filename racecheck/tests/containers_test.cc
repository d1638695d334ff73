#include "syskit/racecheck/containers.h"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <thread>

#include "test_util.h"

namespace syskit::racecheck {
namespace {

using testing_util::TwoThreads;

Options FastOptions() {
  Options options;
  options.delay_us = 20'000;
  return options;
}

TEST(Containers, BehaveLikeStdContainers) {
  racecheck::vector<int> v = {3, 1, 2};
  v.push_back(4);
  v.emplace_back(5);
  EXPECT_EQ(v.size(), 5u);
  EXPECT_EQ(v[1], 1);
  EXPECT_EQ(v.at(3), 4);
  v.erase(v.begin());
  EXPECT_EQ(v.front(), 1);
  racecheck::map<std::string, int> m;
  m["a"] = 1;
  m.insert({"b", 2});
  EXPECT_EQ(m.count("b"), 1u);
  EXPECT_EQ(m.at("a"), 1);
  EXPECT_EQ(m.erase("a"), 1u);
  racecheck::unordered_map<int, int> um;
  um[7] = 8;
  EXPECT_TRUE(um.contains(7));
  racecheck::set<int> s = {5, 4};
  EXPECT_EQ(*s.begin(), 4);
  racecheck::unordered_set<int> us;
  us.insert(1);
  EXPECT_EQ(us.size(), 1u);
  racecheck::deque<int> d;
  d.push_front(1);
  d.push_back(2);
  d.pop_front();
  EXPECT_EQ(d[0], 2);
  racecheck::list<int> l = {3, 1};
  l.sort();
  EXPECT_EQ(l.front(), 1);
  racecheck::string text;
  text += "ab";
  text.append(std::string_view("cd"));
  racecheck::string other;
  other.append(text);
  EXPECT_EQ(other.unchecked(), "abcd");
  int sum = 0;
  for (int x : v) sum += x;
  EXPECT_EQ(sum, 1 + 2 + 4 + 5);
}

TEST(Containers, EveryCallReachesTheRuntime) {
  ASSERT_TRUE(Start(FastOptions()).ok());
  racecheck::vector<int> v;
  v.push_back(1);
  (void)v.size();
  (void)v[0];
  racecheck::unordered_map<int, int> m;
  m[1] = 2;
  (void)m.count(1);
  Result<Stats> stats = Stop();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->calls, 5u);
}

TEST(Containers, ReportsTheCallersSourceLocation) {
  ASSERT_TRUE(Start(FastOptions()).ok());
  racecheck::vector<int> shared;
  int push_line = 0;
  TwoThreads(
      40, 300,
      [&](int i) {
        push_line = __LINE__ + 1;
        shared.push_back(i);
      },
      [&](int i) { shared.push_back(i); });
  ASSERT_TRUE(Stop().ok());
  std::vector<Report> reports = TakeReports();
  ASSERT_FALSE(reports.empty());
  const std::string expected = "containers_test.cc:" + std::to_string(push_line) + ":";
  bool seen = false;
  for (const Report& report : reports) {
    EXPECT_EQ(report.trapped.op, "std::vector::push_back");
    EXPECT_TRUE(report.trapped.is_write);
    EXPECT_NE(report.trapped.thread, report.arriving.thread);
    for (const ReportSide* side : {&report.trapped, &report.arriving}) {
      if (side->site.key.find(expected) != std::string::npos) seen = true;
    }
  }
  EXPECT_TRUE(seen) << reports[0].trapped.site.key;
}

TEST(Containers, LockedCallsAreNeverReported) {
  ASSERT_TRUE(Start(FastOptions()).ok());
  racecheck::map<int, int> shared;
  std::mutex mu;
  TwoThreads(
      40, 300,
      [&](int i) {
        std::lock_guard<std::mutex> lock(mu);
        shared[i % 4] = i;
      },
      [&](int i) {
        std::lock_guard<std::mutex> lock(mu);
        (void)shared.find(i % 4);
      });
  Result<Stats> stats = Stop();
  ASSERT_TRUE(stats.ok());
  EXPECT_TRUE(TakeReports().empty());
  // The calls were near misses, so TSVD did try.
  EXPECT_GT(stats->near_misses, 0u);
}

// The checked containers get thread creation and join as happens-before
// edges too (std::thread goes through the runtime's pthread_create and
// pthread_join): set-up before the threads and reads after the join are
// not near misses; with thread_hb off they are.
TEST(Containers, SetUpBeforeCreateAndUseAfterJoinAreOrdered) {
  for (bool thread_hb : {true, false}) {
    Options options = FastOptions();
    options.delay_us = 2'000;
    options.window_us = 5'000'000;
    options.thread_hb = thread_hb;
    ASSERT_TRUE(Start(options).ok());
    racecheck::deque<int> tasks;
    for (int task = 0; task < 4; ++task) tasks.push_back(task);  // set-up
    std::thread([&] {
      tasks.push_back(4);
      tasks.pop_front();
    }).join();
    tasks.clear();  // after the join
    Result<Stats> stats = Stop();
    ASSERT_TRUE(stats.ok());
    EXPECT_TRUE(TakeReports().empty());
    if (thread_hb) {
      EXPECT_EQ(stats->near_misses, 0u);
      EXPECT_EQ(stats->delays, 0u);
    } else {
      EXPECT_GE(stats->near_misses, 2u);
    }
  }
}

TEST(Containers, ConfiguredContractTurnsIndexIntoWrite) {
  Result<Contract> contract = Contract::Parse(
      R"({"groups": [{"type": "std::vector", "read": ["size"], "write": ["operator[]"]}]})",
      "t.json");
  ASSERT_TRUE(contract.ok());
  ASSERT_TRUE(Start(FastOptions(), *contract).ok());
  racecheck::vector<int> shared(4, 0);
  TwoThreads(
      40, 300, [&](int i) { shared[i % 4] = i; }, [&](int i) { shared[(i + 1) % 4] = i; });
  ASSERT_TRUE(Stop().ok());
  std::vector<Report> reports = TakeReports();
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].trapped.op, "std::vector::operator[]");
  // Back to the defaults: element access is a read, nothing to report.
  ASSERT_TRUE(Start(FastOptions()).ok());
  TwoThreads(
      40, 300, [&](int i) { (void)shared[i % 4]; }, [&](int i) { (void)shared[(i + 1) % 4]; });
  ASSERT_TRUE(Stop().ok());
  EXPECT_TRUE(TakeReports().empty());
}

}  // namespace
}  // namespace syskit::racecheck
