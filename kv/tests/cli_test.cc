// Drives the real `syskit kv` binary: the tools, `kv check` on a damaged
// table, and `kv serve` with the stock redis-cli plus raw RESP frames.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace {

using syskit::testing::RunCommand;
using syskit::testing::TempDir;

std::string Kv(const std::string& args) { return std::string(SYSKIT_BINARY) + " kv " + args; }

TEST(KvCli, PutGetDelScanRoundTrip) {
  TempDir dir;
  const std::string d = " --dir=" + dir.File("db");
  ASSERT_EQ(RunCommand(Kv("put" + d + " apple red")).exit_code, 0);
  ASSERT_EQ(RunCommand(Kv("put" + d + " banana yellow")).exit_code, 0);
  ASSERT_EQ(RunCommand(Kv("put" + d + " cherry dark")).exit_code, 0);
  auto got = RunCommand(Kv("get" + d + " banana"));
  EXPECT_EQ(got.exit_code, 0);
  EXPECT_EQ(got.out, "yellow\n");
  ASSERT_EQ(RunCommand(Kv("del" + d + " banana")).exit_code, 0);
  got = RunCommand(Kv("get" + d + " banana"));
  EXPECT_EQ(got.exit_code, 1);
  EXPECT_EQ(got.err, "syskit kv: error: key \"banana\" not found\n");
  auto scan = RunCommand(Kv("scan" + d));
  EXPECT_EQ(scan.out, "apple\tred\ncherry\tdark\n");
  scan = RunCommand(Kv("scan" + d + " --start=b --limit=1"));
  EXPECT_EQ(scan.out, "cherry\tdark\n");
  auto stats = RunCommand(Kv("stats" + d));
  EXPECT_EQ(stats.exit_code, 0);
  EXPECT_NE(stats.out.find("level0 files="), std::string::npos);
  auto check = RunCommand(Kv("check" + d));
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("problems=0"), std::string::npos);
  auto dump = RunCommand(Kv("dump" + d));
  EXPECT_EQ(dump.exit_code, 0);
  // (banana's versions may already be compacted away, depending on timing.)
  EXPECT_NE(dump.out.find("key=apple seq="), std::string::npos) << dump.out;
  EXPECT_NE(dump.out.find("type=put value_bytes=3 value=red"), std::string::npos) << dump.out;
}

TEST(KvCli, BadInputsGiveOneLineErrors) {
  TempDir dir;
  auto missing = RunCommand(Kv("get --dir=" + dir.File("absent") + " k"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err,
            "syskit kv: error: " + dir.File("absent") + ": database directory does not exist\n");
  auto usage = RunCommand(Kv("get k"));
  EXPECT_EQ(usage.exit_code, 2);
  auto bad_flag = RunCommand(Kv("put --dir=" + dir.File("db") + " --frobnicate k v"));
  EXPECT_EQ(bad_flag.exit_code, 2);
  auto empty_key = RunCommand(Kv("put --dir=" + dir.File("db") + " '' v"));
  EXPECT_EQ(empty_key.exit_code, 1);
  EXPECT_EQ(empty_key.err, "syskit kv: error: empty key\n");
  dir.Write("foreign/notes.txt", "");
  std::filesystem::create_directories(dir.File("foreign"));
  dir.Write("foreign/notes.txt", "hello");
  auto foreign = RunCommand(Kv("put --dir=" + dir.File("foreign") + " k v"));
  EXPECT_EQ(foreign.exit_code, 1);
  EXPECT_NE(foreign.err.find("not a syskit kv database"), std::string::npos);
  auto bad_sync = RunCommand(Kv("serve --dir=" + dir.File("db") + " --sync=sometimes"));
  EXPECT_EQ(bad_sync.exit_code, 2);
  for (const char* tiers : {"optane:zz,qlc", "optane,qlc", "optane:1M", "floppy:1M,qlc"}) {
    auto bad_tiers =
        RunCommand(Kv("serve --dir=" + dir.File("t") + " --port=0 --tiers=" + std::string(tiers)));
    EXPECT_EQ(bad_tiers.exit_code, 2) << tiers << ": " << bad_tiers.err;
    EXPECT_EQ(bad_tiers.err.rfind("syskit kv: error: --tiers", 0) == 0 ||
                  bad_tiers.err.find("floppy") != std::string::npos,
              true)
        << bad_tiers.err;
  }
}

TEST(KvCli, CheckReportsDamagedBlockAndKeyRange) {
  TempDir dir;
  const std::string d = " --dir=" + dir.File("db");
  ASSERT_EQ(RunCommand(Kv("put" + d + " alpha one")).exit_code, 0);
  // Reopening flushes the recovered WAL into a table file.
  ASSERT_EQ(RunCommand(Kv("put" + d + " beta two")).exit_code, 0);
  std::string table;
  for (const auto& entry : std::filesystem::directory_iterator(dir.File("db"))) {
    if (entry.path().extension() == ".sst") table = entry.path().string();
  }
  ASSERT_FALSE(table.empty());
  {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(3);
    f.put('#');
  }
  auto check = RunCommand(Kv("check" + d));
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("damaged file=" + table), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("checksum mismatch"), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("key_range=[-, alpha]"), std::string::npos) << check.out;
  auto get = RunCommand(Kv("get" + d + " alpha"));
  EXPECT_EQ(get.exit_code, 1);
  EXPECT_NE(get.err.find("checksum mismatch"), std::string::npos) << get.err;
  EXPECT_NE(get.err.find(".sst"), std::string::npos) << get.err;
}

class Server {
 public:
  explicit Server(const std::string& dir) {
    port_ = 20000 + getpid() % 20000;
    pid_ = fork();
    if (pid_ == 0) {
      const std::string dir_flag = "--dir=" + dir, port_flag = "--port=" + std::to_string(port_);
      execl(SYSKIT_BINARY, SYSKIT_BINARY, "kv", "serve", dir_flag.c_str(), port_flag.c_str(),
            "--quiet", static_cast<char*>(nullptr));
      _exit(127);
    }
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (Cli("ping").out == "PONG\n") return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ADD_FAILURE() << "server did not start on port " << port_;
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  syskit::testing::CommandOutcome Cli(const std::string& args) {
    return RunCommand("redis-cli -p " + std::to_string(port_) + " " + args);
  }
  // Sends raw bytes on a fresh connection and returns everything read back
  // until the server closes or `expect_bytes` arrived.
  std::string Raw(const std::string& bytes, size_t expect_bytes) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return "";
    if (send(fd, bytes.data(), bytes.size(), 0) < 0) return "";
    std::string reply;
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    char buf[4096];
    while (reply.size() < expect_bytes) {
      const ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      reply.append(buf, n);
    }
    close(fd);
    return reply;
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

TEST(KvServe, RedisCliCommandsPipeliningAndErrors) {
  // scripts/setup.sh installs redis-tools: a missing stock client is a failure, not a skip.
  ASSERT_EQ(RunCommand("redis-cli --version").exit_code, 0) << "redis-cli not installed";
  TempDir dir;
  Server server(dir.File("db"));
  EXPECT_EQ(server.Cli("set greeting hello").out, "OK\n");
  EXPECT_EQ(server.Cli("get greeting").out, "hello\n");
  EXPECT_EQ(server.Cli("get missing").out, "\n");
  EXPECT_EQ(server.Cli("mset a 1 b 2 c 3").out, "OK\n");
  EXPECT_EQ(server.Cli("mget a missing c").out, "1\n\n3\n");
  EXPECT_EQ(server.Cli("exists a b missing").out, "2\n");
  EXPECT_EQ(server.Cli("del a missing").out, "1\n");
  EXPECT_EQ(server.Cli("dbsize").out, "3\n");
  EXPECT_EQ(server.Cli("--scan --pattern '[bc]'").out, "b\nc\n");
  EXPECT_EQ(server.Cli("scan 0 match 'g*' count 100").out, "0\ngreeting\n");
  EXPECT_NE(server.Cli("frobnicate x").out.find("ERR unknown command 'frobnicate'"),
            std::string::npos);
  EXPECT_NE(server.Cli("set onlykey").out.find("wrong number of arguments"), std::string::npos);
  // Pipelining: 200 commands in one send, 200 replies in order.
  std::string pipeline, expected;
  for (int n = 0; n < 100; ++n) {
    const std::string key = "p" + std::to_string(n), value = "v" + std::to_string(n);
    pipeline += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
                std::to_string(value.size()) + "\r\n" + value + "\r\n";
    pipeline += "*2\r\n$3\r\nGET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
    expected += "+OK\r\n$" + std::to_string(value.size()) + "\r\n" + value + "\r\n";
  }
  EXPECT_EQ(server.Raw(pipeline, expected.size()), expected);
  // A malformed frame gets a protocol error; the server keeps serving.
  const std::string bad = server.Raw("*2\r\n$x\r\n", 1 << 20);
  EXPECT_EQ(bad.rfind("-ERR Protocol error", 0), 0u) << bad;
  EXPECT_EQ(server.Raw("*1\r\n$4\r\nPING\r\n", 7), "+PONG\r\n");
  // An oversized request is refused without reading it.
  const std::string huge = server.Raw("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$999999999\r\n", 1 << 20);
  EXPECT_NE(huge.find("exceeds the limit"), std::string::npos) << huge;
  EXPECT_EQ(server.Cli("get p42").out, "v42\n");
  EXPECT_EQ(server.Cli("flushall").out, "OK\n");
  EXPECT_EQ(server.Cli("dbsize").out, "0\n");
  EXPECT_EQ(server.Cli("set durable yes").out, "OK\n");
  EXPECT_EQ(server.Cli("shutdown").out, "OK\n");
  EXPECT_EQ(server.Wait(), 0);
  auto get = RunCommand(Kv("get --dir=" + dir.File("db") + " durable"));
  EXPECT_EQ(get.out, "yes\n");
}

}  // namespace
