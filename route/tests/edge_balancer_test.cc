#include "syskit/route/edge_balancer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "syskit/core/random.h"
#include "syskit/route/instances.h"
#include "syskit/route/segment_assignment.h"

namespace syskit::route {
namespace {

// Three frontends (one per DC) and an edge balancer for edge0 on loopback.
class EdgeBalancerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServers(ServerOptions{}); }

  void StartServers(const ServerOptions& server_options) {
    balancer_.reset();
    frontends_.clear();
    state_ = MakeRandomState({.edges = 2, .dcs = 3, .load_factor = 0.5, .seed = 12});
    EdgeBalancerOptions options;
    options.server = server_options;
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

  // The DC named in a reply body "dc=<name> bucket=<b>".
  static std::string DcOf(const std::string& body) {
    const size_t at = body.find("dc=");
    return at == std::string::npos ? "" : body.substr(at + 3, body.find(' ', at) - at - 3);
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

TEST_F(EdgeBalancerTest, KeepAliveRoutesManyRequestsOnOneConnection) {
  ASSERT_TRUE(balancer_->Reload(Config(state_.current)).ok());
  const int64_t connections_before = balancer_->stats().connections;
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok()) << connection.status();
  int requests = 0;
  for (int bucket = 0; bucket < (1 << kHeight); bucket += 2, ++requests) {
    auto reply = (*connection)->Get("/feed", "taiji_bucket=" + std::to_string(bucket));
    ASSERT_TRUE(reply.ok()) << reply.status() << " at bucket " << bucket;
    ASSERT_EQ(reply->status, 200);
    EXPECT_FALSE(reply->server_closes);
    EXPECT_EQ(DcOf(reply->body), state_.dcs[config_.dc_of_bucket[0][bucket]].name) << bucket;
    EXPECT_EQ(reply->body.substr(reply->body.find("bucket=") + 7), std::to_string(bucket) + "\n");
  }
  // Three pipelined requests in one write, answered in order.
  ASSERT_TRUE((*connection)
                  ->SendRaw("GET /a HTTP/1.1\r\nCookie: taiji_bucket=1\r\n\r\n"
                            "GET /b HTTP/1.1\r\nCookie: taiji_bucket=2\r\n\r\n"
                            "GET /c HTTP/1.1\r\nCookie: taiji_bucket=3\r\n\r\n")
                  .ok());
  for (int bucket = 1; bucket <= 3; ++bucket, ++requests) {
    auto reply = (*connection)->ReadResponse();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(DcOf(reply->body), state_.dcs[config_.dc_of_bucket[0][bucket]].name);
  }
  // The whole exchange used the one connection; "Connection: close" ends it.
  auto last = (*connection)->Get("/feed", "taiji_bucket=9", /*close=*/true);
  ASSERT_TRUE(last.ok());
  EXPECT_TRUE(last->server_closes);
  EXPECT_TRUE((*connection)->WaitClosed(30));
  EXPECT_EQ(balancer_->stats().connections - connections_before, 1);
  EXPECT_EQ(balancer_->forwarded(), requests + 1);
}

TEST_F(EdgeBalancerTest, Http10ClosesAfterOneResponse) {
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)->SendRaw("GET /?user=bob HTTP/1.0\r\n\r\n").ok());
  auto reply = (*connection)->ReadResponse();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 200);
  EXPECT_TRUE(reply->server_closes);
  EXPECT_TRUE((*connection)->WaitClosed(30));
}

TEST_F(EdgeBalancerTest, MalformedAndChunkedRequestsAreRefused) {
  for (const auto& [raw, status] : std::vector<std::pair<std::string, int>>{
           {"NONSENSE\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501}}) {
    auto connection = HttpConnection::Connect(balancer_->port());
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->SendRaw(raw).ok());
    auto reply = (*connection)->ReadResponse();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->status, status) << raw;
    EXPECT_TRUE((*connection)->WaitClosed(30));
  }
}

// Two workers, a 1 s read timeout: two clients that start a request and
// never finish it occupy both workers, yet a third client is served once
// the timeout drops them (not before: the pool is full), and they get 408
// and a closed connection.
TEST_F(EdgeBalancerTest, StalledClientsAreDroppedAfterTheReadTimeout) {
  StartServers({.workers = 2, .read_timeout_s = 1.0, .idle_timeout_s = 60});
  ASSERT_TRUE(balancer_->Reload(Config(state_.current)).ok());
  std::vector<std::unique_ptr<HttpConnection>> stalled;
  for (int i = 0; i < 2; ++i) {
    auto connection = HttpConnection::Connect(balancer_->port());
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->SendRaw("GET /feed HTTP/1.1\r\nCookie: taiji").ok());
    stalled.push_back(std::move(connection).value());
  }
  // Both workers take a stalled connection (peak_active is monotonic, so a
  // slow machine cannot miss it).
  for (int wait = 0; wait < 2000 && balancer_->stats().peak_active < 2; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(balancer_->stats().peak_active, 2);
  auto served = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(served.ok());
  auto reply = (*served)->Get("/feed", "taiji_bucket=7");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(DcOf(reply->body), state_.dcs[config_.dc_of_bucket[0][7]].name);
  for (auto& connection : stalled) {
    auto timeout_reply = connection->ReadResponse();
    ASSERT_TRUE(timeout_reply.ok()) << timeout_reply.status();
    EXPECT_EQ(timeout_reply->status, 408);
    EXPECT_TRUE(connection->WaitClosed(30));
  }
  const ServerStats stats = balancer_->stats();
  EXPECT_EQ(stats.timeouts, 2);
  EXPECT_LE(stats.peak_active, 2);
  EXPECT_EQ(balancer_->forwarded(), 1);
}

// A client that connects and sends nothing is dropped by the same timeout.
TEST_F(EdgeBalancerTest, SilentClientIsDropped) {
  StartServers({.workers = 1, .read_timeout_s = 0.2});
  auto silent = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(silent.ok());
  EXPECT_TRUE((*silent)->WaitClosed(30));
  EXPECT_EQ(balancer_->stats().timeouts, 1);
  auto reply = HttpGet(balancer_->port(), "/?user=carol", "");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_NE(reply->find("200 OK"), std::string::npos);
}

// 40 concurrent keep-alive clients, 4 workers: never more than 4
// connections are served at once, idle keep-alive connections give their
// worker up to waiting ones, and every request is answered correctly.
TEST_F(EdgeBalancerTest, ConcurrencyIsBounded) {
  StartServers({.workers = 4, .read_timeout_s = 30, .idle_timeout_s = 30});
  ASSERT_TRUE(balancer_->Reload(Config(state_.current)).ok());
  std::atomic<int> wrong{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 40; ++c) {
    clients.emplace_back([&, c] {
      for (int round = 0; round < 3; ++round) {
        auto connection = HttpConnection::Connect(balancer_->port());
        if (!connection.ok()) {
          ++failed;
          continue;
        }
        for (int k = 0; k < 5; ++k) {
          const int bucket = (c * 7 + round * 5 + k) % (1 << kHeight);
          auto reply = (*connection)->Get("/feed", "taiji_bucket=" + std::to_string(bucket));
          if (!reply.ok()) {
            // The server may close an idle keep-alive connection between
            // requests to serve waiting clients: reconnect and retry.
            auto again = HttpConnection::Connect(balancer_->port());
            if (!again.ok()) {
              ++failed;
              break;
            }
            *connection = std::move(again).value();
            reply = (*connection)->Get("/feed", "taiji_bucket=" + std::to_string(bucket));
            if (!reply.ok()) {
              ++failed;
              break;
            }
          }
          wrong += DcOf(reply->body) != state_.dcs[config_.dc_of_bucket[0][bucket]].name;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  const ServerStats stats = balancer_->stats();
  EXPECT_LE(stats.peak_active, 4);
  EXPECT_EQ(stats.peak_active, 4);  // the pool was actually used in full
  EXPECT_GE(stats.requests, 40 * 3 * 5);
  std::printf(
      "40 clients x 3 connections x 5 requests, 4 workers: peak_active=%ld "
      "connections=%ld idle_closed=%ld\n",
      static_cast<long>(stats.peak_active), static_cast<long>(stats.connections),
      static_cast<long>(stats.idle_closed));
}

// One worker: an idle keep-alive connection gives the worker up as soon as
// another connection waits, long before its 60 s idle timeout.
TEST_F(EdgeBalancerTest, IdleKeepAliveYieldsToWaitingClients) {
  StartServers({.workers = 1, .read_timeout_s = 30, .idle_timeout_s = 60});
  auto idle = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(idle.ok());
  auto first = (*idle)->Get("/?user=dave", "");
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->server_closes);
  const auto start = std::chrono::steady_clock::now();
  auto reply = HttpGet(balancer_->port(), "/?user=erin", "");
  const double waited =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_NE(reply->find("200 OK"), std::string::npos);
  EXPECT_LT(waited, 20.0);
  EXPECT_TRUE((*idle)->WaitClosed(30));
  EXPECT_EQ(balancer_->stats().idle_closed, 1);
}

// Beyond the pending queue, connections get 503 instead of waiting.
TEST_F(EdgeBalancerTest, OverloadIsRefusedWith503) {
  StartServers({.workers = 1, .max_pending = 1, .read_timeout_s = 30});
  std::vector<std::unique_ptr<HttpConnection>> holders;
  // One stalled connection holds the worker, then one waits in the queue.
  auto wait_for = [&](auto condition) {
    for (int wait = 0; wait < 4000 && !condition(); ++wait) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return condition();
  };
  for (int i = 0; i < 2; ++i) {
    auto connection = HttpConnection::Connect(balancer_->port());
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->SendRaw("GET / HTTP/1.1\r\n").ok());
    holders.push_back(std::move(connection).value());
    ASSERT_TRUE(wait_for([&] { return balancer_->stats().connections >= i + 1; }));
    ASSERT_TRUE(wait_for([&] { return balancer_->stats().active == 1; }));
  }
  auto third = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(third.ok());
  auto reply = (*third)->ReadResponse();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 503);
  EXPECT_EQ(balancer_->stats().overloaded, 1);
}

}  // namespace
}  // namespace syskit::route
