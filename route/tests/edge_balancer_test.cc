#include "syskit/route/edge_balancer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "syskit/core/random.h"
#include "syskit/route/instances.h"
#include "syskit/route/segment_assignment.h"

namespace syskit::route {
namespace {

// FNV-1a (64 bit) of a body: the echo backend reports it, the test computes
// it on what it sent.
uint64_t Fnv(const std::string& data) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string LowerCase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A DC backend independent of the balancer's HTTP code (blocking sockets, a
// thread per connection, keep-alive): it frames each request by its
// Content-Length only and answers "bytes=<n> fnv=<hash> te=<0|1>
// cl=<Content-Length or ->", so a test sees exactly the body that arrived
// and whether a Transfer-Encoding header got through. Modes: drop the next
// request without a reply (closing the connection), answer with
// "Connection: close", answer with a chunked body.
class EchoBackend {
 public:
  EchoBackend() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::abort();
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] {
      for (;;) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (stop_.load()) {
          if (fd >= 0) ::close(fd);
          return;
        }
        if (fd < 0) {
          if (errno == EINTR || errno == ECONNABORTED) continue;
          return;
        }
        std::lock_guard<std::mutex> lock(mutex_);
        ++connections_;
        fds_.push_back(fd);
        threads_.emplace_back([this, fd] { Serve(fd); });
      }
    });
  }
  ~EchoBackend() {
    stop_.store(true);
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    for (auto& thread : threads_) thread.join();
    for (int fd : fds_) ::close(fd);
    ::close(listen_fd_);
  }
  uint16_t port() const { return port_; }
  int connections() {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_;
  }
  int requests() const { return requests_.load(); }
  std::atomic<bool> drop_next{false}, close_each{false}, chunked_reply{false};

 private:
  void Serve(int fd) {
    std::string buffer;
    auto receive = [&] {
      char chunk[65536];
      const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
      if (got > 0) buffer.append(chunk, static_cast<size_t>(got));
      return got > 0;
    };
    for (;;) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        if (!receive()) return;
      }
      const std::string head = LowerCase(buffer.substr(0, head_end + 2));
      size_t length = 0;
      std::string length_text = "-";
      const size_t at = head.find("\r\ncontent-length:");
      if (at != std::string::npos) {
        length = std::strtoull(head.c_str() + at + 17, nullptr, 10);
        length_text = std::to_string(length);
      }
      const bool te = head.find("\r\ntransfer-encoding:") != std::string::npos;
      while (buffer.size() < head_end + 4 + length) {
        if (!receive()) return;
      }
      const std::string body = buffer.substr(head_end + 4, length);
      buffer.erase(0, head_end + 4 + length);
      ++requests_;
      if (drop_next.exchange(false)) {
        ::shutdown(fd, SHUT_RDWR);  // no reply at all
        return;
      }
      char text[160];
      std::snprintf(text, sizeof(text), "bytes=%zu fnv=%016llx te=%d cl=%s\n", body.size(),
                    static_cast<unsigned long long>(Fnv(body)), te ? 1 : 0, length_text.c_str());
      const std::string payload = text;
      std::string reply = "HTTP/1.1 200 OK\r\n";
      if (close_each.load()) reply += "Connection: close\r\n";
      if (chunked_reply.load()) {
        const size_t half = payload.size() / 2;
        char sizes[64];
        std::snprintf(sizes, sizeof(sizes), "%zx;ext=1\r\n", half);
        reply += "Transfer-Encoding: chunked\r\n\r\n" + std::string(sizes) +
                 payload.substr(0, half) + "\r\n";
        std::snprintf(sizes, sizeof(sizes), "%zX\r\n", payload.size() - half);
        reply += sizes + payload.substr(half) + "\r\n0\r\nX-Trailer: t\r\n\r\n";
      } else {
        reply += "Content-Length: " + std::to_string(payload.size()) + "\r\n\r\n" + payload;
      }
      for (size_t sent = 0; sent < reply.size();) {
        const ssize_t n = ::send(fd, reply.data() + sent, reply.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
      }
      if (close_each.load()) {
        ::shutdown(fd, SHUT_RDWR);
        return;
      }
    }
  }

  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::mutex mutex_;
  int connections_ = 0;
  std::vector<int> fds_;
  std::vector<std::thread> threads_;
};

// The reply the echo backend gives for `body` sent with a Content-Length.
std::string EchoOf(const std::string& body) {
  char text[160];
  std::snprintf(text, sizeof(text), "bytes=%zu fnv=%016llx te=0 cl=%zu\n", body.size(),
                static_cast<unsigned long long>(Fnv(body)), body.size());
  return text;
}

// Encodes `body` in the chunked coding with random chunk sizes (1..max),
// hex digits in mixed case, some chunk extensions, and a trailer section.
std::string Chunked(const std::string& body, Random* random, size_t max_chunk) {
  std::string out;
  for (size_t at = 0; at < body.size();) {
    const size_t size = std::min(body.size() - at, 1 + random->Uniform(max_chunk));
    char line[64];
    std::snprintf(line, sizeof(line), random->Uniform(2) ? "%zx" : "%zX", size);
    out += line;
    if (random->Uniform(4) == 0) out += " ;name=\"v;al\";flag";
    out += "\r\n" + body.substr(at, size) + "\r\n";
    at += size;
  }
  return out + "0\r\nX-Checksum: 1234\r\nX-Other: y\r\n\r\n";
}

std::string RandomBody(Random* random, size_t size) {
  std::string body(size, '\0');
  for (char& c : body) c = static_cast<char>(random->Uniform(256));
  return body;
}

// An edge balancer whose nearest (and only) DC is an echo backend.
class EdgeEchoTest : public ::testing::Test {
 protected:
  void SetUp() override { StartEdge({}); }
  void StartEdge(EdgeBalancerOptions options) {
    balancer_.reset();
    options.edge = "edge0";
    options.nearest_dc = "echo";
    options.backends["echo"] = {"127.0.0.1", backend_.port()};
    auto balancer = EdgeBalancer::Start(options);
    ASSERT_TRUE(balancer.ok()) << balancer.status();
    balancer_ = std::move(balancer).value();
  }
  // Sends raw bytes on a fresh connection and reads one response.
  HttpResponse Exchange(const std::string& raw) {
    auto connection = HttpConnection::Connect(balancer_->port());
    EXPECT_TRUE(connection.ok());
    EXPECT_TRUE((*connection)->SendRaw(raw).ok());
    auto reply = (*connection)->ReadResponse();
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? *reply : HttpResponse{};
  }

  EchoBackend backend_;
  std::unique_ptr<EdgeBalancer> balancer_;
};

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

TEST_F(EdgeBalancerTest, MalformedRequestsAreRefused) {
  for (const auto& [raw, status] : std::vector<std::pair<std::string, int>>{
           {"NONSENSE\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nContent-Length: +1\r\n\r\nx", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400},
           {"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n", 413},
           // Framing a DC behind the edge could read differently (request
           // smuggling into a pooled upstream connection): all refused.
           {"POST / HTTP/1.1\r\nContent-Length : 5\r\n\r\nhello", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nX: a\nTransfer-Encoding: chunked\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400},
           {"GET / HTTP/1.1\r\nX: a\rb\r\n\r\n", 400},
           {std::string("GET / HTTP/1.1\r\nX: a\0b\r\n\r\n", 26), 400},
           {"GET /a\x01b HTTP/1.1\r\n\r\n", 400},
           {"GET /a b HTTP/1.1\r\n\r\n", 400},
           {"G(T / HTTP/1.1\r\n\r\n", 400}}) {
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

// --- Chunked request bodies (RFC 9112 7.1) ---------------------------------

TEST_F(EdgeEchoTest, ChunkedPostArrivesAtTheDcIntact) {
  Random random(7);
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{200000}}) {
    const std::string body = RandomBody(&random, size);
    ASSERT_TRUE((*connection)
                    ->SendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                              "Trailer: X-Checksum\r\n\r\n" +
                              Chunked(body, &random, 9000))
                    .ok());
    auto reply = (*connection)->ReadResponse();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->status, 200);
    EXPECT_FALSE(reply->server_closes);
    // De-chunked, forwarded with a Content-Length and no Transfer-Encoding.
    EXPECT_EQ(reply->body, EchoOf(body)) << size;
  }
  EXPECT_EQ(backend_.requests(), 4);
}

// The same request trickles in 1-17 bytes at a time (each piece its own
// segment: TCP_NODELAY, with pauses), so the edge decodes it over many reads.
TEST_F(EdgeEchoTest, ChunkedBodySplitAcrossManyReads) {
  Random random(8);
  const std::string body = RandomBody(&random, 6000);
  const std::string raw =
      "PUT /split HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunked(body, &random, 300);
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  int pieces = 0;
  for (size_t at = 0; at < raw.size(); ++pieces) {
    const size_t size = std::min(raw.size() - at, 1 + random.Uniform(17));
    ASSERT_TRUE((*connection)->SendRaw(raw.substr(at, size)).ok());
    at += size;
    if (pieces % 8 == 0) std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  auto reply = (*connection)->ReadResponse();
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, EchoOf(body));
  EXPECT_GT(pieces, 500);
}

TEST_F(EdgeEchoTest, MalformedChunkedFramingIsRefused) {
  const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const auto& [raw, status] : std::vector<std::pair<std::string, int>>{
           {chunked + "zz\r\nhello\r\n0\r\n\r\n", 400},                      // bad hex
           {chunked + "\r\nhello\r\n0\r\n\r\n", 400},                        // no size
           {chunked + "-5\r\nhello\r\n0\r\n\r\n", 400},                      // sign
           {chunked + "1 2\r\nhello\r\n0\r\n\r\n", 400},                     // junk after size
           {chunked + "5\nhello\r\n0\r\n\r\n", 400},                         // bare LF
           {chunked + "5\r\nhelloXY0\r\n\r\n", 400},                         // no CRLF after data
           {chunked + "5\r\nhello\r\n0\r\nno colon\r\n\r\n", 400},           // bad trailer
           {chunked + std::string(5000, '0') + "1\r\nx\r\n0\r\n\r\n", 400},  // endless line
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"
            "5\r\nhello\r\n0\r\n\r\n",
            400},  // both framings (RFC 9112 6.3)
           {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
           {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
       }) {
    auto connection = HttpConnection::Connect(balancer_->port());
    ASSERT_TRUE(connection.ok());
    ASSERT_TRUE((*connection)->SendRaw(raw).ok());
    auto reply = (*connection)->ReadResponse();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->status, status) << raw.substr(0, 120);
    EXPECT_TRUE(reply->server_closes);
    EXPECT_TRUE((*connection)->WaitClosed(30));
  }
  EXPECT_EQ(backend_.requests(), 0);  // nothing malformed was forwarded
}

// The 16 MiB body limit of Content-Length holds for chunked bodies: a
// declared chunk beyond it, an overflowing size, and chunks that only add
// up past it (after 16 MiB - 1 bytes were accepted).
TEST_F(EdgeEchoTest, OversizedChunkedBodyIs413) {
  const std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& raw :
       {chunked + "1000001\r\n", chunked + "fffffffffffffffffffff\r\n",
        chunked + "ffffff\r\n" + std::string(0xffffff, 'a') + "\r\n2\r\nbb\r\n0\r\n\r\n"}) {
    const HttpResponse reply = Exchange(raw);
    EXPECT_EQ(reply.status, 413) << raw.substr(0, 80);
    EXPECT_TRUE(reply.server_closes);
  }
  // Exactly at the limit is accepted.
  const HttpResponse at_limit =
      Exchange(chunked + "ffffff\r\n" + std::string(0xffffff, 'a') + "\r\n1\r\nb\r\n0\r\n\r\n");
  EXPECT_EQ(at_limit.status, 200);
  EXPECT_EQ(at_limit.body, EchoOf(std::string(0xffffff, 'a') + "b"));
  EXPECT_EQ(backend_.requests(), 1);
}

// Chunked and plain requests pipelined in one write on a keep-alive
// connection: each is framed correctly (the trailer and the next request
// are not confused) and answered in order.
TEST_F(EdgeEchoTest, PipelinedChunkedAndPlainRequests) {
  Random random(9);
  const std::string a = RandomBody(&random, 3000), b = RandomBody(&random, 77),
                    c = RandomBody(&random, 1);
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  ASSERT_TRUE((*connection)
                  ->SendRaw("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                            Chunked(a, &random, 500) + "GET /plain HTTP/1.1\r\n\r\n" +
                            "POST /b HTTP/1.1\r\nContent-Length: 77\r\n\r\n" + b +
                            "POST /c HTTP/1.1\r\ntransfer-encoding:  Chunked \r\n\r\n" +
                            Chunked(c, &random, 5) + "GET /last HTTP/1.1\r\n\r\n")
                  .ok());
  const std::vector<std::string> expected = {EchoOf(a), "bytes=0 fnv=cbf29ce484222325 te=0 cl=-\n",
                                             EchoOf(b), EchoOf(c),
                                             "bytes=0 fnv=cbf29ce484222325 te=0 cl=-\n"};
  for (const std::string& want : expected) {
    auto reply = (*connection)->ReadResponse();
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->body, want);
  }
  EXPECT_EQ(balancer_->stats().connections, 1);
  EXPECT_EQ(backend_.requests(), 5);
}

// --- Upstream connection reuse ----------------------------------------------

// A chunked reply from the DC reaches the client de-chunked, with a
// Content-Length, and the upstream connection is reused after it.
TEST_F(EdgeEchoTest, ChunkedReplyIsDecodedAndTheConnectionReused) {
  backend_.chunked_reply.store(true);
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  for (int i = 0; i < 5; ++i) {
    auto reply = (*connection)->Get("/x", "");
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->body, "bytes=0 fnv=cbf29ce484222325 te=0 cl=-\n");
    EXPECT_NE(reply->head.find("Content-Length: 39"), std::string::npos) << reply->head;
    EXPECT_EQ(reply->head.find("Transfer-Encoding"), std::string::npos) << reply->head;
  }
  EXPECT_EQ(backend_.connections(), 1);
  EXPECT_EQ(balancer_->stats().upstream_reuses, 4);
}

// A pooled connection the DC closes right after reading the request (no
// reply byte): an idempotent request is retried once on a fresh connection;
// a POST is never sent on a pooled connection and never retried.
TEST_F(EdgeEchoTest, FailureOnAReusedConnectionIsRetriedOnlyIfIdempotent) {
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  ASSERT_EQ((*connection)->Get("/warm", "")->status, 200);
  backend_.drop_next.store(true);
  auto retried = (*connection)->Get("/again", "");
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->status, 200);
  ServerStats stats = balancer_->stats();
  EXPECT_EQ(stats.upstream_retries, 1);
  EXPECT_EQ(stats.upstream_connects, 2);
  EXPECT_EQ(stats.upstream_reuses, 1);
  EXPECT_EQ(backend_.requests(), 3);

  // A POST never takes a pooled connection (it could not be retried if the
  // DC had just closed it): it goes on a fresh one; when the DC drops that
  // one too, the client gets 502 and the DC saw the POST once.
  backend_.drop_next.store(true);
  ASSERT_TRUE((*connection)->SendRaw("POST /once HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc").ok());
  auto refused = (*connection)->ReadResponse();
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->status, 502);
  EXPECT_EQ(backend_.requests(), 4);  // sent once, never twice
  stats = balancer_->stats();
  EXPECT_EQ(stats.upstream_retries, 1);
  EXPECT_EQ(stats.upstream_reuses, 1);
  EXPECT_EQ(stats.upstream_connects, 3);
  auto after = (*connection)->Get("/after", "");  // reuses the retried GET's connection
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(balancer_->stats().upstream_connects, 3);
  EXPECT_EQ(balancer_->stats().upstream_reuses, 2);
}

TEST_F(EdgeEchoTest, NoReuseAfterConnectionCloseIdleTimeoutOrWithoutAPool) {
  backend_.close_each.store(true);  // the DC says "Connection: close"
  for (int i = 0; i < 4; ++i) EXPECT_EQ(Exchange("GET / HTTP/1.1\r\n\r\n").status, 200);
  EXPECT_EQ(balancer_->stats().upstream_connects, 4);
  EXPECT_EQ(balancer_->stats().upstream_reuses, 0);
  backend_.close_each.store(false);

  EdgeBalancerOptions short_idle;
  short_idle.upstream_idle_timeout_s = 2.0;  // long enough for two exchanges on a loaded machine
  StartEdge(short_idle);
  EXPECT_EQ(Exchange("GET / HTTP/1.1\r\n\r\n").status, 200);
  EXPECT_EQ(Exchange("GET / HTTP/1.1\r\n\r\n").status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  EXPECT_EQ(Exchange("GET / HTTP/1.1\r\n\r\n").status, 200);
  EXPECT_EQ(balancer_->stats().upstream_connects, 2);  // reused once, then expired
  EXPECT_EQ(balancer_->stats().upstream_reuses, 1);

  EdgeBalancerOptions no_pool;
  no_pool.upstream_pool_size = 0;
  StartEdge(no_pool);
  const int before = backend_.connections();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(Exchange("GET / HTTP/1.1\r\n\r\n").status, 200);
  EXPECT_EQ(backend_.connections() - before, 6);
  EXPECT_EQ(balancer_->stats().upstream_reuses, 0);
}

// N sequential requests (over one keep-alive client connection and over
// new client connections) cause one or two upstream connections, counted
// where they arrive: the frontend's accepted connections. The frontend
// then restarts on the same port; the edge notices its pooled connection
// is dead and carries on.
TEST_F(EdgeBalancerTest, UpstreamConnectionsAreReusedAndSurviveABackendRestart) {
  constexpr int kRequests = 150;
  auto connection = HttpConnection::Connect(balancer_->port());
  ASSERT_TRUE(connection.ok());
  for (int i = 0; i < kRequests; ++i) {
    const std::string target = "/?user=u" + std::to_string(i);
    if (i % 3 == 0) {
      auto reply = HttpGet(balancer_->port(), target, "");
      ASSERT_TRUE(reply.ok()) << reply.status();
      ASSERT_NE(reply->find("dc=dc1 "), std::string::npos) << *reply;
    } else {
      auto reply = (*connection)->Get(target, "");
      ASSERT_TRUE(reply.ok()) << reply.status();
      ASSERT_EQ(DcOf(reply->body), "dc1");
    }
  }
  EXPECT_EQ(frontends_[1]->requests(), kRequests);
  EXPECT_LE(frontends_[1]->stats().connections, 2);
  ServerStats stats = balancer_->stats();
  EXPECT_EQ(stats.upstream_connects + stats.upstream_reuses, kRequests);
  EXPECT_GE(stats.upstream_reuses, kRequests - 2);
  std::printf(
      "%d sequential requests: %ld upstream connections accepted by the frontend, %ld "
      "reuses\n",
      kRequests, static_cast<long>(frontends_[1]->stats().connections),
      static_cast<long>(stats.upstream_reuses));

  const uint16_t port = frontends_[1]->port();
  frontends_[1].reset();  // closes its end of the pooled connection
  auto restarted = FrontendServer::Start("dc1", kHeight, port);
  ASSERT_TRUE(restarted.ok()) << restarted.status();
  frontends_[1] = std::move(restarted).value();
  for (int i = 0; i < 50; ++i) {
    auto reply = (*connection)->Get("/?user=v" + std::to_string(i), "");
    ASSERT_TRUE(reply.ok()) << reply.status();
    ASSERT_EQ(reply->status, 200);
    ASSERT_EQ(DcOf(reply->body), "dc1");
  }
  EXPECT_EQ(frontends_[1]->requests(), 50);
  EXPECT_LE(frontends_[1]->stats().connections, 2);
  stats = balancer_->stats();
  EXPECT_EQ(stats.upstream_connects + stats.upstream_reuses, kRequests + 50);
}

}  // namespace
}  // namespace syskit::route
