#include "syskit/racecheck/harness.h"

#include <gtest/gtest.h>

#include "syskit/core/env.h"
#include "syskit/racecheck/trap_file.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck {
namespace {

HarnessOptions Fast(const testing::TempDir& dir) {
  HarnessOptions options;
  options.delay_ms = 20;
  options.out_dir = dir.File("out");
  options.timeout_seconds = 60;
  return options;
}

TEST(Harness, FindsTheBuggyKernelWithSymbolisedStacks) {
  testing::TempDir dir;
  Result<std::vector<RunOutcome>> outcomes =
      RunUnderRacecheck(Fast(dir), {RACECHECK_KERNELS, "push_back", "buggy"});
  ASSERT_TRUE(outcomes.ok()) << outcomes.status();
  ASSERT_EQ(outcomes->size(), 2u);
  size_t reports = 0;
  for (const RunOutcome& outcome : *outcomes) {
    EXPECT_EQ(outcome.exit_code, 0);
    EXPECT_FALSE(outcome.timed_out);
    EXPECT_GT(outcome.stats.calls, 0u);
    reports += outcome.reports.size();
  }
  ASSERT_GE(reports, 1u);
  const Report& report =
      (*outcomes)[0].reports.empty() ? (*outcomes)[1].reports[0] : (*outcomes)[0].reports[0];
  EXPECT_NE(report.trapped.site.key.find("kernels.cc:"), std::string::npos);
  // addr2line resolved the kernel's frame on both stacks.
  for (const ReportSide* side : {&report.trapped, &report.arriving}) {
    bool kernel_frame = false;
    for (const Frame& frame : side->stack) {
      if (frame.function.find("PushBack") != std::string::npos &&
          frame.source.find("kernels.cc:") != std::string::npos) {
        kernel_frame = true;
      }
    }
    EXPECT_TRUE(kernel_frame) << FormatReport(report);
  }
  Result<std::vector<std::pair<int, Report>>> saved = ReadReports(dir.File("out"));
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->size(), reports);
}

TEST(Harness, TwinGivesNoReports) {
  testing::TempDir dir;
  Result<std::vector<RunOutcome>> outcomes =
      RunUnderRacecheck(Fast(dir), {RACECHECK_KERNELS, "push_back", "locked"});
  ASSERT_TRUE(outcomes.ok());
  for (const RunOutcome& outcome : *outcomes) EXPECT_TRUE(outcome.reports.empty());
}

// Timing-dependent (run 1 must see the near miss, run 2's trap must be
// reached within the delay), so up to three fresh two-run attempts; the
// in-process test measures the rate (at least 4 of 5).
TEST(Harness, OncePerRunRaceFoundInRun2) {
  bool found = false;
  for (int attempt = 0; attempt < 3 && !found; ++attempt) {
    testing::TempDir dir;
    Result<std::vector<RunOutcome>> outcomes =
        RunUnderRacecheck(Fast(dir), {RACECHECK_KERNELS, "once_per_run", "buggy"});
    ASSERT_TRUE(outcomes.ok());
    EXPECT_EQ((*outcomes)[0].reports.size(), 0u);  // nothing to trap in run 1
    ASSERT_LE((*outcomes)[1].reports.size(), 1u);
    found = (*outcomes)[1].reports.size() == 1 && (*outcomes)[1].reports[0].from_trap_file;
  }
  EXPECT_TRUE(found);
}

TEST(Harness, HangingTargetIsKilledAtTheTimeout) {
  testing::TempDir dir;
  HarnessOptions options = Fast(dir);
  options.runs = 1;
  options.timeout_seconds = 0.3;
  Result<std::vector<RunOutcome>> outcomes = RunUnderRacecheck(options, {"/bin/sleep", "30"});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_TRUE((*outcomes)[0].timed_out);
  EXPECT_LT((*outcomes)[0].seconds, 5.0);
}

TEST(Harness, CrashingTargetReportsTheSignal) {
  testing::TempDir dir;
  HarnessOptions options = Fast(dir);
  options.runs = 1;
  Result<std::vector<RunOutcome>> outcomes =
      RunUnderRacecheck(options, {"/bin/sh", "-c", "kill -SEGV $$"});
  ASSERT_TRUE(outcomes.ok());
  EXPECT_EQ((*outcomes)[0].signal, 11);
}

TEST(Harness, MissingBinaryIsNotFound) {
  testing::TempDir dir;
  Result<std::vector<RunOutcome>> outcomes =
      RunUnderRacecheck(Fast(dir), {dir.File("no-such-program")});
  EXPECT_EQ(outcomes.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(outcomes.status().message(), "no such executable: " + dir.File("no-such-program"));
}

TEST(Harness, MalformedTrapFileIsRejectedAndLeftAlone) {
  testing::TempDir dir;
  HarnessOptions options = Fast(dir);
  options.trap_file = dir.Write("traps.json", "{\"pairs\": [{]}");
  Result<std::vector<RunOutcome>> outcomes =
      RunUnderRacecheck(options, {RACECHECK_KERNELS, "push_back", "buggy"});
  EXPECT_EQ(outcomes.status().code(), StatusCode::kInvalidArgument);
  Result<std::string> text = ReadFileToString(Env::Default(), options.trap_file);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"pairs\": [{]}");
}

}  // namespace
}  // namespace syskit::racecheck
