// racecheck_bench: TSVD against two baselines on the kernel suite, side by
// side in one driver run:
//   tsvd    learned delays (near misses, HB inference, decay, trap file)
//   random  DataCollider-style: each call delayed with probability 0.05 for
//           0..delay_ms, through the same runtime hooks and trap check
//   tsan    the kernels built with g++ -fsanitize=thread, runtime off
// Each tool gets two runs per buggy kernel (trap file carried over for
// tsvd), and two runs of every locked and ordered twin (false reports).
// overhead = median over trials of the wall time of all locked twins under
// the tool / uninstrumented (2000 calls per thread, 5 us of work between
// calls); for tsvd and random with delays off (the hook cost; the issue's
// "overhead on the race-free twins"), overhead_with_delays with them, and
// overhead_call_bound with 20000 back-to-back calls per thread (worst case).
//
// With --detection_trials=N the two-run detection is repeated N times with
// seeds seed..seed+N-1 (runtime and kernel jitter): found_run1/found_run2 are
// then the means and found_run*_min the worst trial. delay_ms_total counts
// the first trial's buggy runs and the twins. After the tool lines a
// per-kernel table gives, for each tool, the trials that found each kernel
// in run 1 and by run 2.
//
//   racecheck_bench [--delay_ms=20] [--trials=3] [--seed=1] [--detection_trials=1]
//                   [--tools=tsvd,random,tsan]
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "kernels.h"
#include "syskit/core/bench.h"
#include "syskit/core/env.h"
#include "syskit/core/flags.h"
#include "syskit/racecheck/harness.h"

namespace syskit::racecheck {
namespace {

std::vector<const char*> KernelNames() {
  std::vector<const char*> names;
  for (const kernels::Kernel& kernel : kernels::AllKernels()) names.push_back(kernel.name);
  return names;
}
const std::vector<const char*> kKernels = KernelNames();

struct Setup {
  std::string kernels_bin;
  std::string tsan_bin;
  std::string work_dir;
  int64_t delay_ms = 20;
  int trials = 3;
  uint64_t seed = 1;
  int detection_trials = 1;
  double timeout = 120;
};

// Runs `command` under `mode` for `runs` runs in a fresh directory.
std::vector<RunOutcome> Run(const Setup& setup, const std::string& mode, int64_t delay_ms, int runs,
                            const std::vector<std::string>& command, const std::string& tag) {
  HarnessOptions options;
  options.mode = mode;
  options.runs = runs;
  options.delay_ms = delay_ms;
  options.seed = setup.seed;
  options.timeout_seconds = setup.timeout;
  options.out_dir = setup.work_dir + "/" + tag;
  std::filesystem::remove_all(options.out_dir);
  options.stdout_file = options.out_dir + ".stdout";
  options.stderr_file = options.out_dir + ".stderr";
  Result<std::vector<RunOutcome>> outcomes = RunUnderRacecheck(options, command);
  if (!outcomes.ok()) {
    std::fprintf(stderr, "racecheck_bench: error: %s\n", outcomes.status().message().c_str());
    std::exit(1);
  }
  return std::move(outcomes).value();
}

bool TsanWarned(const std::string& stderr_file) {
  Result<std::string> text = ReadFileToString(Env::Default(), stderr_file);
  return text.ok() && text->find("WARNING: ThreadSanitizer") != std::string::npos;
}

struct ToolResult {
  // Detection over `detection_trials` two-run trials: mean and minimum.
  double found_run1 = 0, found_run2 = 0;
  int found_run1_min = 0, found_run2_min = 0;
  int false_reports = 0;
  // Per kernel (kKernels order): trials that found it in run 1, by run 2.
  std::vector<int> kernel_run1, kernel_run2;
  double overhead = 0, overhead_with_delays = 0, overhead_call_bound = 0, delay_ms_total = 0,
         seconds = 0;
};

// Wall time of every locked twin. `iterations` calls per thread with
// `spacing_us` of simulated work between calls.
double TwinSeconds(const Setup& setup, const std::string& binary, const std::string& mode,
                   int64_t delay_ms, int trial, const char* iterations, const char* spacing_us) {
  double total = 0;
  for (const char* kernel : kKernels) {
    std::vector<RunOutcome> outcomes =
        Run(setup, mode, delay_ms, 1, {binary, kernel, "locked", iterations, spacing_us},
            std::string("overhead-") + mode + "-" + kernel + "-" + std::to_string(trial));
    total += outcomes[0].seconds;
  }
  return total;
}

ToolResult RunTool(const Setup& setup, const std::string& tool) {
  ToolResult result;
  const auto start = std::chrono::steady_clock::now();
  const bool tsan = tool == "tsan";
  const std::string binary = tsan ? setup.tsan_bin : setup.kernels_bin;
  const std::string mode = tsan ? "off" : tool;
  // Detection: each trial is a fresh two-run detection of every buggy kernel
  // with its own seed (runtime seed and kernel jitter seed); trial 1 uses
  // --seed, as a single-trial run always did.
  const kernels::KernelConfig defaults;
  const std::string iterations = std::to_string(defaults.iterations);
  const std::string spacing_us = std::to_string(defaults.spacing_us);
  std::vector<int> found1(static_cast<size_t>(setup.detection_trials), 0);
  std::vector<int> found2(found1.size(), 0);
  result.kernel_run1.assign(kKernels.size(), 0);
  result.kernel_run2.assign(kKernels.size(), 0);
  for (int trial = 0; trial < setup.detection_trials; ++trial) {
    Setup trial_setup = setup;
    trial_setup.seed = setup.seed + static_cast<uint64_t>(trial);
    const std::string kernel_seed = std::to_string(trial_setup.seed);
    for (size_t k = 0; k < kKernels.size(); ++k) {
      const char* kernel = kKernels[k];
      const std::string tag = tool + "-" + kernel + "-t" + std::to_string(trial);
      const std::vector<std::string> command = {binary,     kernel,     "buggy",
                                                iterations, spacing_us, kernel_seed};
      std::vector<RunOutcome> outcomes =
          Run(trial_setup, mode, setup.delay_ms, tsan ? 1 : 2, command, tag + "-1");
      bool run1, run2;
      if (tsan) {
        // Two independent runs (TSan carries nothing between runs).
        run1 = TsanWarned(setup.work_dir + "/" + tag + "-1.stderr");
        Run(trial_setup, mode, setup.delay_ms, 1, command, tag + "-2");
        run2 = run1 || TsanWarned(setup.work_dir + "/" + tag + "-2.stderr");
      } else {
        run1 = !outcomes[0].reports.empty();
        run2 = run1 || !outcomes[1].reports.empty();
        if (trial == 0) {
          for (const RunOutcome& outcome : outcomes) {
            result.delay_ms_total += outcome.stats.delay_us_total / 1000.0;
          }
        }
      }
      found1[static_cast<size_t>(trial)] += run1;
      found2[static_cast<size_t>(trial)] += run2;
      result.kernel_run1[k] += run1;
      result.kernel_run2[k] += run2;
      std::fprintf(stderr, "tool=%s trial=%d kernel=%s found_run1=%d found_run2=%d\n", tool.c_str(),
                   trial + 1, kernel, run1, run2);
    }
  }
  for (size_t trial = 0; trial < found1.size(); ++trial) {
    result.found_run1 += found1[trial] / static_cast<double>(found1.size());
    result.found_run2 += found2[trial] / static_cast<double>(found2.size());
  }
  result.found_run1_min = *std::min_element(found1.begin(), found1.end());
  result.found_run2_min = *std::min_element(found2.begin(), found2.end());
  // False reports: two runs of every twin (once, not per detection trial).
  for (const char* kernel : kKernels) {
    for (const char* variant : {"locked", "ordered"}) {
      const std::string twin_tag = tool + "-" + kernel + "-" + variant;
      std::vector<RunOutcome> twins =
          Run(setup, mode, setup.delay_ms, 2, {binary, kernel, variant}, twin_tag);
      if (tsan) {
        result.false_reports += TsanWarned(setup.work_dir + "/" + twin_tag + ".stderr");
      } else {
        for (const RunOutcome& twin : twins) {
          result.false_reports += static_cast<int>(twin.reports.size());
          result.delay_ms_total += twin.stats.delay_us_total / 1000.0;
        }
      }
    }
  }
  // overhead: 2000 calls per thread with 5 us of work between calls;
  // overhead_call_bound: 20000 back-to-back calls per thread (worst case).
  std::vector<double> ratios, ratios_with_delays, ratios_call_bound;
  const std::string tool_bin = tsan ? setup.tsan_bin : setup.kernels_bin;
  for (int trial = 0; trial < setup.trials; ++trial) {
    const double base = TwinSeconds(setup, setup.kernels_bin, "off", 0, trial, "2000", "5");
    const double base_call_bound =
        TwinSeconds(setup, setup.kernels_bin, "off", 0, trial, "20000", "0");
    ratios.push_back(TwinSeconds(setup, tool_bin, mode, 0, trial, "2000", "5") / base);
    ratios_call_bound.push_back(TwinSeconds(setup, tool_bin, mode, 0, trial, "20000", "0") /
                                base_call_bound);
    if (!tsan) {
      ratios_with_delays.push_back(
          TwinSeconds(setup, tool_bin, mode, setup.delay_ms, trial, "2000", "5") / base);
    }
  }
  result.overhead = bench::Median(ratios);
  result.overhead_call_bound = bench::Median(ratios_call_bound);
  result.overhead_with_delays = tsan ? result.overhead : bench::Median(ratios_with_delays);
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace
}  // namespace syskit::racecheck

int main(int argc, char** argv) {
  using namespace syskit::racecheck;
  auto app =
      syskit::flags::NewApp("racecheck_bench", "TSVD vs random delays vs TSan on the kernel suite");
  Setup setup;
  std::string tools = "tsvd,random,tsan";
  app->add_option("--delay_ms", setup.delay_ms, "TSVD delay; random draws 0..this");
  app->add_option("--trials", setup.trials, "overhead trials (median)");
  app->add_option("--seed", setup.seed, "runtime seed");
  app->add_option("--detection_trials", setup.detection_trials,
                  "two-run detection trials per tool (seeds seed..seed+N-1): mean and min");
  app->add_option("--tools", tools, "comma-separated: tsvd, random, tsan");
  if (auto code = syskit::flags::Parse(*app, argc, argv)) return *code;
  if (setup.detection_trials < 1 || setup.trials < 1) {
    return syskit::flags::ReportUsageError("racecheck_bench",
                                           "--detection_trials and --trials must be >= 1");
  }

  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  setup.kernels_bin = (self.parent_path() / "racecheck_kernels").string();
  setup.tsan_bin = (self.parent_path() / "racecheck_kernels_tsan").string();
  char work[] = "/tmp/racecheck-bench-XXXXXX";
  if (::mkdtemp(work) == nullptr) return 1;
  setup.work_dir = work;
  syskit::bench::PrintHeader(
      "racecheck_bench",
      "kernels=" + std::to_string(kKernels.size()) + " delay_ms=" + std::to_string(setup.delay_ms) +
          " random=p0.05,0-" + std::to_string(setup.delay_ms) +
          "ms trials=" + std::to_string(setup.trials) + " seed=" + std::to_string(setup.seed) +
          " (shared machine; wall-clock ratios)");
  std::vector<std::pair<std::string, ToolResult>> ran;
  std::string list = tools + ",";
  for (size_t comma; (comma = list.find(',')) != std::string::npos; list.erase(0, comma + 1)) {
    const std::string tool = list.substr(0, comma);
    if (tool.empty()) continue;
    if (tool != "tsvd" && tool != "random" && tool != "tsan") {
      return syskit::flags::ReportUsageError("racecheck_bench", "unknown tool \"" + tool + "\"");
    }
    if (tool == "tsan" && ::access(setup.tsan_bin.c_str(), X_OK) != 0) {
      std::printf("tool=tsan skipped=1 reason=\"%s not built (-fsanitize=thread unavailable)\"\n",
                  setup.tsan_bin.c_str());
      continue;
    }
    ToolResult r = RunTool(setup, tool);
    // found_run1/found_run2: the mean over detection trials (an integer for
    // one trial, as before); _min: the worst trial.
    const int precision = setup.detection_trials == 1 ? 0 : 2;
    std::printf(
        "tool=%s kernels=%zu found_run1=%.*f found_run2=%.*f false_reports=%d overhead=%.2f "
        "overhead_with_delays=%.2f overhead_call_bound=%.2f delay_ms_total=%.0f "
        "detection_trials=%d found_run1_min=%d found_run2_min=%d seconds=%.1f\n",
        tool.c_str(), kKernels.size(), precision, r.found_run1, precision, r.found_run2,
        r.false_reports, r.overhead, r.overhead_with_delays, r.overhead_call_bound,
        r.delay_ms_total, setup.detection_trials, r.found_run1_min, r.found_run2_min, r.seconds);
    std::fflush(stdout);
    ran.emplace_back(tool, std::move(r));
  }
  // Which tool found which kernel: trials that found it in run 1 / by run 2,
  // out of --detection_trials.
  if (!ran.empty()) {
    std::printf("per_kernel detection_trials=%d (found in run 1 / by run 2)\n",
                setup.detection_trials);
    auto print_row = [](std::string row) {
      while (!row.empty() && row.back() == ' ') row.pop_back();
      std::printf("%s\n", row.c_str());
    };
    auto pad = [](std::string text, size_t width) {
      if (text.size() < width) text.resize(width, ' ');
      return text;
    };
    std::string header = pad("kernel", 22);
    for (const auto& [tool, r] : ran) header += " " + pad(tool, 11);
    print_row(header);
    for (size_t k = 0; k < kKernels.size(); ++k) {
      std::string row = pad(kKernels[k], 22);
      for (const auto& [tool, r] : ran) {
        row += " " +
               pad(std::to_string(r.kernel_run1[k]) + "/" + std::to_string(r.kernel_run2[k]), 11);
      }
      print_row(row);
    }
  }
  std::filesystem::remove_all(setup.work_dir);
  return 0;
}
