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
#include <vector>

namespace syskit::route {
namespace {

using Clock = std::chrono::steady_clock;

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxBody = 16 * 1024 * 1024;
constexpr int kSliceMs = 50;  // poll slice: shutdown and queue checks

Clock::time_point After(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

int MillisLeft(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 1 << 30));
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
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

struct Request {
  std::string method, target, version;
  std::string head_lines;  // header lines after the request line, each ending \r\n
  std::string body;
  std::string cookie_bucket;  // value of taiji_bucket, if any
  bool keep_alive = true;
};

enum class Parse { kOk, kNeedMore, kBad, kTooLarge, kUnsupported };

// Parses one request at the front of `buffer` and removes it.
Parse ParseRequest(std::string* buffer, Request* request) {
  const size_t head_end = buffer->find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return buffer->size() > kMaxHead ? Parse::kTooLarge : Parse::kNeedMore;
  }
  if (head_end > kMaxHead) return Parse::kTooLarge;
  const std::string head = buffer->substr(0, head_end + 2);  // lines ending in \r\n
  size_t line_end = head.find("\r\n");
  const std::string request_line = head.substr(0, line_end);
  const size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1 || sp1 == 0) return Parse::kBad;
  *request = Request{};
  request->method = request_line.substr(0, sp1);
  request->target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  request->version = request_line.substr(sp2 + 1);
  if (request->version != "HTTP/1.1" && request->version != "HTTP/1.0") return Parse::kBad;
  bool close = false, keep_alive_token = false;
  size_t content_length = 0;
  bool seen_content_length = false;
  for (size_t start = line_end + 2; start < head.size();) {
    const size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end - start);
    start = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) return Parse::kBad;
    const std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    if (name == "connection") {
      const std::string lowered = Lower(value);
      close = close || lowered.find("close") != std::string::npos;
      keep_alive_token = keep_alive_token || lowered.find("keep-alive") != std::string::npos;
      continue;  // hop-by-hop: not forwarded
    }
    if (name == "transfer-encoding") return Parse::kUnsupported;
    if (name == "content-length") {
      char* end_ptr = nullptr;
      const unsigned long long parsed = std::strtoull(value.c_str(), &end_ptr, 10);
      if (end_ptr == value.c_str() || *end_ptr != '\0') return Parse::kBad;
      if (parsed > kMaxBody) return Parse::kTooLarge;
      // Repeated Content-Length headers that disagree make the body's
      // framing ambiguous (RFC 9112 6.3): reject, and forward only one.
      if (seen_content_length && parsed != content_length) return Parse::kBad;
      const bool repeated = seen_content_length;
      seen_content_length = true;
      content_length = parsed;
      if (repeated) continue;
    } else if (name == "cookie") {
      const size_t at = value.find("taiji_bucket=");
      if (at != std::string::npos) {
        const size_t begin = at + 13;
        const size_t stop = value.find(';', begin);
        request->cookie_bucket =
            value.substr(begin, stop == std::string::npos ? stop : stop - begin);
      }
    }
    request->head_lines += line + "\r\n";
  }
  if (buffer->size() < head_end + 4 + content_length) return Parse::kNeedMore;
  request->body = buffer->substr(head_end + 4, content_length);
  buffer->erase(0, head_end + 4 + content_length);
  request->keep_alive = request->version == "HTTP/1.1" ? !close : keep_alive_token && !close;
  return Parse::kOk;
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
      Request request;
      Parse parsed;
      while ((parsed = ParseRequest(&buffer, &request)) == Parse::kNeedMore) {
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
                ? SimpleResponse(501, "Not Implemented", "chunked request bodies\n", false)
                : SimpleResponse(400, "Bad Request", "malformed request\n", false);
        SendAll(fd, response, After(options_.read_timeout_s));
        Count(&ServerStats::requests);
        return;
      }
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

// Splits a response at the end of its head; false if there is none.
bool SplitResponse(const std::string& data, std::string* head, std::string* body) {
  const size_t end = data.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  *head = data.substr(0, end + 2);
  *body = data.substr(end + 4);
  return true;
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
      return value;
    }
  }
  return "";
}

// Re-frames a DC's complete reply (read to EOF) for a keep-alive client:
// Connection and Content-Length are replaced (a chunked body stays as is).
std::string Reframe(const std::string& head, const std::string& body, bool keep_alive,
                    bool head_request) {
  const bool chunked =
      Lower(HeaderValue(head, "transfer-encoding")).find("chunked") != std::string::npos;
  std::string out;
  for (size_t start = 0; start < head.size();) {
    const size_t end = head.find("\r\n", start);
    const std::string line = head.substr(start, end - start);
    start = end + 2;
    const std::string lowered = Lower(line);
    if (lowered.rfind("connection:", 0) == 0 || lowered.rfind("keep-alive:", 0) == 0) continue;
    if (!chunked && !head_request && lowered.rfind("content-length:", 0) == 0) continue;
    out += line + "\r\n";
  }
  if (!chunked && !head_request) out += fmt::format("Content-Length: {}\r\n", body.size());
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return out + body;
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
  EdgeBalancerOptions options;
  std::shared_ptr<const ParsedConfig> config;  // accessed with std::atomic_load/store
  Server server;                               // last: stopped (and its workers joined) first
};

Result<std::unique_ptr<EdgeBalancer>> EdgeBalancer::Start(EdgeBalancerOptions options) {
  if (!(options.added_rtt_ms >= 0) || options.added_rtt_ms > 60000) {
    return InvalidArgumentError("edge balancer: added RTT must be in [0, 60000] ms");
  }
  if (!options.backends.count(options.nearest_dc)) {
    return InvalidArgumentError(
        fmt::format("edge balancer: nearest DC \"{}\" has no backend", options.nearest_dc));
  }
  std::unique_ptr<EdgeBalancer> balancer(new EdgeBalancer());
  balancer->impl_ = std::make_unique<Impl>();
  balancer->impl_->options = std::move(options);
  EdgeBalancer* self = balancer.get();
  const ServerOptions server_options = balancer->impl_->options.server;
  SYSKIT_RETURN_IF_ERROR(balancer->impl_->server.Start(
      balancer->impl_->options.port, server_options,
      [self](const Request& request, bool keep_alive) -> std::string {
        const Impl& impl = *self->impl_;
        std::string dc = impl.options.nearest_dc;
        std::shared_ptr<const ParsedConfig> config = std::atomic_load(&self->impl_->config);
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
        const Backend& backend = impl.options.backends.at(dc);
        if (impl.options.added_rtt_ms > 0) {
          std::this_thread::sleep_for(
              std::chrono::microseconds(static_cast<int64_t>(impl.options.added_rtt_ms * 1e3)));
        }
        const Clock::time_point deadline = After(impl.options.server.upstream_timeout_s);
        const int upstream = ConnectTo(backend.host, backend.port, deadline);
        if (upstream < 0) {
          return SimpleResponse(502, "Bad Gateway", "dc " + dc + " unreachable\n", keep_alive);
        }
        std::string forward = request.method + " " + request.target + " HTTP/1.1\r\n" +
                              request.head_lines + "Connection: close\r\n";
        if (!request.body.empty() &&
            HeaderValue("\r\n" + request.head_lines, "content-length").empty()) {
          forward += fmt::format("Content-Length: {}\r\n", request.body.size());
        }
        forward += "\r\n" + request.body;
        std::string reply;
        bool ok = SendAll(upstream, forward, deadline);
        while (ok) {
          const ReadOutcome got =
              ReadMore(upstream, &reply, deadline, &self->impl_->server.stopping(), nullptr);
          if (got == ReadOutcome::kClosed) break;
          if (got != ReadOutcome::kData || reply.size() > kMaxHead + kMaxBody) ok = false;
        }
        ::close(upstream);
        std::string head, body;
        if (!ok || !SplitResponse(reply, &head, &body)) {
          return SimpleResponse(502, "Bad Gateway", "dc " + dc + " gave no complete reply\n",
                                keep_alive);
        }
        self->forwarded_.fetch_add(1);
        return Reframe(head, body, keep_alive, request.method == "HEAD");
      }));
  balancer->port_ = balancer->impl_->server.port();
  return balancer;
}

EdgeBalancer::~EdgeBalancer() = default;

ServerStats EdgeBalancer::stats() const { return impl_->server.stats(); }

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
