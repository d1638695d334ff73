// The kernel suite in the slow tier, with the paper's 100 ms delays.
#include <gtest/gtest.h>

#include "kernel_suite.h"

namespace syskit::racecheck::kernels {
namespace {

TEST(KernelsSlow, EveryBuggyKernelFoundWithinTwoRunsAt100Ms) {
  ExpectEveryBuggyKernelFound(100'000);
}

TEST(KernelsSlow, TwinsNeverReportedOver100SeededRunsAt100Ms) {
  ExpectTwinsNeverReported(/*delay_us=*/100'000, /*seeds=*/100, /*iterations=*/12,
                           /*spacing_us=*/300);
}

}  // namespace
}  // namespace syskit::racecheck::kernels
