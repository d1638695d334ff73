#include "syskit/route/edge_balancer.h"

#include <gtest/gtest.h>

#include <thread>

#include "syskit/core/random.h"
#include "syskit/route/instances.h"
#include "syskit/route/segment_assignment.h"

namespace syskit::route {
namespace {

// Three frontends (one per DC) and an edge balancer for edge0 on loopback.
class EdgeBalancerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    state_ = MakeRandomState({.edges = 2, .dcs = 3, .load_factor = 0.5, .seed = 12});
    EdgeBalancerOptions options;
    options.edge = "edge0";
    options.nearest_dc = "dc1";
    for (const auto& dc : state_.dcs) {
      auto frontend = FrontendServer::Start(dc.name, kHeight);
      ASSERT_TRUE(frontend.ok()) << frontend.status();
      options.backends[dc.name] = {"127.0.0.1", (*frontend)->port()};
      frontends_.push_back(std::move(frontend).value());
    }
    auto balancer = EdgeBalancer::Start(options);
    ASSERT_TRUE(balancer.ok()) << balancer.status();
    balancer_ = std::move(balancer).value();
  }

  std::string Config(const Fractions& table) {
    auto config = BuildRoutingConfig(state_, table, {.height = kHeight, .level = 4});
    EXPECT_TRUE(config.ok());
    config_ = *config;
    return RoutingConfigJson(state_, *config);
  }

  // The DC named in the frontend's reply to a request with bucket `b`.
  std::string Route(int bucket) {
    auto reply = HttpGet(balancer_->port(), "/feed", "taiji_bucket=" + std::to_string(bucket));
    EXPECT_TRUE(reply.ok()) << reply.status();
    const size_t at = reply->find("dc=");
    return at == std::string::npos ? "" : reply->substr(at + 3, reply->find(' ', at) - at - 3);
  }

  static constexpr int kHeight = 8;
  State state_;
  RoutingConfig config_;
  std::vector<std::unique_ptr<FrontendServer>> frontends_;
  std::unique_ptr<EdgeBalancer> balancer_;
};

TEST_F(EdgeBalancerTest, CookieLessRequestGoesToNearestDcAndGetsABucket) {
  auto reply = HttpGet(balancer_->port(), "/?user=alice", "");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_NE(reply->find("200 OK"), std::string::npos) << *reply;
  EXPECT_NE(reply->find("dc=dc1 "), std::string::npos) << *reply;
  const std::string cookie =
      "Set-Cookie: taiji_bucket=" + std::to_string(UserBucket("alice", kHeight));
  EXPECT_NE(reply->find(cookie), std::string::npos) << *reply;
}

TEST_F(EdgeBalancerTest, RoutesEveryBucketToTheConfiguredDc) {
  ASSERT_TRUE(balancer_->Reload(Config(state_.current)).ok());
  for (int bucket = 0; bucket < (1 << kHeight); bucket += 3) {
    EXPECT_EQ(Route(bucket), state_.dcs[config_.dc_of_bucket[0][bucket]].name) << bucket;
  }
}

TEST_F(EdgeBalancerTest, InvalidConfigNeverReplacesTheGoodOne) {
  ASSERT_TRUE(balancer_->Reload(Config(state_.current)).ok());
  const std::string expected = state_.dcs[config_.dc_of_bucket[0][17]].name;
  EXPECT_FALSE(balancer_->Reload("{\"height\": 8, \"edges\": {").ok());
  EXPECT_FALSE(balancer_->Reload("{\"height\": 8, \"edges\": {\"edge0\": {\"dc0\": [[0, 10]]}}}")
                   .ok());  // buckets 10.. unassigned
  EXPECT_FALSE(
      balancer_->Reload("{\"height\": 1, \"edges\": {\"edge0\": {\"dc9\": [[0, 2]]}}}").ok());
  EXPECT_FALSE(
      balancer_->Reload("{\"height\": 1, \"edges\": {\"edge7\": {\"dc0\": [[0, 2]]}}}").ok());
  EXPECT_EQ(balancer_->reloads(), 1);
  EXPECT_EQ(Route(17), expected);
}

TEST_F(EdgeBalancerTest, HotReloadIsAtomicUnderLoad) {
  Fractions all_dc0(2, {1.0, 0.0, 0.0}), all_dc2(2, {0.0, 0.0, 1.0});
  const std::string to_dc0 = Config(all_dc0), to_dc2 = Config(all_dc2);
  ASSERT_TRUE(balancer_->Reload(to_dc0).ok());
  EXPECT_EQ(Route(5), "dc0");
  std::atomic<bool> done{false};
  std::thread reloader([&] {
    for (int round = 0; !done.load(); ++round) {
      ASSERT_TRUE(balancer_->Reload(round % 2 ? to_dc0 : to_dc2).ok());
    }
  });
  int bad = 0;
  for (int request = 0; request < 200; ++request) {
    const std::string dc = Route(request % 256);
    bad += dc != "dc0" && dc != "dc2";
  }
  done.store(true);
  reloader.join();
  EXPECT_EQ(bad, 0);
  ASSERT_TRUE(balancer_->Reload(to_dc2).ok());
  EXPECT_EQ(Route(5), "dc2");
}

TEST_F(EdgeBalancerTest, NonNumericCookieGoesToNearestDc) {
  ASSERT_TRUE(balancer_->Reload(Config(state_.current)).ok());
  auto reply = HttpGet(balancer_->port(), "/", "taiji_bucket=abc");
  ASSERT_TRUE(reply.ok());
  EXPECT_NE(reply->find("dc=dc1"), std::string::npos);
}

}  // namespace
}  // namespace syskit::route
