// The LD_PRELOAD shim on a program that does not link the runtime.
#include <gtest/gtest.h>

#include "syskit/racecheck/harness.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck {
namespace {

std::vector<RunOutcome> RunPreloaded(const testing::TempDir& dir, const std::string& api,
                                     const std::string& variant) {
  HarnessOptions options;
  options.delay_ms = 20;
  options.out_dir = dir.File("out-" + api + "-" + variant);
  options.extra_env = {std::string("LD_PRELOAD=") + RACECHECK_PRELOAD};
  Result<std::vector<RunOutcome>> outcomes =
      RunUnderRacecheck(options, {RACECHECK_LIBC_RACE, api, variant});
  EXPECT_TRUE(outcomes.ok()) << outcomes.status();
  return outcomes.ok() ? *outcomes : std::vector<RunOutcome>{};
}

TEST(Preload, ConcurrentStrtokIsReported) {
  testing::TempDir dir;
  std::vector<Report> reports;
  for (const RunOutcome& outcome : RunPreloaded(dir, "strtok", "buggy")) {
    EXPECT_EQ(outcome.exit_code, 0);
    reports.insert(reports.end(), outcome.reports.begin(), outcome.reports.end());
  }
  ASSERT_FALSE(reports.empty());
  EXPECT_EQ(reports[0].trapped.op, "libc::strtok");
  EXPECT_EQ(reports[0].arriving.op, "libc::strtok");
  EXPECT_NE(reports[0].trapped.site.key.find("racecheck_libc_race:"), std::string::npos)
      << reports[0].trapped.site.key;
}

TEST(Preload, SetenvAgainstGetenvIsReported) {
  testing::TempDir dir;
  std::vector<Report> reports;
  for (const RunOutcome& outcome : RunPreloaded(dir, "env", "buggy")) {
    reports.insert(reports.end(), outcome.reports.begin(), outcome.reports.end());
  }
  ASSERT_FALSE(reports.empty());
  const Report& report = reports[0];
  EXPECT_TRUE(report.trapped.op == "libc::setenv" || report.arriving.op == "libc::setenv")
      << report.trapped.op << " " << report.arriving.op;
}

TEST(Preload, LockedCallsAreNotReported) {
  testing::TempDir dir;
  for (const char* api : {"strtok", "env"}) {
    for (const RunOutcome& outcome : RunPreloaded(dir, api, "locked")) {
      EXPECT_EQ(outcome.exit_code, 0);
      EXPECT_TRUE(outcome.reports.empty()) << api;
      EXPECT_GT(outcome.stats.calls, 0u) << api;
    }
  }
}

}  // namespace
}  // namespace syskit::racecheck
