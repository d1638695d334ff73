// The data plane: an HTTP/1.1 edge load balancer (reverse proxy, Boost.Asio)
// and a tiny frontend server, run as in-process servers on loopback.
//
// EdgeBalancer: reads the bucket cookie ("taiji_bucket=<b>") of each request
// and forwards it to the DC that the routing configuration names for
// (this edge, b); a request without a valid cookie goes to the nearest DC.
// The configuration is swapped atomically (Reload); an invalid one is
// rejected and the one in force stays.
//
// Both servers speak HTTP/1.1 with keep-alive (several requests per client
// connection, pipelining included; HTTP/1.0 and "Connection: close" close
// after the response) on POSIX sockets with poll(): a fixed pool of worker
// threads serves accepted connections from a bounded queue (beyond it: 503
// and close), so concurrency is bounded. A request must arrive completely
// within the read timeout once a worker holds the connection (408 and close
// otherwise), an idle keep-alive connection is closed after the idle timeout
// or as soon as other connections wait for a worker. Request bodies are
// framed by Content-Length or by the chunked transfer coding (RFC 9112 7.1:
// chunk extensions ignored, the trailer section read and dropped); both
// headers together, malformed chunk framing or Transfer-Encoding in an
// HTTP/1.0 request: 400; any other transfer coding: 501; a body above
// 16 MiB: 413.
//
// Upstream, the edge keeps a bounded pool of idle keep-alive HTTP/1.1
// connections per DC (EdgeBalancerOptions::upstream_pool_size): a request
// takes the most recently used live one, or connects; the connection goes
// back to the pool when the DC's reply allows it (HTTP/1.1, no "Connection:
// close", framed by Content-Length or chunked, nothing after it) and is
// dropped on any error, on close, or after upstream_idle_timeout_s idle. A
// request that fails on a reused connection before any reply byte (the DC
// closed it meanwhile) is retried once on a fresh connection if its method
// is idempotent; otherwise it gets 502. The request goes upstream
// de-chunked with a Content-Length; the DC's reply is re-framed for the
// client with Content-Length (a chunked reply is decoded).
//
// FrontendServer: answers every request with "dc=<name> bucket=<b>\n"; on a
// request without the cookie it assigns the user's bucket (from the "user"
// query parameter, hashed onto 2^H buckets, as the offline user->bucket map
// would) and sets the cookie, as Taiji's frontends do.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "syskit/core/result.h"
#include "syskit/route/state_json.h"

namespace syskit::route {

struct Backend {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
};

struct ServerOptions {
  int workers = 8;                 // connections served at once (the thread pool)
  int max_pending = 256;           // accepted connections waiting for a worker
  double read_timeout_s = 5;       // a whole request, from its first byte
  double idle_timeout_s = 15;      // keep-alive: between requests (and before the first)
  double upstream_timeout_s = 10;  // edge: a DC's reply (connect, send, receive)
  int max_requests_per_connection = 10000;
};

// Counters of one server (monotonic except `active`).
struct ServerStats {
  int64_t connections = 0;  // accepted
  int64_t requests = 0;     // answered (any status)
  int64_t timeouts = 0;     // connections dropped by the read timeout
  int64_t idle_closed = 0;  // keep-alive connections closed while idle
  int64_t overloaded = 0;   // refused with 503 (queue full)
  int64_t active = 0;       // connections held by workers now
  int64_t peak_active = 0;  // most connections held by workers at once
  // Edge balancer only (0 for a frontend): upstream connections opened,
  // requests sent on a pooled connection, and requests retried on a fresh
  // connection after a reused one failed before any reply byte.
  int64_t upstream_connects = 0;
  int64_t upstream_reuses = 0;
  int64_t upstream_retries = 0;
};

struct EdgeBalancerOptions {
  std::string edge;                         // this edge's name in the configuration
  std::map<std::string, Backend> backends;  // DC name -> frontend address
  std::string nearest_dc;                   // for cookie-less requests
  uint16_t port = 0;                        // 0: an ephemeral port (see port())
  ServerOptions server;
  // Delay shim, for where `tc netem` is unavailable: wait this long before
  // each upstream exchange, as an added edge->DC round trip would.
  // The shim adds one more RTT when the edge opens a new upstream
  // connection (the TCP handshake), so connection reuse shows in it.
  double added_rtt_ms = 0;
  // Idle keep-alive upstream connections kept per DC; 0: one connection per
  // request, "Connection: close" upstream (no reuse). Keep it at or below
  // the DC's worker count: an idle pooled connection holds a DC worker.
  int upstream_pool_size = 8;
  double upstream_idle_timeout_s = 4;  // a pooled connection idle longer is closed
};

class EdgeBalancer {
 public:
  // Binds 127.0.0.1:port and starts serving. InvalidArgument when the
  // nearest DC has no backend; IOError when binding fails.
  static Result<std::unique_ptr<EdgeBalancer>> Start(EdgeBalancerOptions options);
  ~EdgeBalancer();  // stops accepting and joins every thread

  // Validates and installs a configuration (JSON as written by `syskit route
  // pipeline`): it must parse, cover every bucket, contain this edge, and
  // name only DCs with a backend. On error the configuration in force stays.
  // Thread-safe.
  Status Reload(const std::string& config_json);

  uint16_t port() const { return port_; }
  int64_t reloads() const { return reloads_.load(); }
  int64_t forwarded() const { return forwarded_.load(); }
  ServerStats stats() const;

  struct Impl;

 private:
  EdgeBalancer() = default;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<int64_t> reloads_{0}, forwarded_{0};
};

class FrontendServer {
 public:
  static Result<std::unique_ptr<FrontendServer>> Start(std::string dc_name, int height,
                                                       uint16_t port = 0,
                                                       ServerOptions server = {});
  ~FrontendServer();
  uint16_t port() const { return port_; }
  int64_t requests() const { return requests_.load(); }
  ServerStats stats() const;

  struct Impl;

 private:
  FrontendServer() = default;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<int64_t> requests_{0};
};

// The bucket a frontend assigns to `user` with 2^height buckets.
uint32_t UserBucket(const std::string& user, int height);

// A minimal blocking HTTP/1.1 GET over loopback for tests and the demo
// ("Connection: close"): returns the status line, headers and body as one
// string.
Result<std::string> HttpGet(uint16_t port, const std::string& target, const std::string& cookie);

// A keep-alive HTTP/1.1 client connection to 127.0.0.1:port (tests, the
// demo, latency probes). Every call is bounded by the timeout (generous by
// default: tests run on a loaded, shared machine).
struct HttpResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  bool server_closes = false;  // "Connection: close" in the reply
};
class HttpConnection {
 public:
  static Result<std::unique_ptr<HttpConnection>> Connect(uint16_t port, double timeout_s = 30);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends a GET (keep-alive unless `close`) and reads its response, framed
  // by Content-Length (or by the connection closing).
  Result<HttpResponse> Get(const std::string& target, const std::string& cookie,
                           bool close = false);
  // Sends raw bytes (partial or pipelined requests in tests).
  Status SendRaw(const std::string& bytes);
  // Reads one response (after SendRaw).
  Result<HttpResponse> ReadResponse();
  // Whether the server has closed the connection: waits up to `timeout_s`
  // for end of stream, discarding any bytes that arrive.
  bool WaitClosed(double timeout_s);

 private:
  HttpConnection() = default;
  int fd_ = -1;
  double timeout_s_ = 10;
  std::string buffer_;
};

}  // namespace syskit::route
