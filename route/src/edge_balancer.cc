// HTTP/1.1 edge load balancer and frontend (see edge_balancer.h), with
// Boost.Asio's blocking sockets: an acceptor thread plus one thread per
// connection. The routing configuration lives behind an atomic
// shared_ptr, so a reload never blocks or tears a request in flight.
#include "syskit/route/edge_balancer.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio.hpp>
#include <list>
#include <mutex>

namespace syskit::route {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr size_t kMaxHead = 64 * 1024;
constexpr size_t kMaxBody = 16 * 1024 * 1024;

struct Request {
  std::string head;  // request line + headers, without the blank line
  std::string body;
  std::string target;
  std::string cookie_bucket;  // value of taiji_bucket, if any
};

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Reads one request (head + Content-Length body). False on a malformed or
// oversized request or a closed connection.
bool ReadRequest(tcp::socket& socket, Request* request) {
  boost::system::error_code error;
  asio::streambuf buffer(kMaxHead + kMaxBody);
  const size_t head_size = asio::read_until(socket, buffer, "\r\n\r\n", error);
  if (error || head_size > kMaxHead) return false;
  std::string data(asio::buffers_begin(buffer.data()), asio::buffers_end(buffer.data()));
  request->head = data.substr(0, head_size - 4);
  std::string rest = data.substr(head_size);
  size_t content_length = 0;
  size_t line_start = request->head.find("\r\n");
  const std::string request_line = request->head.substr(0, line_start);
  const size_t sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) return false;
  request->target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  while (line_start != std::string::npos && line_start + 2 < request->head.size()) {
    const size_t next = request->head.find("\r\n", line_start + 2);
    const std::string line = request->head.substr(line_start + 2, next - line_start - 2);
    line_start = next;
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = Lower(line.substr(0, colon));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    if (name == "content-length") {
      char* end = nullptr;
      const unsigned long long parsed = std::strtoull(value.c_str(), &end, 10);
      if (end == value.c_str() || parsed > kMaxBody) return false;
      content_length = parsed;
    } else if (name == "cookie") {
      const size_t at = value.find("taiji_bucket=");
      if (at != std::string::npos) {
        const size_t begin = at + 13;
        const size_t end = value.find(';', begin);
        request->cookie_bucket = value.substr(begin, end == std::string::npos ? end : end - begin);
      }
    }
  }
  if (rest.size() < content_length) {
    std::string more(content_length - rest.size(), '\0');
    asio::read(socket, asio::buffer(more), error);
    if (error) return false;
    rest += more;
  }
  request->body = rest.substr(0, content_length);
  return true;
}

// The head with any Connection header replaced by "Connection: close".
std::string CloseHead(const std::string& head) {
  std::string out;
  size_t start = 0;
  bool first = true;
  while (start <= head.size()) {
    size_t end = head.find("\r\n", start);
    if (end == std::string::npos) end = head.size();
    const std::string line = head.substr(start, end - start);
    if (first || Lower(line).rfind("connection:", 0) != 0) {
      out += line + "\r\n";
    }
    first = false;
    start = end + 2;
  }
  return out + "Connection: close\r\n\r\n";
}

void WriteAll(tcp::socket& socket, const std::string& data) {
  boost::system::error_code error;
  asio::write(socket, asio::buffer(data), error);
}

std::string SimpleResponse(int code, const std::string& reason, const std::string& body,
                           const std::string& extra_headers = "") {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{}Connection: "
      "close\r\n\r\n{}",
      code, reason, body.size(), extra_headers, body);
}

// Accept loop shared by both servers: `handle` runs on its own thread per
// connection; the destructor closes the acceptor and joins everything.
class Server {
 public:
  template <typename Handler>
  Status Start(uint16_t port, Handler handle) {
    boost::system::error_code error;
    acceptor_.open(tcp::v4(), error);
    if (!error) acceptor_.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) acceptor_.bind(tcp::endpoint(asio::ip::address_v4::loopback(), port), error);
    if (!error) acceptor_.listen(asio::socket_base::max_listen_connections, error);
    if (error) return IOError(fmt::format("bind 127.0.0.1:{}: {}", port, error.message()));
    port_ = acceptor_.local_endpoint().port();
    acceptor_thread_ = std::thread([this, handle] {
      for (;;) {
        auto socket = std::make_shared<tcp::socket>(context_);
        boost::system::error_code accept_error;
        acceptor_.accept(*socket, accept_error);
        if (stopping_.load()) return;
        if (accept_error) continue;
        std::lock_guard<std::mutex> lock(mutex_);
        // Join the connections that have finished so a long-running server
        // does not accumulate threads.
        for (auto it = workers_.begin(); it != workers_.end();) {
          if (it->done->load()) {
            it->thread.join();
            it = workers_.erase(it);
          } else {
            ++it;
          }
        }
        auto done = std::make_shared<std::atomic<bool>>(false);
        workers_.push_back({std::thread([socket, handle, done] {
                              handle(*socket);
                              boost::system::error_code ignored;
                              socket->shutdown(tcp::socket::shutdown_both, ignored);
                              socket->close(ignored);
                              done->store(true);
                            }),
                            done});
      }
    });
    return Status::OK();
  }

  ~Server() {
    stopping_.store(true);
    if (acceptor_thread_.joinable()) {
      // Wake the blocking accept with a connection to ourselves.
      boost::system::error_code ignored;
      tcp::socket poke(context_);
      poke.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port_), ignored);
      acceptor_thread_.join();
    }
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& worker : workers_) worker.thread.join();
  }

  uint16_t port() const { return port_; }

 private:
  asio::io_context context_;
  tcp::acceptor acceptor_{context_};
  std::thread acceptor_thread_;
  std::mutex mutex_;
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::list<Worker> workers_;
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;
};

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
  int edge_index = -1;
  Server server;
};

Result<std::unique_ptr<EdgeBalancer>> EdgeBalancer::Start(EdgeBalancerOptions options) {
  if (!options.backends.count(options.nearest_dc)) {
    return InvalidArgumentError(
        fmt::format("edge balancer: nearest DC \"{}\" has no backend", options.nearest_dc));
  }
  std::unique_ptr<EdgeBalancer> balancer(new EdgeBalancer());
  balancer->impl_ = std::make_unique<Impl>();
  balancer->impl_->options = std::move(options);
  EdgeBalancer* self = balancer.get();
  SYSKIT_RETURN_IF_ERROR(
      balancer->impl_->server.Start(balancer->impl_->options.port, [self](tcp::socket& client) {
        Request request;
        if (!ReadRequest(client, &request)) {
          WriteAll(client, SimpleResponse(400, "Bad Request", "malformed request\n"));
          return;
        }
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
        boost::system::error_code error;
        tcp::socket upstream(client.get_executor());
        upstream.connect(tcp::endpoint(asio::ip::make_address(backend.host, error), backend.port),
                         error);
        if (error) {
          WriteAll(client, SimpleResponse(502, "Bad Gateway", "dc " + dc + " unreachable\n"));
          return;
        }
        WriteAll(upstream, CloseHead(request.head) + request.body);
        std::array<char, 16384> chunk;
        for (;;) {
          const size_t got = upstream.read_some(asio::buffer(chunk), error);
          if (got > 0) asio::write(client, asio::buffer(chunk.data(), got), error);
          if (error) break;
        }
        self->forwarded_.fetch_add(1);
      }));
  balancer->port_ = balancer->impl_->server.port();
  return balancer;
}

EdgeBalancer::~EdgeBalancer() = default;

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
                                                              uint16_t port) {
  std::unique_ptr<FrontendServer> frontend(new FrontendServer());
  frontend->impl_ = std::make_unique<Impl>();
  frontend->impl_->dc = std::move(dc_name);
  frontend->impl_->height = height;
  FrontendServer* self = frontend.get();
  SYSKIT_RETURN_IF_ERROR(frontend->impl_->server.Start(port, [self](tcp::socket& client) {
    Request request;
    if (!ReadRequest(client, &request)) {
      WriteAll(client, SimpleResponse(400, "Bad Request", "malformed request\n"));
      return;
    }
    self->requests_.fetch_add(1);
    std::string bucket = request.cookie_bucket, set_cookie;
    if (bucket.empty()) {
      const size_t at = request.target.find("user=");
      const std::string user =
          at == std::string::npos ? "anonymous" : request.target.substr(at + 5);
      bucket = std::to_string(UserBucket(user.substr(0, user.find('&')), self->impl_->height));
      set_cookie = "Set-Cookie: taiji_bucket=" + bucket + "; Path=/\r\n";
    }
    WriteAll(client, SimpleResponse(200, "OK", "dc=" + self->impl_->dc + " bucket=" + bucket + "\n",
                                    set_cookie));
  }));
  frontend->port_ = frontend->impl_->server.port();
  return frontend;
}

FrontendServer::~FrontendServer() = default;

Result<std::string> HttpGet(uint16_t port, const std::string& target, const std::string& cookie) {
  asio::io_context context;
  tcp::socket socket(context);
  boost::system::error_code error;
  socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port), error);
  if (error) return IOError(fmt::format("connect 127.0.0.1:{}: {}", port, error.message()));
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!cookie.empty()) request += "Cookie: " + cookie + "\r\n";
  request += "Connection: close\r\n\r\n";
  asio::write(socket, asio::buffer(request), error);
  if (error) return IOError("send: " + error.message());
  std::string response;
  std::array<char, 4096> chunk;
  for (;;) {
    const size_t got = socket.read_some(asio::buffer(chunk), error);
    response.append(chunk.data(), got);
    if (error) break;
  }
  if (error != asio::error::eof) return IOError("receive: " + error.message());
  return response;
}

}  // namespace syskit::route
