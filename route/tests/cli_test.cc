#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "syskit/route/edge_balancer.h"
#include "syskit/route/instances.h"
#include "syskit/route/state_json.h"
#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::route {
namespace {

using testing::ReadWholeFile;
using testing::RunCommand;

const std::string kBinary = SYSKIT_BINARY;

std::string WriteState(testing::TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.File(name);
  std::ofstream(path) << text;
  return path;
}

std::string GoodState() {
  return StateJson(MakeRandomState({.edges = 6, .dcs = 4, .load_factor = 0.5, .seed = 3}),
                   Policy{});
}

TEST(Cli, SolvePrintsTableAndMoves) {
  testing::TempDir dir;
  const auto path = WriteState(dir, "state.json", GoodState());
  const auto outcome = RunCommand(kBinary + " route solve --input=" + path);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("\"table\""), std::string::npos);
  EXPECT_NE(outcome.out.find("\"moves\""), std::string::npos);
  EXPECT_NE(outcome.out.find("\"edge0\""), std::string::npos);
  // The LP reference solver through the same path.
  EXPECT_EQ(RunCommand(kBinary + " route solve --solver=lp --input=" + path).exit_code, 0);
}

TEST(Cli, BadStatesAreRuntimeErrors) {
  testing::TempDir dir;
  std::string state = GoodState();
  struct Case {
    std::string name, from, to, message;
  };
  const std::vector<Case> cases = {
      {"unknown_dc", "\"dc1\": ", "\"dc9\": ", "unknown datacenter \"dc9\""},
      {"negative_load", "\"load\": ", "\"load\": -", "load must be >= 0"},
      {"nan_latency", "\"dc2\": ", "\"dc2\": null, \"x\": ", "null (NaN)"},
      {"zero_capacity", "\"capacity\": ", "\"capacity\": 0, \"c\": ", "capacity must be positive"},
  };
  for (const Case& c : cases) {
    std::string text = state;
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos) << c.name;
    text.replace(at, c.from.size(), c.to);
    const auto path = WriteState(dir, c.name + ".json", text);
    const auto outcome = RunCommand(kBinary + " route solve --input=" + path);
    EXPECT_EQ(outcome.exit_code, 1) << c.name << ": " << outcome.err;
    EXPECT_EQ(outcome.err.rfind("syskit route: error: ", 0), 0u) << outcome.err;
    EXPECT_NE(outcome.err.find(c.message), std::string::npos) << c.name << ": " << outcome.err;
  }
  const auto malformed = WriteState(dir, "malformed.json", "{\"edges\": [");
  EXPECT_EQ(RunCommand(kBinary + " route solve --input=" + malformed).exit_code, 1);
  EXPECT_EQ(RunCommand(kBinary + " route solve --input=" + dir.File("missing.json")).exit_code, 1);
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(RunCommand(kBinary + " route solve").exit_code, 2);
  EXPECT_EQ(RunCommand(kBinary + " route solve --input=x --bogus=1").exit_code, 2);
  EXPECT_EQ(RunCommand(kBinary + " route solve --input=x --policy=fastest").exit_code, 2);
  EXPECT_EQ(RunCommand(kBinary + " route frobnicate").exit_code, 2);
  EXPECT_EQ(RunCommand(kBinary + " route simulate --scenario=week --out=/tmp/x").exit_code, 2);
}

TEST(Cli, PipelineKeepsLastKnownGoodConfig) {
  testing::TempDir dir;
  const auto good = WriteState(dir, "good.json", GoodState());
  const std::string config = dir.File("config.json");
  auto outcome = RunCommand(kBinary + " route pipeline --input=" + good + " --out=" + config);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  const std::string written = ReadWholeFile(config);
  Result<ParsedConfig> parsed = ParseRoutingConfigJson(written);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->height, 14);
  EXPECT_EQ(parsed->edges.size(), 6u);
  // An infeasible state: the error is reported and the old config stays.
  std::string text = GoodState();
  const size_t at = text.find("\"load\": ");
  text.replace(at, 8, "\"load\": 1e12, \"l\": ");
  const auto bad = WriteState(dir, "bad.json", text);
  outcome = RunCommand(kBinary + " route pipeline --input=" + bad + " --out=" + config);
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("infeasible"), std::string::npos) << outcome.err;
  EXPECT_NE(outcome.err.find("last known good configuration kept"), std::string::npos);
  EXPECT_EQ(ReadWholeFile(config), written);
}

// The pipeline reassigns from the configuration already in --out: the same
// table again moves no bucket and leaves the file as it was.
TEST(Cli, PipelineReassignsIncrementally) {
  testing::TempDir dir;
  const auto good = WriteState(dir, "good.json", GoodState());
  const std::string config = dir.File("config.json");
  auto outcome = RunCommand(kBinary + " route pipeline --input=" + good + " --out=" + config);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("incremental=0 "), std::string::npos) << outcome.out;
  const std::string first = ReadWholeFile(config);
  outcome = RunCommand(kBinary + " route pipeline --input=" + good + " --out=" + config);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("incremental=1 buckets_moved=0 "), std::string::npos) << outcome.out;
  EXPECT_EQ(ReadWholeFile(config), first);
  outcome =
      RunCommand(kBinary + " route pipeline --from_scratch --input=" + good + " --out=" + config);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("incremental=0 "), std::string::npos) << outcome.out;
}

TEST(Cli, SimulateWritesCsvPlotsAndSummary) {
  testing::TempDir dir;
  const auto outcome =
      RunCommand(kBinary +
                 " route simulate --scenario=day --epochs=24 --users=2000 --height=10 "
                 "--requests=300 --out=" +
                 dir.File("sim"));
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  for (const char* key : {"# simulated", "divergence_p80=", "latency_gap_ms_avg=", "locality=",
                          "baseline_locality=", "backend_load_reduction="}) {
    EXPECT_NE(outcome.out.find(key), std::string::npos) << key;
  }
  for (const char* file : {"epochs.csv", "utilization.csv", "utilization.svg", "latency_gap.svg",
                           "locality.svg", "backend.svg"}) {
    EXPECT_FALSE(ReadWholeFile(dir.File("sim") + "/" + file).empty()) << file;
  }
  // 24 epochs + header.
  const std::string csv = ReadWholeFile(dir.File("sim") + "/epochs.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 25);
}

// Reads "key=<port>" from a file a background server writes, waiting up to 5 s.
int WaitForPort(const std::string& path) {
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string text = ReadWholeFile(path);
    const size_t at = text.find("port=");
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      return std::atoi(text.c_str() + at + 5);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

TEST(Cli, ServeEdgeRoutesByThePipelineConfig) {
  testing::TempDir dir;
  const auto state = WriteState(dir, "state.json", GoodState());
  const std::string config = dir.File("config.json");
  ASSERT_EQ(RunCommand(kBinary + " route pipeline --input=" + state + " --out=" + config).exit_code,
            0);
  std::string backends;
  for (int d = 0; d < 4; ++d) {
    const std::string out = dir.File("frontend" + std::to_string(d));
    ASSERT_EQ(std::system((kBinary + " route serve-frontend --dc=dc" + std::to_string(d) +
                           " --duration=6 >" + out + " 2>&1 &")
                              .c_str()),
              0);
    const int port = WaitForPort(out);
    ASSERT_GT(port, 0);
    if (d > 0) backends += ',';
    backends += fmt::format("dc{}={}", d, port);
  }
  const std::string edge_out = dir.File("edge");
  ASSERT_EQ(std::system((kBinary + " route serve-edge --edge=edge0 --config=" + config +
                         " --backends=" + backends + " --nearest=dc3 --duration=4 >" + edge_out +
                         " 2>" + dir.File("edge_err") + " &")
                            .c_str()),
            0);
  const int port = WaitForPort(edge_out);
  ASSERT_GT(port, 0);
  // The configuration is loaded on start; wait for the log line.
  for (int attempt = 0; attempt < 60; ++attempt) {
    if (ReadWholeFile(dir.File("edge_err")).find("loaded") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Result<ParsedConfig> parsed = ParseRoutingConfigJson(ReadWholeFile(config));
  ASSERT_TRUE(parsed.ok());
  for (int bucket = 0; bucket < (1 << 14); bucket += 997) {
    auto reply =
        HttpGet(static_cast<uint16_t>(port), "/", "taiji_bucket=" + std::to_string(bucket));
    ASSERT_TRUE(reply.ok()) << reply.status();
    const std::string expected = parsed->dcs[parsed->dc_of_bucket[0][bucket]];
    EXPECT_NE(reply->find("dc=" + expected + " "), std::string::npos) << bucket << *reply;
  }
  auto first = HttpGet(static_cast<uint16_t>(port), "/?user=bob", "");
  ASSERT_TRUE(first.ok());
  EXPECT_NE(first->find("dc=dc3 "), std::string::npos) << *first;
  EXPECT_NE(first->find("Set-Cookie: taiji_bucket="), std::string::npos) << *first;
}

}  // namespace
}  // namespace syskit::route
