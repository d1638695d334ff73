// `syskit racecheck run|report`: run a program under TSVD delay injection
// (possibly twice, carrying the trap file), then print the reports.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "syskit/core/env.h"
#include "syskit/core/flags.h"
#include "syskit/racecheck/harness.h"
#include "syskit/racecheck/instrument.h"

namespace syskit::racecheck::tools {
namespace {

constexpr const char* kTool = "syskit racecheck";

int RunCommand(const HarnessOptions& options, const std::vector<std::string>& command, bool quiet) {
  if (command.empty())
    return flags::ReportUsageError(kTool, "no program given: run -- ./prog args");
  Result<std::string> program = ResolveExecutable(command[0]);
  if (!program.ok()) return flags::ReportUsageError(kTool, program.status().message());
  Result<std::vector<RunOutcome>> outcomes = RunUnderRacecheck(options, command);
  if (!outcomes.ok()) {
    if (outcomes.status().code() == StatusCode::kInvalidArgument) {
      return flags::ReportUsageError(kTool, outcomes.status().message());
    }
    return flags::ReportError(kTool, outcomes.status());
  }
  bool failed = false;
  size_t total = 0;
  for (const RunOutcome& outcome : *outcomes) {
    std::printf(
        "run=%d exit=%d signal=%d timed_out=%d seconds=%.3f reports=%zu calls=%llu "
        "near_misses=%llu dangerous_pairs=%llu delays=%llu delay_ms=%.1f hb_pruned=%llu "
        "retired=%llu\n",
        outcome.run, outcome.exit_code, outcome.signal, outcome.timed_out ? 1 : 0, outcome.seconds,
        outcome.reports.size(), static_cast<unsigned long long>(outcome.stats.calls),
        static_cast<unsigned long long>(outcome.stats.near_misses),
        static_cast<unsigned long long>(outcome.stats.dangerous_pairs),
        static_cast<unsigned long long>(outcome.stats.delays),
        outcome.stats.delay_us_total / 1000.0,
        static_cast<unsigned long long>(outcome.stats.hb_pruned_pairs),
        static_cast<unsigned long long>(outcome.stats.retired_pairs));
    if (outcome.timed_out) {
      std::fprintf(stderr, "%s: error: run %d: target timed out after %.0f s and was killed\n",
                   kTool, outcome.run, options.timeout_seconds);
      failed = true;
    } else if (outcome.signal != 0) {
      std::fprintf(stderr, "%s: error: run %d: target killed by signal %d\n", kTool, outcome.run,
                   outcome.signal);
      failed = true;
    } else if (outcome.exit_code != 0) {
      std::fprintf(stderr, "%s: warning: run %d: target exited with status %d\n", kTool,
                   outcome.run, outcome.exit_code);
    }
    for (const Report& report : outcome.reports) {
      if (!quiet) std::printf("%s", FormatReport(report).c_str());
    }
    total += outcome.reports.size();
  }
  std::printf("violations=%zu out_dir=%s\n", total, options.out_dir.c_str());
  bool any_calls = false;
  for (const RunOutcome& outcome : *outcomes) any_calls = any_calls || outcome.stats.calls > 0;
  if (!any_calls && options.mode != "off") {
    std::fprintf(stderr,
                 "%s: warning: the target made no instrumented calls (is it linked with "
                 "syskit::racecheck, instrumented, or run with --preload?)\n",
                 kTool);
  }
  return failed ? flags::kExitRuntimeError : flags::kExitOk;
}

int ReportCommand(const std::string& out_dir, bool json) {
  Result<std::vector<std::pair<int, Report>>> reports = ReadReports(out_dir);
  if (!reports.ok()) {
    if (reports.status().code() == StatusCode::kNotFound) {
      return flags::ReportUsageError(
          kTool, "no reports in " + out_dir + " (run `syskit racecheck run` first)");
    }
    return flags::ReportError(kTool, reports.status());
  }
  if (json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& [run, report] : *reports) {
      nlohmann::json entry = nlohmann::json::parse(ReportToJson(report));
      entry["run"] = run;
      all.push_back(entry);
    }
    std::cout << nlohmann::json{{"reports", all}}.dump(2) << "\n";
    return flags::kExitOk;
  }
  for (const auto& [run, report] : *reports) {
    std::printf("[run %d] %s", run, FormatReport(report).c_str());
  }
  std::printf("violations=%zu\n", reports->size());
  return flags::kExitOk;
}

int InstrumentCommand(InstrumentOptions options, const std::string& config) {
  if (!config.empty()) {
    Result<Contract> contract = Contract::Load(config);
    if (!contract.ok()) return flags::ReportUsageError(kTool, contract.status().message());
    options.contract = std::move(contract).value();
  }
#ifdef SYSKIT_RACECHECK_HAVE_CLANG
  Result<std::vector<InstrumentedFile>> files = Instrument(options);
  if (!files.ok()) {
    if (files.status().code() == StatusCode::kInvalidArgument) {
      return flags::ReportUsageError(kTool, files.status().message());
    }
    return flags::ReportError(kTool, files.status());
  }
  int hooks = 0;
  for (const InstrumentedFile& file : *files) {
    std::printf("file=%s output=%s hooks=%d skipped=%d\n", file.source.c_str(), file.output.c_str(),
                file.hooks, file.skipped);
    hooks += file.hooks;
  }
  std::printf("files=%zu hooks=%d\n", files->size(), hooks);
  return flags::kExitOk;
#else
  return flags::ReportError(
      kTool, FailedPreconditionError("instrument is not available: syskit was built without "
                                     "Clang LibTooling (libclang-cpp14-dev)"));
#endif
}

}  // namespace

int RacecheckMain(int argc, const char* const* argv) {
  auto app = flags::NewApp(kTool, "TSVD thread-safety-violation detection by delay injection");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->require_subcommand(1);

  HarnessOptions options;
  std::vector<std::string> command;
  CLI::App* run = app->add_subcommand(
      "run", "run PROGRAM under the runtime (it must link syskit::racecheck): run -- ./prog args");
  run->add_option("--runs", options.runs, "test runs; the trap file carries over between them")
      ->check(CLI::Range(1, 100));
  run->add_option("--mode", options.mode, "tsvd, random (DataCollider-style baseline) or off")
      ->check(CLI::IsMember({"tsvd", "random", "off"}));
  run->add_option("--delay_ms", options.delay_ms, "delay at a dangerous location (ms)")
      ->check(CLI::Range(int64_t{0}, int64_t{10000}));
  run->add_option("--window_us", options.window_us,
                  "near-miss window delta (us); 0 = among the last few accesses")
      ->check(CLI::Range(int64_t{0}, int64_t{10'000'000}));
  run->add_option("--timeout", options.timeout_seconds, "per-run timeout (s); the target is killed")
      ->check(CLI::PositiveNumber);
  run->add_option("--seed", options.seed, "random seed (run k uses seed + k - 1)");
  run->add_option("--out_dir", options.out_dir, "directory for reports, stats, trap and bug files");
  run->add_option("--trap_file", options.trap_file, "trap file (default <out_dir>/traps.json)");
  run->add_option("--bug_file", options.bug_file, "found-bug file (default <out_dir>/bugs.json)");
  run->add_option("--config", options.config, "contract file (JSON); default: std containers");
  run->add_flag("--fresh", options.fresh, "forget the trap and bug files before run 1");
  std::string preload;
  run->add_option("--preload", preload,
                  "LD_PRELOAD this shim (libracecheck_preload.so: strtok, localtime, "
                  "setenv/getenv) into a target that does not link the runtime")
      ->check(CLI::ExistingFile);
  run->add_option("command", command, "program and its arguments, after --")->required();

  std::string report_dir = "racecheck-out";
  bool json = false;
  CLI::App* report =
      app->add_subcommand("report", "print the reports of the last run, both stacks");
  report->add_option("--out_dir", report_dir, "directory given to run");
  report->add_flag("--json", json, "print JSON instead of text");

  InstrumentOptions instrument_options;
  std::string instrument_config;
  CLI::App* instrument = app->add_subcommand(
      "instrument",
      "insert the runtime hook before member calls on contract types (Clang LibTooling)");
  instrument
      ->add_option("--build_dir", instrument_options.build_dir,
                   "directory holding compile_commands.json")
      ->required();
  instrument->add_option("--out_dir", instrument_options.out_dir, "where rewritten files go")
      ->required();
  instrument->add_option("--config", instrument_config,
                         "contract file; its types are instrumented (default: std containers)");
  instrument->add_option("sources", instrument_options.sources,
                         "files to rewrite (default: every file in the database)");

  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (instrument->parsed()) return InstrumentCommand(instrument_options, instrument_config);
  if (run->parsed()) {
    if (!preload.empty()) options.extra_env.push_back("LD_PRELOAD=" + preload);
    return RunCommand(options, command, common.quiet);
  }
  return ReportCommand(report_dir, json);
}

}  // namespace syskit::racecheck::tools
