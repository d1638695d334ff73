// Shared body of the kernel-suite tests (unit tier: short delays; slow tier:
// the paper's 100 ms).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "kernels.h"
#include "syskit/racecheck/runtime.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck::kernels {

struct SuiteOutcome {
  size_t run1 = 0;
  size_t run2 = 0;
  bool run2_from_trap_file = false;
};

// Two runs of one kernel, the trap file carried from run 1 to run 2.
inline SuiteOutcome TwoRuns(const std::string& name, Variant variant, int64_t delay_us,
                            const KernelConfig& config, const std::string& trap_file) {
  SuiteOutcome outcome;
  for (int run = 1; run <= 2; ++run) {
    Options options;
    options.delay_us = delay_us;
    options.seed = config.seed * 2 + static_cast<uint64_t>(run);
    options.trap_file = trap_file;
    EXPECT_TRUE(Start(options).ok());
    EXPECT_TRUE(RunKernel(name, variant, config).ok());
    EXPECT_TRUE(Stop().ok());
    std::vector<Report> reports = TakeReports();
    (run == 1 ? outcome.run1 : outcome.run2) = reports.size();
    for (const Report& report : reports) {
      if (run == 2 && report.from_trap_file) outcome.run2_from_trap_file = true;
    }
  }
  return outcome;
}

inline void ExpectEveryBuggyKernelFound(int64_t delay_us) {
  size_t found_run1 = 0;
  for (const Kernel& kernel : AllKernels()) {
    // Detection depends on the scheduler's timing: a kernel gets up to three
    // fresh two-run attempts (each with its own trap file), so a rare
    // unlucky schedule does not fail the suite, while a kernel the detector
    // cannot find still does. Run 1 of the first attempt counts for the
    // 80 % target; racecheck_bench reports the rates without retries.
    SuiteOutcome outcome;
    int attempt = 1;
    for (;; ++attempt) {
      testing::TempDir dir;
      outcome =
          TwoRuns(kernel.name, Variant::kBuggy, delay_us, KernelConfig{}, dir.File("traps.json"));
      if (attempt == 1 && outcome.run1 > 0) ++found_run1;
      if (outcome.run1 + outcome.run2 >= 1 || attempt == 3) break;
    }
    EXPECT_GE(outcome.run1 + outcome.run2, 1u) << kernel.name << " not found in two runs, 3 tries";
    std::printf("kernel=%s found_run1=%zu found_run2=%zu attempts=%d\n", kernel.name, outcome.run1,
                outcome.run2, attempt);
  }
  // Issue 9's target: at least 80 % in run 1.
  EXPECT_GE(found_run1 * 10, AllKernels().size() * 8);
}

inline void ExpectTwinsNeverReported(int64_t delay_us, int seeds, int iterations,
                                     int64_t spacing_us) {
  for (const Kernel& kernel : AllKernels()) {
    for (Variant variant : {Variant::kLocked, Variant::kOrdered}) {
      testing::TempDir dir;
      size_t reports = 0;
      uint64_t delays = 0;
      for (int seed = 1; seed <= seeds; ++seed) {
        Options options;
        options.delay_us = delay_us;
        options.seed = static_cast<uint64_t>(seed);
        // Seeds share the trap file, like consecutive test runs.
        options.trap_file = dir.File("traps.json");
        ASSERT_TRUE(Start(options).ok());
        KernelConfig config;
        config.iterations = iterations;
        config.spacing_us = spacing_us;
        config.seed = static_cast<uint64_t>(seed);
        ASSERT_TRUE(RunKernel(kernel.name, variant, config).ok());
        Result<Stats> stats = Stop();
        ASSERT_TRUE(stats.ok());
        delays += stats->delays;
        reports += TakeReports().size();
      }
      EXPECT_EQ(reports, 0u) << kernel.name << " " << VariantName(variant);
      std::printf("twin=%s/%s seeds=%d reports=%zu delays=%llu\n", kernel.name,
                  VariantName(variant), seeds, reports, static_cast<unsigned long long>(delays));
    }
  }
}

}  // namespace syskit::racecheck::kernels
