// The data plane: an HTTP/1.1 edge load balancer (reverse proxy, Boost.Asio)
// and a tiny frontend server, run as in-process servers on loopback.
//
// EdgeBalancer: reads the bucket cookie ("taiji_bucket=<b>") of each request
// and forwards it to the DC that the routing configuration names for
// (this edge, b); a request without a valid cookie goes to the nearest DC.
// The configuration is swapped atomically (Reload); an invalid one is
// rejected and the one in force stays. One request per connection
// ("Connection: close" both ways); a thread per connection.
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

struct EdgeBalancerOptions {
  std::string edge;                         // this edge's name in the configuration
  std::map<std::string, Backend> backends;  // DC name -> frontend address
  std::string nearest_dc;                   // for cookie-less requests
  uint16_t port = 0;                        // 0: an ephemeral port (see port())
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
                                                       uint16_t port = 0);
  ~FrontendServer();
  uint16_t port() const { return port_; }
  int64_t requests() const { return requests_.load(); }

  struct Impl;

 private:
  FrontendServer() = default;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  std::atomic<int64_t> requests_{0};
};

// The bucket a frontend assigns to `user` with 2^height buckets.
uint32_t UserBucket(const std::string& user, int height);

// A minimal blocking HTTP/1.1 GET over loopback for tests and the demo:
// returns the status line, headers and body as one string.
Result<std::string> HttpGet(uint16_t port, const std::string& target, const std::string& cookie);

}  // namespace syskit::route
