// The racecheck part of `syskit demo`: the push_back kernel (unsynchronised
// push_back from two threads) and its correctly locked twin, in-process with
// 20 ms delays. Checked: the bug is reported within two runs, the twin never.
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "kernels.h"
#include "syskit/core/demo.h"
#include "syskit/core/timer.h"
#include "syskit/racecheck/runtime.h"

namespace syskit::racecheck::tools {
namespace {

Result<std::vector<size_t>> TwoRuns(kernels::Variant variant, const std::string& trap_file) {
  std::vector<size_t> found;
  ::unlink(trap_file.c_str());
  for (int run = 1; run <= 2; ++run) {
    Options options;
    options.delay_us = 20'000;
    options.seed = static_cast<uint64_t>(run);
    options.trap_file = trap_file;
    SYSKIT_RETURN_IF_ERROR(Start(options));
    SYSKIT_RETURN_IF_ERROR(kernels::RunKernel("push_back", variant, kernels::KernelConfig{}));
    SYSKIT_RETURN_IF_ERROR(Stop().status());
    found.push_back(TakeReports().size());
  }
  ::unlink(trap_file.c_str());
  return found;
}

}  // namespace

Status RacecheckDemo(const std::string& data_dir, std::vector<DemoRow>* rows) {
  const std::string trap_file =
      "/tmp/syskit-racecheck-demo-" + std::to_string(::getpid()) + ".traps.json";
  for (kernels::Variant variant : {kernels::Variant::kBuggy, kernels::Variant::kLocked}) {
    Timer timer;
    SYSKIT_ASSIGN_OR_RETURN(std::vector<size_t> found, TwoRuns(variant, trap_file));
    const double seconds = timer.ElapsedSeconds();
    const bool buggy = variant == kernels::Variant::kBuggy;
    const bool ok = buggy ? found[0] + found[1] >= 1 : found[0] + found[1] == 0;
    rows->push_back(DemoRow{
        "racecheck", std::string("push_back kernel, ") + kernels::VariantName(variant),
        "reports_run1=" + std::to_string(found[0]) + " reports_run2=" + std::to_string(found[1]),
        ok ? "ok" : "FAIL", seconds});
  }
  return Status::OK();
}

}  // namespace syskit::racecheck::tools
