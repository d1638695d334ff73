// Starting the runtime from RACECHECK_* environment variables (how
// `syskit racecheck run` drives a target), and reports as JSON lines.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "runtime_internal.h"

namespace syskit::racecheck {
namespace {

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : fallback;
}

Result<int64_t> EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  const long long parsed = std::strtoll(value, &end, 10);
  if (*end != '\0' || parsed < 0) {
    return InvalidArgumentError(std::string(name) + ": expected a non-negative integer, got \"" +
                                value + "\"");
  }
  return static_cast<int64_t>(parsed);
}

void StopAtExit() {
  Result<Stats> stats = Stop();
  if (!stats.ok()) {
    std::fprintf(stderr, "syskit racecheck: error: %s\n", stats.status().message().c_str());
  }
}

std::atomic<bool> g_env_checked{false};

nlohmann::json SideToJson(const ReportSide& side) {
  nlohmann::json stack = nlohmann::json::array();
  for (const Frame& frame : side.stack) {
    stack.push_back({{"module", frame.module},
                     {"offset", frame.offset},
                     {"function", frame.function},
                     {"source", frame.source}});
  }
  return {{"site", side.site.key},  {"function", side.site.function}, {"op", side.op},
          {"write", side.is_write}, {"thread", side.thread},          {"stack", stack}};
}

ReportSide SideFromJson(const nlohmann::json& json) {
  ReportSide side;
  side.site.key = json.at("site").get<std::string>();
  side.site.function = json.value("function", "");
  side.op = json.at("op").get<std::string>();
  side.is_write = json.at("write").get<bool>();
  side.thread = json.at("thread").get<int>();
  for (const nlohmann::json& frame : json.at("stack")) {
    side.stack.push_back(Frame{frame.at("module").get<std::string>(),
                               frame.at("offset").get<uint64_t>(), frame.value("function", ""),
                               frame.value("source", "")});
  }
  return side;
}

// A program linked with the runtime and started with RACECHECK_MODE set
// starts it before main, so the first instrumented call does not pay for
// loading the trap file (which would skew the timing of the first calls).
[[maybe_unused]] const bool g_started_from_environment = [] {
  if (std::getenv("RACECHECK_MODE") == nullptr) return false;
  Status status = StartFromEnvironment();
  if (!status.ok()) {
    std::fprintf(stderr, "syskit racecheck: error: %s\n", status.message().c_str());
    std::_Exit(2);
  }
  return true;
}();

}  // namespace

namespace internal {
bool EnvironmentChecked() { return g_env_checked.load(std::memory_order_acquire); }
void MarkEnvironmentChecked() { g_env_checked.store(true, std::memory_order_release); }
}  // namespace internal

Status StartFromEnvironment() {
  // Once per process: a preloaded shim's hook can get here before this
  // file's static initializer does.
  if (g_env_checked.exchange(true)) return Status::OK();
  const std::string mode = EnvOr("RACECHECK_MODE", "off");
  Options options;
  if (mode == "off" || mode.empty()) return Status::OK();
  if (mode == "tsvd") {
    options.mode = Mode::kTsvd;
  } else if (mode == "random") {
    options.mode = Mode::kRandom;
  } else {
    return InvalidArgumentError("RACECHECK_MODE: expected off, tsvd or random, got \"" + mode +
                                "\"");
  }
  SYSKIT_ASSIGN_OR_RETURN(int64_t delay_ms, EnvInt("RACECHECK_DELAY_MS", 100));
  options.delay_us = delay_ms * 1000;
  options.random_max_delay_us = options.delay_us;
  SYSKIT_ASSIGN_OR_RETURN(options.window_us, EnvInt("RACECHECK_WINDOW_US", options.window_us));
  SYSKIT_ASSIGN_OR_RETURN(options.exited_window_us,
                          EnvInt("RACECHECK_EXITED_WINDOW_US", options.exited_window_us));
  SYSKIT_ASSIGN_OR_RETURN(int64_t seed, EnvInt("RACECHECK_SEED", 1));
  SYSKIT_ASSIGN_OR_RETURN(int64_t thread_hb, EnvInt("RACECHECK_THREAD_HB", 1));
  if (thread_hb != 0 && thread_hb != 1) {
    return InvalidArgumentError("RACECHECK_THREAD_HB: expected 0 or 1, got " +
                                std::to_string(thread_hb));
  }
  options.thread_hb = thread_hb == 1;
  options.seed = static_cast<uint64_t>(seed);
  options.trap_file = EnvOr("RACECHECK_TRAP_FILE", "");
  options.bug_file = EnvOr("RACECHECK_BUG_FILE", "");
  options.report_file = EnvOr("RACECHECK_REPORT_FILE", "");
  options.stats_file = EnvOr("RACECHECK_STATS_FILE", "");
  Contract contract = Contract::Defaults();
  const std::string config = EnvOr("RACECHECK_CONFIG", "");
  if (!config.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(contract, Contract::Load(config));
  }
  SYSKIT_RETURN_IF_ERROR(Start(options, contract));
  std::atexit(StopAtExit);
  return Status::OK();
}

std::string ReportToJson(const Report& report) {
  nlohmann::json json = {{"trapped", SideToJson(report.trapped)},
                         {"arriving", SideToJson(report.arriving)},
                         {"object_generation", report.object_generation},
                         {"from_trap_file", report.from_trap_file}};
  return json.dump();
}

Result<Report> ReportFromJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return InvalidArgumentError("malformed report");
  try {
    Report report;
    report.trapped = SideFromJson(json.at("trapped"));
    report.arriving = SideFromJson(json.at("arriving"));
    report.object_generation = json.value("object_generation", uint64_t{0});
    report.from_trap_file = json.value("from_trap_file", false);
    return report;
  } catch (const nlohmann::json::exception& error) {
    return InvalidArgumentError(std::string("malformed report: ") + error.what());
  }
}

}  // namespace syskit::racecheck
