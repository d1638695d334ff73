// HTTP/1.1 edge load balancer and frontend (see edge_balancer.h) on POSIX
// sockets: an acceptor thread feeds a bounded queue, a fixed pool of worker
// threads serves connections (keep-alive loop), and every read waits with
// poll() against a deadline, in slices short enough to notice shutdown and
// waiting connections. The routing configuration lives behind an atomic
// shared_ptr, so a reload never blocks or tears a request in flight.
#include "syskit/route/edge_balancer.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <mutex>
#include <sstream>
#include <string_view>
#include <vector>

#include "http_request.h"

namespace syskit::route {
namespace {

using namespace internal;  // the request parser (http_request.h)
using Clock = std::chrono::steady_clock;

constexpr int kSliceMs = 50;  // poll slice: shutdown and queue checks

Clock::time_point After(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

int MillisLeft(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

enum class ReadOutcome { kData, kClosed, kTimeout, kStop, kYield };

// Waits until fd is readable, then appends what is there to *buffer.
// kYield: `yield()` was true after a slice without data (if given).
ReadOutcome ReadMore(int fd, std::string* buffer, Clock::time_point deadline,
                     const std::atomic<bool>* stop, const std::function<bool()>& yield) {
  for (;;) {
    if (stop != nullptr && stop->load()) return ReadOutcome::kStop;
    const int left = MillisLeft(deadline);
    if (left <= 0) return ReadOutcome::kTimeout;
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, std::min(left, kSliceMs));
    if (ready < 0 && errno != EINTR) return ReadOutcome::kClosed;
    // Yield only after a quiet slice, so a client that sends its next
    // request right away keeps its connection.
    if (ready == 0 && yield && yield()) return ReadOutcome::kYield;
    if (ready <= 0) continue;
    char chunk[16384];
    const ssize_t got = ::recv(fd, chunk, sizeof(chunk), 0);
    if (got > 0) {
      buffer->append(chunk, static_cast<size_t>(got));
      return ReadOutcome::kData;
    }
    if (got == 0) return ReadOutcome::kClosed;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return ReadOutcome::kClosed;
  }
}

// Sends everything before the deadline (the socket may be non-blocking).
bool SendAll(int fd, const std::string& data, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return false;
    const int left = MillisLeft(deadline);
    if (left <= 0) return false;
    pollfd p{fd, POLLOUT, 0};
    ::poll(&p, 1, left);
  }
  return true;
}

std::string SimpleResponse(int code, const std::string& reason, const std::string& body,
                           bool keep_alive, const std::string& extra_headers = "") {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}Connection: "
      "{}\r\n\r\n{}",
      code, reason, body.size(), extra_headers, keep_alive ? "keep-alive" : "close", body);
}

// The server core shared by the edge and the frontend: `handle` turns one
// parsed request into a complete response (which must say Connection:
// keep-alive or close as asked).
class Server {
 public:
  using Handler = std::function<std::string(const Request&, bool keep_alive)>;

  Status Start(uint16_t port, const ServerOptions& options, Handler handle) {
    if (options.workers < 1 || options.max_pending < 0 || !(options.read_timeout_s > 0) ||
        !(options.idle_timeout_s > 0) || !(options.upstream_timeout_s > 0) ||
        options.max_requests_per_connection < 1) {
      return InvalidArgumentError("server options: need workers >= 1 and positive timeouts");
    }
    options_ = options;
    handle_ = std::move(handle);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) return IOError(fmt::format("socket: {}", std::strerror(errno)));
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        ::listen(listen_fd_, SOMAXCONN) != 0) {
      const std::string message = std::strerror(errno);
      ::close(listen_fd_);
      listen_fd_ = -1;
      return IOError(fmt::format("bind 127.0.0.1:{}: {}", port, message));
    }
    socklen_t length = sizeof(address);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    for (int w = 0; w < options_.workers; ++w) workers_.emplace_back([this] { WorkerLoop(); });
    acceptor_ = std::thread([this] { AcceptLoop(); });
    return Status::OK();
  }

  ~Server() {
    {
      std::lock_guard<std::mutex> lock(mutex_);  // no lost wakeup of a worker
      stopping_.store(true);
    }
    if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    if (acceptor_.joinable()) acceptor_.join();
    cv_.notify_all();
    for (auto& worker : workers_) worker.join();
    for (int fd : queue_) ::close(fd);
    if (listen_fd_ >= 0) ::close(listen_fd_);
  }

  uint16_t port() const { return port_; }
  const ServerOptions& options() const { return options_; }
  const std::atomic<bool>& stopping() const { return stopping_; }

  ServerStats stats() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_;
  }

 private:
  void AcceptLoop() {
    for (;;) {
      // Non-blocking: ReadMore and SendAll poll with deadlines, so a client
      // that stops reading cannot pin a worker inside send().
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (stopping_.load()) {
        if (fd >= 0) ::close(fd);
        return;
      }
      if (fd < 0) {
        // Only stopping ends the loop: accept(2) also passes through
        // per-connection network errors (EPROTO, ENETDOWN, ...) and
        // resource shortages; back off briefly on the latter and go on.
        if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN) ::usleep(10000);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      std::unique_lock<std::mutex> lock(mutex_);
      ++stats_.connections;
      if (static_cast<int>(queue_.size()) >= options_.max_pending) {
        ++stats_.overloaded;
        lock.unlock();
        SendAll(fd, SimpleResponse(503, "Service Unavailable", "overloaded\n", false), After(0.05));
        ::close(fd);
        continue;
      }
      queue_.push_back(fd);
      pending_.store(static_cast<int>(queue_.size()));
      lock.unlock();
      cv_.notify_one();
    }
  }

  void WorkerLoop() {
    for (;;) {
      int fd = -1;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        cv_.wait(lock, [&] { return stopping_.load() || !queue_.empty(); });
        if (stopping_.load()) return;
        fd = queue_.front();
        queue_.pop_front();
        pending_.store(static_cast<int>(queue_.size()));
        stats_.peak_active = std::max(stats_.peak_active, ++stats_.active);
      }
      Serve(fd);
      ::close(fd);
      std::lock_guard<std::mutex> lock(mutex_);
      --stats_.active;
    }
  }

  void Count(int64_t ServerStats::*field) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++(stats_.*field);
  }

  // The keep-alive loop of one connection.
  void Serve(int fd) {
    std::string buffer;
    const std::function<bool()> others_waiting = [this] { return pending_.load() > 0; };
    for (int served = 0; served < options_.max_requests_per_connection; ++served) {
      // Wait for the first byte of the next request (unless it is already
      // buffered): the first request within the read timeout, later ones
      // within the idle timeout, giving the worker up if others wait.
      if (buffer.empty()) {
        const ReadOutcome idle = ReadMore(
            fd, &buffer, After(served == 0 ? options_.read_timeout_s : options_.idle_timeout_s),
            &stopping_, served > 0 ? others_waiting : nullptr);
        if (idle == ReadOutcome::kTimeout && served == 0) {
          Count(&ServerStats::timeouts);
          return;
        }
        if (idle == ReadOutcome::kTimeout || idle == ReadOutcome::kYield) {
          Count(&ServerStats::idle_closed);
          return;
        }
        if (idle != ReadOutcome::kData) return;
      }
      const Clock::time_point deadline = After(options_.read_timeout_s);
      RequestParser parser;
      Parse parsed;
      while ((parsed = ParseRequest(&buffer, &parser)) == Parse::kNeedMore) {
        const ReadOutcome more = ReadMore(fd, &buffer, deadline, &stopping_, nullptr);
        if (more == ReadOutcome::kTimeout) {
          Count(&ServerStats::timeouts);
          SendAll(fd, SimpleResponse(408, "Request Timeout", "request timeout\n", false),
                  After(0.1));
          return;
        }
        if (more != ReadOutcome::kData) return;
      }
      if (parsed != Parse::kOk) {
        const std::string response =
            parsed == Parse::kTooLarge
                ? SimpleResponse(413, "Content Too Large", "request too large\n", false)
            : parsed == Parse::kUnsupported
                ? SimpleResponse(501, "Not Implemented", "only the chunked transfer coding\n",
                                 false)
                : SimpleResponse(400, "Bad Request", "malformed request\n", false);
        SendAll(fd, response, After(options_.read_timeout_s));
        Count(&ServerStats::requests);
        return;
      }
      const Request& request = parser.request;
      const bool keep_alive = request.keep_alive && !stopping_.load() &&
                              served + 1 < options_.max_requests_per_connection;
      const std::string response = handle_(request, keep_alive);
      Count(&ServerStats::requests);
      if (!SendAll(fd, response, After(options_.read_timeout_s)) || !keep_alive) return;
    }
  }

  ServerOptions options_;
  Handler handle_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<int> queue_;
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  ServerStats stats_;
};

// A connected TCP socket to host:port, or -1 (connect bounded by the
// deadline).
int ConnectTo(const std::string& host, uint16_t port, Clock::time_point deadline) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return -1;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS) {
      ::close(fd);
      return -1;
    }
    pollfd p{fd, POLLOUT, 0};
    int error = 0;
    socklen_t length = sizeof(error);
    if (::poll(&p, 1, MillisLeft(deadline)) != 1 ||
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
      ::close(fd);
      return -1;
    }
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Value of header `name` (lower case) in a head, or "".
std::string HeaderValue(const std::string& head, const std::string& name) {
  for (size_t start = head.find("\r\n"); start != std::string::npos && start + 2 < head.size();) {
    const size_t end = head.find("\r\n", start + 2);
    const std::string line = head.substr(start + 2, end - start - 2);
    start = end;
    const size_t colon = line.find(':');
    if (colon != std::string::npos && Lower(line.substr(0, colon)) == name) {
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      value.erase(value.find_last_not_of(" \t") + 1);
      return value;
    }
  }
  return "";
}

// One reply of a DC, its body de-chunked.
struct UpstreamReply {
  int status = 0;
  std::string head;  // status line and headers, each line ending in \r\n
  std::string body;
  bool reusable = false;  // the connection may carry another request
};

enum class Exchange {
  kOk,
  kNoReply,  // the connection failed (error or closed) before any reply byte
  kFailed,   // timeout, a broken or unsupported reply, or shutdown
};

// Sends one request on an upstream connection and reads the DC's complete
// reply, framed by Content-Length, the chunked coding or the end of the
// stream (then not reusable); interim 1xx replies are skipped.
Exchange ExchangeUpstream(int fd, const std::string& forward, bool head_request,
                          Clock::time_point deadline, const std::atomic<bool>* stop,
                          UpstreamReply* reply) {
  if (!SendAll(fd, forward, deadline)) {
    return MillisLeft(deadline) > 0 ? Exchange::kNoReply : Exchange::kFailed;
  }
  std::string in;
  bool received = false;
  auto read_more = [&]() -> ReadOutcome {
    const ReadOutcome got = ReadMore(fd, &in, deadline, stop, nullptr);
    received = received || got == ReadOutcome::kData;
    return got;
  };
  for (;;) {
    size_t head_end;
    while ((head_end = in.find("\r\n\r\n")) == std::string::npos) {
      if (in.size() > kMaxHead) return Exchange::kFailed;
      const ReadOutcome got = read_more();
      if (got == ReadOutcome::kClosed && !received) return Exchange::kNoReply;
      if (got != ReadOutcome::kData) return Exchange::kFailed;
    }
    reply->head = in.substr(0, head_end + 2);
    in.erase(0, head_end + 4);
    if (reply->head.rfind("HTTP/1.", 0) != 0 || reply->head.size() < 12) return Exchange::kFailed;
    reply->status = std::atoi(reply->head.c_str() + 9);
    if (reply->status < 100 || reply->status > 999 || reply->status == 101) {
      return Exchange::kFailed;  // never asked for an upgrade
    }
    if (reply->status >= 200) break;
  }
  const bool http11 = reply->head.compare(0, 8, "HTTP/1.1") == 0;
  const bool server_closes =
      Lower(HeaderValue(reply->head, "connection")).find("close") != std::string::npos;
  const std::string coding = Lower(HeaderValue(reply->head, "transfer-encoding"));
  const std::string length = HeaderValue(reply->head, "content-length");
  bool to_end = false;
  if (head_request || reply->status == 204 || reply->status == 304) {
    // No body, whatever the head says.
  } else if (!coding.empty()) {
    if (coding != "chunked") return Exchange::kFailed;  // not relayed (502)
    ChunkDecoder chunks;
    for (;;) {
      const ChunkDecoder::Step step = chunks.Consume(&in, &reply->body, kMaxBody);
      if (step == ChunkDecoder::Step::kDone) break;
      if (step != ChunkDecoder::Step::kNeedMore || read_more() != ReadOutcome::kData) {
        return Exchange::kFailed;
      }
    }
  } else if (!length.empty()) {
    char* end = nullptr;
    const unsigned long long size = std::strtoull(length.c_str(), &end, 10);
    if (!std::isdigit(static_cast<unsigned char>(length[0])) || *end != '\0' || size > kMaxBody) {
      return Exchange::kFailed;
    }
    while (in.size() < size) {
      if (read_more() != ReadOutcome::kData) return Exchange::kFailed;
    }
    reply->body = in.substr(0, size);
    in.erase(0, size);
  } else {  // framed by the end of the stream
    to_end = true;
    for (;;) {
      const ReadOutcome got = read_more();
      if (got == ReadOutcome::kClosed) break;
      if (got != ReadOutcome::kData || in.size() > kMaxBody) return Exchange::kFailed;
    }
    reply->body = std::move(in);
    in.clear();
  }
  reply->reusable = http11 && !server_closes && !to_end && in.empty();
  return Exchange::kOk;
}

// Re-frames a DC's reply for the client: Connection is the client's, the
// body (de-chunked) gets a Content-Length (except for HEAD, 204 and 304,
// whose head passes as it is).
std::string Reframe(const UpstreamReply& reply, bool keep_alive, bool head_request) {
  const bool no_body = head_request || reply.status == 204 || reply.status == 304;
  std::string out;
  for (size_t start = 0; start < reply.head.size();) {
    const size_t end = reply.head.find("\r\n", start);
    const std::string line = reply.head.substr(start, end - start);
    start = end + 2;
    const std::string lowered = Lower(line);
    if (lowered.rfind("connection:", 0) == 0 || lowered.rfind("keep-alive:", 0) == 0 ||
        lowered.rfind("transfer-encoding:", 0) == 0 || lowered.rfind("trailer:", 0) == 0) {
      continue;
    }
    if (!no_body && lowered.rfind("content-length:", 0) == 0) continue;
    out += line + "\r\n";
  }
  if (!no_body) out += fmt::format("Content-Length: {}\r\n", reply.body.size());
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return no_body ? out : out + reply.body;
}

// Idle keep-alive upstream connections, per DC, most recently used last.
// Bounded: beyond `max_idle` per DC the oldest is closed. A connection idle
// longer than the timeout, or one the DC has closed (readable: EOF or
// stray bytes), is closed instead of being handed out.
class UpstreamPool {
 public:
  UpstreamPool(size_t max_idle, double idle_timeout_s)
      : max_idle_(max_idle),
        idle_timeout_(std::chrono::microseconds(static_cast<int64_t>(idle_timeout_s * 1e6))) {}
  ~UpstreamPool() {
    for (auto& [dc, list] : idle_) {
      for (const Idle& connection : list) ::close(connection.fd);
    }
  }

  // A live idle connection to `dc`, or -1.
  int Take(const std::string& dc) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = idle_.find(dc);
    if (it == idle_.end()) return -1;
    const Clock::time_point now = Clock::now();
    while (!it->second.empty()) {
      const Idle connection = it->second.back();
      it->second.pop_back();
      pollfd p{connection.fd, POLLIN | POLLRDHUP, 0};
      if (now - connection.since < idle_timeout_ && ::poll(&p, 1, 0) == 0) return connection.fd;
      ::close(connection.fd);
    }
    return -1;
  }

  // Keeps a connection whose exchange completed cleanly.
  void Give(const std::string& dc, int fd) {
    std::lock_guard<std::mutex> lock(mutex_);
    const Clock::time_point now = Clock::now();
    for (auto& [name, list] : idle_) {  // oldest first: drop the expired prefix
      while (!list.empty() && now - list.front().since >= idle_timeout_) {
        ::close(list.front().fd);
        list.pop_front();
      }
    }
    if (max_idle_ == 0) {
      ::close(fd);
      return;
    }
    auto& list = idle_[dc];
    if (list.size() >= max_idle_) {
      ::close(list.front().fd);
      list.pop_front();
    }
    list.push_back({fd, now});
  }

 private:
  struct Idle {
    int fd;
    Clock::time_point since;
  };
  const size_t max_idle_;
  const Clock::duration idle_timeout_;
  std::mutex mutex_;
  std::map<std::string, std::deque<Idle>> idle_;
};

bool Idempotent(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS" || method == "TRACE";
}

}  // namespace

uint32_t UserBucket(const std::string& user, int height) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : user) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return static_cast<uint32_t>(hash & ((1u << height) - 1));
}

struct EdgeBalancer::Impl {
  explicit Impl(EdgeBalancerOptions opts)
      : options(std::move(opts)),
        pool(static_cast<size_t>(options.upstream_pool_size), options.upstream_idle_timeout_s) {}

  // Forwards one request to the DC's backend: on a pooled connection if
  // there is one, else on a new one; retried once on a fresh connection if
  // a reused one fails before any reply byte and the method is idempotent.
  std::string Forward(EdgeBalancer* self, const Request& request, const std::string& dc,
                      bool keep_alive) {
    const Backend& backend = options.backends.at(dc);
    const bool pooled = options.upstream_pool_size > 0;
    std::string forward = request.method + " " + request.target + " HTTP/1.1\r\n" +
                          request.head_lines +
                          (pooled ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
    if (request.has_body) forward += fmt::format("Content-Length: {}\r\n", request.body.size());
    forward += "\r\n";
    forward += request.body;
    const bool head_request = request.method == "HEAD";
    const auto added_rtt = [&] {
      if (options.added_rtt_ms > 0) {
        std::this_thread::sleep_for(
            std::chrono::microseconds(static_cast<int64_t>(options.added_rtt_ms * 1e3)));
      }
    };
    const Clock::time_point deadline = After(options.server.upstream_timeout_s);
    for (int attempt = 0;; ++attempt) {
      // A non-idempotent request never takes a pooled connection: the DC
      // may close an idle one just as the request is sent, and such a
      // request cannot be retried (it would get a spurious 502).
      int upstream = pooled && attempt == 0 && Idempotent(request.method) ? pool.Take(dc) : -1;
      const bool reused = upstream >= 0;
      if (reused) {
        upstream_reuses.fetch_add(1);
      } else {
        added_rtt();  // the TCP handshake's round trip
        upstream = ConnectTo(backend.host, backend.port, deadline);
        if (upstream < 0) {
          return SimpleResponse(502, "Bad Gateway", "dc " + dc + " unreachable\n", keep_alive);
        }
        upstream_connects.fetch_add(1);
      }
      added_rtt();  // the exchange's round trip
      UpstreamReply reply;
      const Exchange result =
          ExchangeUpstream(upstream, forward, head_request, deadline, &server.stopping(), &reply);
      if (result == Exchange::kOk) {
        if (pooled && reply.reusable) {
          pool.Give(dc, upstream);
        } else {
          ::close(upstream);
        }
        self->forwarded_.fetch_add(1);
        return Reframe(reply, keep_alive, head_request);
      }
      ::close(upstream);
      if (result == Exchange::kNoReply && reused && Idempotent(request.method)) {
        upstream_retries.fetch_add(1);
        continue;  // attempt 1: a fresh connection
      }
      return SimpleResponse(502, "Bad Gateway", "dc " + dc + " gave no complete reply\n",
                            keep_alive);
    }
  }

  EdgeBalancerOptions options;
  std::shared_ptr<const ParsedConfig> config;  // accessed with std::atomic_load/store
  std::atomic<int64_t> upstream_connects{0}, upstream_reuses{0}, upstream_retries{0};
  UpstreamPool pool;  // outlives the server's workers
  Server server;      // last: stopped (and its workers joined) first
};

Result<std::unique_ptr<EdgeBalancer>> EdgeBalancer::Start(EdgeBalancerOptions options) {
  if (!(options.added_rtt_ms >= 0) || options.added_rtt_ms > 60000) {
    return InvalidArgumentError("edge balancer: added RTT must be in [0, 60000] ms");
  }
  if (options.upstream_pool_size < 0 || options.upstream_pool_size > 4096 ||
      !(options.upstream_idle_timeout_s > 0)) {
    return InvalidArgumentError(
        "edge balancer: upstream pool size must be in [0, 4096] and its idle timeout positive");
  }
  if (!options.backends.count(options.nearest_dc)) {
    return InvalidArgumentError(
        fmt::format("edge balancer: nearest DC \"{}\" has no backend", options.nearest_dc));
  }
  std::unique_ptr<EdgeBalancer> balancer(new EdgeBalancer());
  balancer->impl_ = std::make_unique<Impl>(std::move(options));
  EdgeBalancer* self = balancer.get();
  const ServerOptions server_options = balancer->impl_->options.server;
  SYSKIT_RETURN_IF_ERROR(balancer->impl_->server.Start(
      balancer->impl_->options.port, server_options,
      [self](const Request& request, bool keep_alive) -> std::string {
        Impl& impl = *self->impl_;
        std::string dc = impl.options.nearest_dc;
        std::shared_ptr<const ParsedConfig> config = std::atomic_load(&impl.config);
        if (config != nullptr && !request.cookie_bucket.empty()) {
          char* end = nullptr;
          const unsigned long bucket = std::strtoul(request.cookie_bucket.c_str(), &end, 10);
          const int edge = [&] {
            for (size_t e = 0; e < config->edges.size(); ++e) {
              if (config->edges[e] == impl.options.edge) return static_cast<int>(e);
            }
            return -1;
          }();
          if (*end == '\0' && end != request.cookie_bucket.c_str() && edge >= 0 &&
              bucket < config->dc_of_bucket[edge].size()) {
            dc = config->dcs[config->dc_of_bucket[edge][bucket]];
          }
        }
        return impl.Forward(self, request, dc, keep_alive);
      }));
  balancer->port_ = balancer->impl_->server.port();
  return balancer;
}

EdgeBalancer::~EdgeBalancer() = default;

ServerStats EdgeBalancer::stats() const {
  ServerStats stats = impl_->server.stats();
  stats.upstream_connects = impl_->upstream_connects.load();
  stats.upstream_reuses = impl_->upstream_reuses.load();
  stats.upstream_retries = impl_->upstream_retries.load();
  return stats;
}

Status EdgeBalancer::Reload(const std::string& config_json) {
  SYSKIT_ASSIGN_OR_RETURN(ParsedConfig parsed, ParseRoutingConfigJson(config_json));
  if (std::find(parsed.edges.begin(), parsed.edges.end(), impl_->options.edge) ==
      parsed.edges.end()) {
    return InvalidArgumentError(
        fmt::format("config has no entry for edge \"{}\"", impl_->options.edge));
  }
  for (const auto& dc : parsed.dcs) {
    if (!impl_->options.backends.count(dc)) {
      return InvalidArgumentError(fmt::format("config names DC \"{}\" without a backend", dc));
    }
  }
  std::atomic_store(&impl_->config, std::shared_ptr<const ParsedConfig>(
                                        std::make_shared<ParsedConfig>(std::move(parsed))));
  reloads_.fetch_add(1);
  return Status::OK();
}

struct FrontendServer::Impl {
  std::string dc;
  int height = 14;
  Server server;
};

Result<std::unique_ptr<FrontendServer>> FrontendServer::Start(std::string dc_name, int height,
                                                              uint16_t port, ServerOptions server) {
  std::unique_ptr<FrontendServer> frontend(new FrontendServer());
  frontend->impl_ = std::make_unique<Impl>();
  frontend->impl_->dc = std::move(dc_name);
  frontend->impl_->height = height;
  FrontendServer* self = frontend.get();
  SYSKIT_RETURN_IF_ERROR(frontend->impl_->server.Start(
      port, server, [self](const Request& request, bool keep_alive) -> std::string {
        self->requests_.fetch_add(1);
        std::string bucket = request.cookie_bucket, set_cookie;
        if (bucket.empty()) {
          const size_t at = request.target.find("user=");
          const std::string user =
              at == std::string::npos ? "anonymous" : request.target.substr(at + 5);
          bucket = std::to_string(UserBucket(user.substr(0, user.find('&')), self->impl_->height));
          set_cookie = "Set-Cookie: taiji_bucket=" + bucket + "; Path=/\r\n";
        }
        return SimpleResponse(200, "OK", "dc=" + self->impl_->dc + " bucket=" + bucket + "\n",
                              keep_alive, set_cookie);
      }));
  frontend->port_ = frontend->impl_->server.port();
  return frontend;
}

FrontendServer::~FrontendServer() = default;

ServerStats FrontendServer::stats() const { return impl_->server.stats(); }

Result<std::unique_ptr<HttpConnection>> HttpConnection::Connect(uint16_t port, double timeout_s) {
  const int fd = ConnectTo("127.0.0.1", port, After(timeout_s));
  if (fd < 0) return IOError(fmt::format("connect 127.0.0.1:{}: {}", port, std::strerror(errno)));
  std::unique_ptr<HttpConnection> connection(new HttpConnection());
  connection->fd_ = fd;
  connection->timeout_s_ = timeout_s;
  return connection;
}

HttpConnection::~HttpConnection() {
  if (fd_ >= 0) ::close(fd_);
}

Status HttpConnection::SendRaw(const std::string& bytes) {
  if (!SendAll(fd_, bytes, After(timeout_s_))) {
    return IOError(fmt::format("send: {}", std::strerror(errno)));
  }
  return Status::OK();
}

Result<HttpResponse> HttpConnection::ReadResponse() {
  const Clock::time_point deadline = After(timeout_s_);
  HttpResponse response;
  size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const ReadOutcome got = ReadMore(fd_, &buffer_, deadline, nullptr, nullptr);
    if (got == ReadOutcome::kTimeout) return IOError("timed out waiting for a response head");
    if (got != ReadOutcome::kData) return IOError("connection closed before a response");
  }
  response.head = buffer_.substr(0, head_end + 2);
  if (response.head.rfind("HTTP/1.", 0) != 0 || response.head.size() < 12) {
    return CorruptionError("not an HTTP response: " + response.head.substr(0, 40));
  }
  response.status = std::atoi(response.head.c_str() + 9);
  response.server_closes =
      Lower(HeaderValue(response.head, "connection")).find("close") != std::string::npos;
  const std::string length = HeaderValue(response.head, "content-length");
  if (length.empty()) {  // framed by the end of the stream
    for (;;) {
      const ReadOutcome got = ReadMore(fd_, &buffer_, deadline, nullptr, nullptr);
      if (got == ReadOutcome::kClosed) break;
      if (got != ReadOutcome::kData) return IOError("timed out waiting for the end of a response");
    }
    response.body = buffer_.substr(head_end + 4);
    buffer_.clear();
    return response;
  }
  const size_t size = std::strtoull(length.c_str(), nullptr, 10);
  while (buffer_.size() < head_end + 4 + size) {
    const ReadOutcome got = ReadMore(fd_, &buffer_, deadline, nullptr, nullptr);
    if (got == ReadOutcome::kTimeout) return IOError("timed out inside a response body");
    if (got != ReadOutcome::kData) return IOError("connection closed inside a response body");
  }
  response.body = buffer_.substr(head_end + 4, size);
  buffer_.erase(0, head_end + 4 + size);
  return response;
}

Result<HttpResponse> HttpConnection::Get(const std::string& target, const std::string& cookie,
                                         bool close) {
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!cookie.empty()) request += "Cookie: " + cookie + "\r\n";
  request += close ? "Connection: close\r\n\r\n" : "\r\n";
  SYSKIT_RETURN_IF_ERROR(SendRaw(request));
  return ReadResponse();
}

bool HttpConnection::WaitClosed(double timeout_s) {
  const Clock::time_point deadline = After(timeout_s);
  for (;;) {
    std::string ignored;
    const ReadOutcome got = ReadMore(fd_, &ignored, deadline, nullptr, nullptr);
    if (got == ReadOutcome::kClosed) return true;
    if (got != ReadOutcome::kData) return false;
  }
}

Result<std::string> HttpGet(uint16_t port, const std::string& target, const std::string& cookie) {
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<HttpConnection> connection,
                          HttpConnection::Connect(port));
  SYSKIT_ASSIGN_OR_RETURN(HttpResponse response, connection->Get(target, cookie, true));
  return response.head + "\r\n" + response.body;
}

}  // namespace syskit::route
