// The run harness behind `syskit racecheck run` and racecheck_bench: runs a
// program under the TSVD runtime (enabled through RACECHECK_* environment
// variables, read by the runtime linked into the program), with a timeout,
// and collects its reports and statistics. Runs are repeated with the trap
// file carried over, so a race seen as a near miss in run 1 is trapped from
// the start of run 2.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/racecheck/runtime.h"

namespace syskit::racecheck {

struct HarnessOptions {
  std::string mode = "tsvd";  // tsvd | random | off
  int runs = 2;
  int64_t delay_ms = 100;
  int64_t window_us = 10'000;
  uint64_t seed = 1;
  double timeout_seconds = 120;           // per run; the target's process group is killed after it
  std::string out_dir = "racecheck-out";  // reports, stats, trap and bug files
  std::string trap_file;                  // default <out_dir>/traps.json
  std::string bug_file;                   // default <out_dir>/bugs.json
  std::string config;                     // contract file ("" = std defaults)
  bool fresh = false;                     // delete the trap and bug files before run 1
  std::string stdout_file;                // target's stdout ("" = inherit)
  std::string stderr_file;                // target's stderr ("" = inherit)
  std::vector<std::string> extra_env;     // "NAME=value" added to the target's environment
};

struct RunOutcome {
  int run = 0;        // 1-based
  int exit_code = 0;  // valid when !signaled && !timed_out
  int signal = 0;     // the signal that killed the target, 0 if none
  bool timed_out = false;
  double seconds = 0;
  std::vector<Report> reports;  // found in this run, symbolised
  Stats stats;                  // zero if the target died before writing them
};

// Validates `options` and the program (NotFound: "no such executable") and
// runs it `options.runs` times. Reports of every run are also written to
// <out_dir>/reports.json (atomically). InvalidArgument for bad options or a
// malformed contract, trap or bug file.
Result<std::vector<RunOutcome>> RunUnderRacecheck(const HarnessOptions& options,
                                                  const std::vector<std::string>& command);

// Finds `program` like execvp would; NotFound if it is not an executable.
Result<std::string> ResolveExecutable(const std::string& program);

// Reads <out_dir>/reports.json: (run, report) pairs.
Result<std::vector<std::pair<int, Report>>> ReadReports(const std::string& out_dir);

// Human-readable text for one report, both stacks.
std::string FormatReport(const Report& report);

}  // namespace syskit::racecheck
