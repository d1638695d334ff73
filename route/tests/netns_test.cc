// The data plane inside a fresh network namespace (unshare(CLONE_NEWNET),
// which needs root or CAP_SYS_ADMIN; this machine's tests run as root).
//
// A forked child enters a new namespace, checks that it is really new (the
// loopback is down until it brings `lo` up, the parent's listener is
// unreachable), runs three frontends and an edge balancer there, routes
// requests, and tries `tc qdisc add dev lo root netem delay 20ms`. With
// netem the added RTT must show in the request latency; without it (this
// kernel has no sch_netem) the output says "netem=unavailable", the
// namespace path is still asserted, and the balancer's delay shim
// (added_rtt_ms = 20) stands in for the added RTT. The child reports key=value lines
// through a pipe; the parent asserts.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <map>
#include <sstream>

#include "syskit/route/edge_balancer.h"
#include "syskit/route/instances.h"
#include "syskit/route/segment_assignment.h"

namespace syskit::route {
namespace {

constexpr int kHeight = 8;

// A listening socket on 127.0.0.1 (no threads: the kernel completes
// handshakes into the backlog), or -1.
int Listen(uint16_t* port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 16) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

// 0 if a TCP connect to 127.0.0.1:port succeeds, else errno.
int ConnectErrno(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int result = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  const int error = result == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

// Sets the loopback interface up (what `ip link set lo up` does).
bool LoopbackUp() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &request) == 0;
  request.ifr_flags |= IFF_UP | IFF_RUNNING;
  ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &request) == 0;
  ::close(fd);
  return ok;
}

std::string FindTc() {
  for (const char* path : {"/usr/sbin/tc", "/sbin/tc", "/usr/bin/tc", "/bin/tc"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

// Runs a shell command; returns its exit status and its output (stdout and
// stderr, first line).
int Run(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char line[512];
  output->clear();
  while (std::fgets(line, sizeof(line), pipe) != nullptr) {
    if (output->empty()) *output = line;
  }
  while (!output->empty() && (output->back() == '\n' || output->back() == '\r')) {
    output->pop_back();
  }
  const int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

double MedianSeconds(std::vector<double> samples) {
  if (samples.empty()) return -1;
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

// The child: everything inside the new namespace. Returns key=value lines.
std::string ChildInNewNamespace(uint16_t parent_port) {
  std::ostringstream out;
  if (::unshare(CLONE_NEWNET) != 0) {
    out << "unshare=failed errno=" << std::strerror(errno) << "\n";
    return out.str();
  }
  out << "unshare=ok\n";
  // A fresh namespace has its loopback down: a listener can bind, but
  // nothing can connect to it yet.
  uint16_t early_port = 0;
  const int early = Listen(&early_port);
  const int early_errno = early >= 0 ? ConnectErrno(early_port) : -1;
  out << "connect_before_lo_up=" << (early_errno == 0 ? "ok" : "failed")
      << "\nconnect_before_lo_up_error=" << (early_errno > 0 ? std::strerror(early_errno) : "-")
      << "\n";
  if (early >= 0) ::close(early);
  out << "lo_up=" << (LoopbackUp() ? "ok" : "failed") << "\n";
  // The parent's listener lives in the other namespace.
  const int parent_errno = ConnectErrno(parent_port);
  out << "parent_listener=" << (parent_errno == 0 ? "reachable" : "unreachable") << "\n";

  const State state = MakeRandomState({.edges = 2, .dcs = 3, .load_factor = 0.5, .seed = 12});
  EdgeBalancerOptions options;
  options.edge = "edge0";
  options.nearest_dc = "dc1";
  std::vector<std::unique_ptr<FrontendServer>> frontends;
  for (const auto& dc : state.dcs) {
    auto frontend = FrontendServer::Start(dc.name, kHeight);
    if (!frontend.ok()) {
      out << "frontend=failed " << frontend.status().ToString() << "\n";
      return out.str();
    }
    options.backends[dc.name] = {"127.0.0.1", (*frontend)->port()};
    frontends.push_back(std::move(frontend).value());
  }
  auto config = BuildRoutingConfig(state, state.current, {.height = kHeight, .level = 4});
  if (!config.ok()) {
    out << "config=failed\n";
    return out.str();
  }
  // Requests over one keep-alive connection to an edge balancer: routed per
  // the configuration, timed one by one.
  auto measure = [&](const std::string& label, double added_rtt_ms) {
    EdgeBalancerOptions with = options;
    with.added_rtt_ms = added_rtt_ms;
    auto balancer = EdgeBalancer::Start(with);
    if (!balancer.ok() || !(*balancer)->Reload(RoutingConfigJson(state, *config)).ok()) {
      out << label << "_balancer=failed\n";
      return;
    }
    auto connection = HttpConnection::Connect((*balancer)->port());
    if (!connection.ok()) {
      out << label << "_connect=failed\n";
      return;
    }
    int routed = 0, wrong = 0;
    std::vector<double> seconds;
    for (int bucket = 0; bucket < (1 << kHeight); bucket += 16) {
      const auto start = std::chrono::steady_clock::now();
      auto reply = (*connection)->Get("/feed", "taiji_bucket=" + std::to_string(bucket));
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      if (!reply.ok()) {
        ++wrong;
        continue;
      }
      const std::string expected = "dc=" + state.dcs[config->dc_of_bucket[0][bucket]].name + " ";
      (reply->body.rfind(expected, 0) == 0 ? routed : wrong) += 1;
    }
    out << label << "_routed=" << routed << "\n" << label << "_wrong=" << wrong << "\n";
    out << label << "_median_ms=" << MedianSeconds(seconds) * 1e3 << "\n";
    out << label << "_min_ms=" << *std::min_element(seconds.begin(), seconds.end()) * 1e3 << "\n";
  };
  measure("plain", 0);
  const std::string tc = FindTc();
  std::string tc_output = "tc not found";
  const int tc_status =
      tc.empty() ? -1 : Run(tc + " qdisc add dev lo root netem delay 20ms", &tc_output);
  if (tc_status == 0) {
    out << "netem=available\n";
    measure("netem", 0);
  } else {
    // The fallback: the balancer's delay shim adds the edge->DC RTT.
    out << "netem=unavailable\nnetem_reason=" << tc_output << "\n";
    measure("shim", 20);
  }
  return out.str();
}

TEST(RouteNetns, EdgeBalancerInAFreshNetworkNamespace) {
  uint16_t parent_port = 0;
  const int listener = Listen(&parent_port);
  ASSERT_GE(listener, 0) << std::strerror(errno);
  ASSERT_EQ(ConnectErrno(parent_port), 0) << "the listener works in our own namespace";
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    const std::string report = ChildInNewNamespace(parent_port);
    size_t written = 0;
    while (written < report.size()) {
      const ssize_t n = ::write(fds[1], report.data() + written, report.size() - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string report;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    pollfd p{fds[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) {
      ::kill(child, SIGKILL);
      break;
    }
    char chunk[4096];
    const ssize_t got = ::read(fds[0], chunk, sizeof(chunk));
    if (got <= 0) break;
    report.append(chunk, static_cast<size_t>(got));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ::close(listener);
  std::printf("netns child report:\n%s", report.c_str());
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed or timed out";

  std::map<std::string, std::string> kv;
  std::istringstream lines(report);
  for (std::string line; std::getline(lines, line);) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  ASSERT_EQ(kv["unshare"], "ok") << "unshare(CLONE_NEWNET) needs root: " << report;
  EXPECT_EQ(kv["connect_before_lo_up"], "failed") << "a fresh namespace starts with lo down";
  EXPECT_EQ(kv["lo_up"], "ok");
  EXPECT_EQ(kv["parent_listener"], "unreachable") << "the namespace is not isolated";
  const int buckets = (1 << kHeight) / 16;
  EXPECT_EQ(kv["plain_routed"], std::to_string(buckets));
  EXPECT_EQ(kv["plain_wrong"], "0");
  ASSERT_TRUE(kv["netem"] == "available" || kv["netem"] == "unavailable") << report;
  if (kv["netem"] == "available") {
    EXPECT_EQ(kv["netem_routed"], std::to_string(buckets));
    EXPECT_EQ(kv["netem_wrong"], "0");
    // Every packet on lo waits 20 ms: a request over an open connection
    // needs at least one round trip (2 x 20 ms), and the edge's upstream
    // connect and exchange add two more. A loaded machine only adds time,
    // so the fastest request bounds the added RTT from below.
    const double fastest = std::stod(kv["netem_min_ms"]);
    std::printf("netem: median request %s ms -> %s ms, fastest %.2f ms\n",
                kv["plain_median_ms"].c_str(), kv["netem_median_ms"].c_str(), fastest);
    EXPECT_GE(fastest, 40.0);
  } else {
    EXPECT_FALSE(kv["netem_reason"].empty());
    // Only the edge->DC exchange is delayed by the shim: 20 ms per request.
    EXPECT_EQ(kv["shim_routed"], std::to_string(buckets));
    EXPECT_EQ(kv["shim_wrong"], "0");
    const double fastest = std::stod(kv["shim_min_ms"]);
    std::printf(
        "netem=unavailable in this kernel (%s): namespace path tested; delay shim "
        "(20 ms edge->DC RTT) instead: median request %s ms -> %s ms, fastest %.2f ms\n",
        kv["netem_reason"].c_str(), kv["plain_median_ms"].c_str(), kv["shim_median_ms"].c_str(),
        fastest);
    // Load on the machine only adds time: the fastest request bounds it.
    EXPECT_GE(fastest, 20.0);
  }
}

}  // namespace
}  // namespace syskit::route
