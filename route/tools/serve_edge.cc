// `syskit route serve-edge` and `syskit route serve-frontend`: the data
// plane as real processes on loopback. serve-edge polls its configuration
// file every second and hot-reloads it when it changes; a configuration that
// fails validation is reported and the one in force stays.
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>

#include "syskit/core/env.h"
#include "syskit/core/flags.h"
#include "syskit/route/edge_balancer.h"

namespace syskit::route::tools {
namespace {
constexpr const char* kTool = "syskit route";

// Sleeps until `seconds` pass (0: forever), calling `tick` every second.
template <typename Tick>
void RunFor(double seconds, Tick tick) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    tick();
    if (seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >=
            seconds) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(seconds > 0 && seconds < 1 ? 100 : 1000));
  }
}
}  // namespace

int ServeEdgeMain(int argc, const char* const* argv) {
  auto app = flags::NewApp("syskit route serve-edge",
                           "HTTP/1.1 edge load balancer on 127.0.0.1: routes by the taiji_bucket "
                           "cookie through the routing configuration, hot-reloads it");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  EdgeBalancerOptions options;
  std::string config_path, backends;
  double duration = 0;
  app->add_option("--edge", options.edge, "this edge's name in the configuration")->required();
  app->add_option("--config", config_path, "routing configuration from `syskit route pipeline`")
      ->required();
  app->add_option("--backends", backends, "dc=port,dc=port,... (frontends on 127.0.0.1)")
      ->required();
  app->add_option("--nearest", options.nearest_dc, "DC for requests without a bucket cookie")
      ->required();
  app->add_option("--port", options.port, "listen port (0: ephemeral, printed)");
  app->add_option("--duration", duration, "seconds to serve (0: until killed)");
  app->add_option("--workers", options.server.workers, "connections served at once")
      ->check(CLI::Range(1, 1024));
  app->add_option("--read_timeout", options.server.read_timeout_s, "seconds for a whole request")
      ->check(CLI::Range(0.001, 3600.0));
  app->add_option("--idle_timeout", options.server.idle_timeout_s,
                  "seconds a keep-alive connection may idle")
      ->check(CLI::Range(0.001, 3600.0));
  app->add_option("--added_rtt_ms", options.added_rtt_ms,
                  "delay shim: added edge->DC round trip (where tc netem is unavailable)")
      ->check(CLI::Range(0.0, 60000.0));
  app->add_option("--upstream_pool", options.upstream_pool_size,
                  "idle keep-alive upstream connections kept per DC (0: one per request)")
      ->check(CLI::Range(0, 4096));
  app->add_option("--upstream_idle_timeout", options.upstream_idle_timeout_s,
                  "seconds a pooled upstream connection may idle")
      ->check(CLI::Range(0.001, 3600.0));
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  std::stringstream list(backends);
  for (std::string item; std::getline(list, item, ',');) {
    const size_t eq = item.find('=');
    char* end = nullptr;
    const long port = eq == std::string::npos ? 0 : std::strtol(item.c_str() + eq + 1, &end, 10);
    if (eq == std::string::npos || port <= 0 || port > 65535 || *end != '\0') {
      return flags::ReportUsageError(kTool, "--backends: expected dc=port, got \"" + item + "\"");
    }
    options.backends[item.substr(0, eq)] = {"127.0.0.1", static_cast<uint16_t>(port)};
  }
  auto balancer = EdgeBalancer::Start(options);
  if (!balancer.ok()) return flags::ReportError(kTool, balancer.status());
  std::string loaded;
  auto reload = [&] {
    Result<std::string> text = ReadFileToString(Env::Default(), config_path);
    if (!text.ok() || *text == loaded) return;
    Status status = (*balancer)->Reload(*text);
    if (status.ok()) {
      std::fprintf(stderr, "%s: serve-edge: configuration %s loaded (reload %ld)\n", kTool,
                   config_path.c_str(), static_cast<long>((*balancer)->reloads()));
    } else {
      std::fprintf(stderr, "%s: serve-edge: rejected %s, keeping the last good one: %s\n", kTool,
                   config_path.c_str(), status.message().c_str());
    }
    loaded = *text;
  };
  std::printf("edge=%s port=%u\n", options.edge.c_str(), (*balancer)->port());
  std::fflush(stdout);
  RunFor(duration, reload);
  const ServerStats stats = (*balancer)->stats();
  std::printf("forwarded=%ld reloads=%ld upstream_connects=%ld upstream_reuses=%ld\n",
              static_cast<long>((*balancer)->forwarded()),
              static_cast<long>((*balancer)->reloads()), static_cast<long>(stats.upstream_connects),
              static_cast<long>(stats.upstream_reuses));
  return flags::kExitOk;
}

int ServeFrontendMain(int argc, const char* const* argv) {
  auto app = flags::NewApp("syskit route serve-frontend",
                           "tiny frontend on 127.0.0.1: answers dc=<name>, sets the bucket cookie");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  std::string dc;
  int height = 14;
  uint16_t port = 0;
  double duration = 0;
  app->add_option("--dc", dc, "this DC's name")->required();
  app->add_option("--height", height, "bucket tree height H")->check(CLI::Range(1, 20));
  app->add_option("--port", port, "listen port (0: ephemeral, printed)");
  app->add_option("--duration", duration, "seconds to serve (0: until killed)");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  auto frontend = FrontendServer::Start(dc, height, port);
  if (!frontend.ok()) return flags::ReportError(kTool, frontend.status());
  std::printf("dc=%s port=%u\n", dc.c_str(), (*frontend)->port());
  std::fflush(stdout);
  RunFor(duration, [] {});
  std::printf("requests=%ld\n", static_cast<long>((*frontend)->requests()));
  return flags::kExitOk;
}

}  // namespace syskit::route::tools
