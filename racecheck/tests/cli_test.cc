#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck {
namespace {

using testing::RunCommand;

const std::string kSyskit = SYSKIT_BINARY;
const std::string kKernels = RACECHECK_KERNELS;

TEST(RacecheckCli, RunFindsTheBugAndReportPrintsIt) {
  testing::TempDir dir;
  const std::string out = dir.File("out");
  auto run = RunCommand(kSyskit + " racecheck run --runs=2 --delay_ms=20 --out_dir=" + out +
                        " -- " + kKernels + " check_then_act buggy");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("run=1 exit=0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("run=2 exit=0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("thread-safety violation: std::unordered_map::"), std::string::npos);
  EXPECT_EQ(run.out.find("violations=0"), std::string::npos) << run.out;
  auto text = RunCommand(kSyskit + " racecheck report --out_dir=" + out);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("trapped thread"), std::string::npos);
  EXPECT_NE(text.out.find("arriving thread"), std::string::npos);
  auto json = RunCommand(kSyskit + " racecheck report --json --out_dir=" + out);
  ASSERT_EQ(json.exit_code, 0);
  nlohmann::json parsed = nlohmann::json::parse(json.out);
  ASSERT_GE(parsed["reports"].size(), 1u);
  EXPECT_TRUE(parsed["reports"][0].contains("trapped"));
  EXPECT_FALSE(parsed["reports"][0]["arriving"]["stack"].empty());
}

TEST(RacecheckCli, MissingBinaryIsAUsageError) {
  testing::TempDir dir;
  auto run =
      RunCommand(kSyskit + " racecheck run --out_dir=" + dir.File("out") + " -- /nonexistent/prog");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "syskit racecheck: error: no such executable: /nonexistent/prog\n");
}

TEST(RacecheckCli, MalformedConfigIsAUsageError) {
  testing::TempDir dir;
  const std::string config =
      dir.Write("c.json", R"({"groups": [{"type": "std::map", "write": ["ad"]}]})");
  auto run = RunCommand(kSyskit + " racecheck run --config=" + config +
                        " --out_dir=" + dir.File("out") + " -- " + kKernels + " push_back buggy");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(run.err, "syskit racecheck: error: " + config +
                         ": groups[0]: unknown method \"ad\" of std::map\n");
}

TEST(RacecheckCli, HangIsReportedAfterTheTimeout) {
  testing::TempDir dir;
  auto run =
      RunCommand(kSyskit + " racecheck run --runs=1 --timeout=0.5 --out_dir=" + dir.File("out") +
                 " -- /bin/sleep 30");
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("syskit racecheck: error: run 1: target timed out"), std::string::npos)
      << run.err;
}

TEST(RacecheckCli, ReportWithoutRunIsAUsageError) {
  testing::TempDir dir;
  auto report = RunCommand(kSyskit + " racecheck report --out_dir=" + dir.File("none"));
  EXPECT_EQ(report.exit_code, 2);
  EXPECT_NE(report.err.find("syskit racecheck: error: no reports in"), std::string::npos);
}

TEST(RacecheckCli, BadEnvironmentValueStopsTheTarget) {
  auto run = RunCommand("RACECHECK_MODE=fast " + kKernels + " push_back buggy");
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_EQ(
      run.err,
      "syskit racecheck: error: RACECHECK_MODE: expected off, tsvd or random, got \"fast\"\n");
}

}  // namespace
}  // namespace syskit::racecheck
