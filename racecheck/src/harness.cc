// Run harness: fork/exec under a timeout, RACECHECK_* environment, report
// collection, trap file carried between runs.
#include "syskit/racecheck/harness.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string_view>
#include <thread>

extern char** environ;

#include "syskit/core/env.h"
#include "syskit/racecheck/symbolize.h"
#include "syskit/racecheck/trap_file.h"

namespace syskit::racecheck {
namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) &&
         ::access(path.c_str(), X_OK) == 0;
}

Status EnsureDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return Status::OK();
  return ErrnoError("create " + dir, errno);
}

void RedirectOrDie(const std::string& path, int target_fd) {
  if (path.empty()) return;
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) ::_exit(127);
  ::dup2(fd, target_fd);
  ::close(fd);
}

Result<std::vector<Report>> ReadReportLines(const std::string& path) {
  std::vector<Report> reports;
  if (!Env::Default()->FileExists(path)) return reports;
  SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), path));
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    Result<Report> report = ReportFromJson(line);
    // A target killed mid-write can leave a truncated last line; skip it.
    if (report.ok()) reports.push_back(std::move(report).value());
  }
  return reports;
}

Stats ReadStats(const std::string& path) {
  Stats stats;
  Result<std::string> text = ReadFileToString(Env::Default(), path);
  if (!text.ok()) return stats;
  nlohmann::json json = nlohmann::json::parse(*text, nullptr, false);
  if (!json.is_object()) return stats;
  stats.calls = json.value("calls", uint64_t{0});
  stats.near_misses = json.value("near_misses", uint64_t{0});
  stats.dangerous_pairs = json.value("dangerous_pairs", uint64_t{0});
  stats.delays = json.value("delays", uint64_t{0});
  stats.delay_us_total = json.value("delay_us_total", uint64_t{0});
  stats.hb_pruned_pairs = json.value("hb_pruned_pairs", uint64_t{0});
  stats.retired_pairs = json.value("retired_pairs", uint64_t{0});
  stats.reports = json.value("reports", uint64_t{0});
  return stats;
}

}  // namespace

Result<std::string> ResolveExecutable(const std::string& program) {
  if (program.empty()) return InvalidArgumentError("no program given after --");
  if (program.find('/') != std::string::npos) {
    if (IsExecutableFile(program)) return program;
    return NotFoundError("no such executable: " + program);
  }
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
    if (IsExecutableFile(candidate)) return candidate;
  }
  return NotFoundError("no such executable: " + program + " (not found in PATH)");
}

Result<std::vector<RunOutcome>> RunUnderRacecheck(const HarnessOptions& options,
                                                  const std::vector<std::string>& command) {
  if (options.mode != "tsvd" && options.mode != "random" && options.mode != "off") {
    return InvalidArgumentError("--mode: expected tsvd, random or off, got \"" + options.mode +
                                "\"");
  }
  if (options.runs < 1) return InvalidArgumentError("--runs must be at least 1");
  if (options.timeout_seconds <= 0) return InvalidArgumentError("--timeout must be positive");
  if (command.empty()) return InvalidArgumentError("no program given after --");
  SYSKIT_ASSIGN_OR_RETURN(std::string program, ResolveExecutable(command[0]));
  if (!options.config.empty()) {
    SYSKIT_RETURN_IF_ERROR(Contract::Load(options.config).status());
  }
  SYSKIT_RETURN_IF_ERROR(EnsureDir(options.out_dir));
  const std::string trap_file =
      options.trap_file.empty() ? options.out_dir + "/traps.json" : options.trap_file;
  const std::string bug_file =
      options.bug_file.empty() ? options.out_dir + "/bugs.json" : options.bug_file;
  if (options.fresh) {
    ::unlink(trap_file.c_str());
    ::unlink(bug_file.c_str());
  }
  // Fail before running anything if the carried-over files are malformed.
  SYSKIT_RETURN_IF_ERROR(ReadTrapFile(trap_file).status());
  SYSKIT_RETURN_IF_ERROR(ReadBugFile(bug_file).status());

  std::vector<RunOutcome> outcomes;
  for (int run = 1; run <= options.runs; ++run) {
    const std::string report_file = options.out_dir + "/run" + std::to_string(run) + ".jsonl";
    const std::string stats_file = options.out_dir + "/run" + std::to_string(run) + ".stats.json";
    ::unlink(report_file.c_str());
    ::unlink(stats_file.c_str());
    std::vector<std::string> env = {
        "RACECHECK_MODE=" + options.mode,
        "RACECHECK_DELAY_MS=" + std::to_string(options.delay_ms),
        "RACECHECK_WINDOW_US=" + std::to_string(options.window_us),
        "RACECHECK_SEED=" + std::to_string(options.seed + static_cast<uint64_t>(run) - 1),
        "RACECHECK_TRAP_FILE=" + trap_file,
        "RACECHECK_BUG_FILE=" + bug_file,
        "RACECHECK_REPORT_FILE=" + report_file,
        "RACECHECK_STATS_FILE=" + stats_file,
        "RACECHECK_CONFIG=" + options.config,
    };
    env.insert(env.end(), options.extra_env.begin(), options.extra_env.end());
    // Built before fork: the child only calls async-signal-safe functions.
    std::vector<char*> envp;
    for (char** entry = environ; *entry != nullptr; ++entry) {
      if (std::string_view(*entry).starts_with("RACECHECK_")) continue;
      envp.push_back(*entry);
    }
    for (std::string& entry : env) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    argv.push_back(program.data());
    for (size_t a = 1; a < command.size(); ++a)
      argv.push_back(const_cast<char*>(command[a].c_str()));
    argv.push_back(nullptr);
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = ::fork();
    if (pid < 0) return ErrnoError("fork", errno);
    if (pid == 0) {
      ::setpgid(0, 0);
      RedirectOrDie(options.stdout_file, STDOUT_FILENO);
      RedirectOrDie(options.stderr_file, STDERR_FILENO);
      ::execve(program.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
    ::setpgid(pid, pid);
    RunOutcome outcome;
    outcome.run = run;
    int status = 0;
    while (true) {
      const pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (done < 0 && errno != EINTR) return ErrnoError("waitpid", errno);
      const double elapsed =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed > options.timeout_seconds) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        outcome.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    outcome.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!outcome.timed_out) {
      if (WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
      if (WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
    }
    SYSKIT_ASSIGN_OR_RETURN(outcome.reports, ReadReportLines(report_file));
    Symbolize(&outcome.reports);
    outcome.stats = ReadStats(stats_file);
    // The runtime writes the bug file at exit; a target that died first did
    // not, so record its reports here too: found bugs are never re-reported.
    if (!outcome.reports.empty()) {
      SYSKIT_ASSIGN_OR_RETURN(std::vector<BugPair> bugs, ReadBugFile(bug_file));
      for (const Report& report : outcome.reports) {
        bugs.push_back(BugPair{report.trapped.site.key, report.arriving.site.key});
      }
      SYSKIT_RETURN_IF_ERROR(WriteBugFile(bug_file, bugs));
    }
    outcomes.push_back(std::move(outcome));
  }

  nlohmann::json all = nlohmann::json::array();
  for (const RunOutcome& outcome : outcomes) {
    for (const Report& report : outcome.reports) {
      nlohmann::json entry = nlohmann::json::parse(ReportToJson(report));
      entry["run"] = outcome.run;
      all.push_back(entry);
    }
  }
  SYSKIT_RETURN_IF_ERROR(WriteFileAtomically(Env::Default(),
                                             nlohmann::json{{"reports", all}}.dump(1) + "\n",
                                             options.out_dir + "/reports.json"));
  return outcomes;
}

Result<std::vector<std::pair<int, Report>>> ReadReports(const std::string& out_dir) {
  const std::string path = out_dir + "/reports.json";
  SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), path));
  nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
  if (!json.is_object() || !json.contains("reports") || !json["reports"].is_array()) {
    return InvalidArgumentError(path + ": expected {\"reports\": [...]}");
  }
  std::vector<std::pair<int, Report>> reports;
  for (const nlohmann::json& entry : json["reports"]) {
    SYSKIT_ASSIGN_OR_RETURN(Report report, ReportFromJson(entry.dump()));
    reports.emplace_back(entry.value("run", 0), std::move(report));
  }
  return reports;
}

std::string FormatReport(const Report& report) {
  std::ostringstream out;
  out << "thread-safety violation: " << report.trapped.op << " ("
      << (report.trapped.is_write ? "write" : "read") << ") and " << report.arriving.op << " ("
      << (report.arriving.is_write ? "write" : "read") << ") on the same object at once"
      << (report.from_trap_file ? " [trap from the previous run]" : "") << "\n";
  for (const auto& [label, side] :
       {std::pair{"trapped", &report.trapped}, std::pair{"arriving", &report.arriving}}) {
    out << "  " << label << " thread " << side->thread << " at " << side->site.key << " in "
        << side->site.function << "\n";
    int index = 0;
    for (const Frame& frame : side->stack) {
      out << "    #" << index++ << " " << (frame.function.empty() ? "??" : frame.function);
      if (!frame.source.empty()) {
        out << " at " << frame.source;
      } else {
        out << " (" << frame.module << "+0x" << std::hex << frame.offset << std::dec << ")";
      }
      out << "\n";
    }
  }
  return out.str();
}

}  // namespace syskit::racecheck
