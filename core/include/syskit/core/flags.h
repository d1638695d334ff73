// The flags layer every syskit tool uses, built on CLI11 (Debian libcli11-dev).
//
// It gives every tool the same behaviour:
//   --help       lists every flag with its default, exit 0
//   --version    prints "syskit <version>", exit 0
//   --quiet      no progress output; --log_level=debug|info|warning|error|off
//   an unknown flag or a bad value: "<tool>: error: <what>" on stderr, exit 2
//
//   auto app = flags::NewApp("syskit graph", "Graph tools");
//   flags::CommonFlags common;
//   flags::AddCommonFlags(*app, &common);
//   app->add_option("--threads", threads, "worker threads (0 = all cores)");
//   if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "syskit/core/status.h"

namespace syskit::flags {

// Process exit codes used by every tool.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntimeError = 1;
inline constexpr int kExitUsageError = 2;

// The project version, e.g. "0.1.0".
std::string_view Version();

// A CLI11 app named `name` (used in messages: "<name>: error: ...") with
// --version and help output that shows defaults.
std::unique_ptr<CLI::App> NewApp(const std::string& name, const std::string& description);

struct CommonFlags {
  bool quiet = false;              // --quiet
  std::string log_level = "info";  // --log_level
};

// Adds --quiet and --log_level to `app`; `common` must outlive parsing.
void AddCommonFlags(CLI::App& app, CommonFlags* common);

// Parses argv. Returns std::nullopt when the tool should go on, or the exit
// code to return now: 0 after printing --help/--version, 2 after printing a
// usage error. When `common` is given, its --log_level is applied.
std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv,
                         const CommonFlags* common = nullptr);

// Prints "<tool>: error: <status message>" to stderr and returns 1.
int ReportError(std::string_view tool, const Status& status);

// Prints "<tool>: error: <message>" to stderr and returns 2.
int ReportUsageError(std::string_view tool, std::string_view message);

}  // namespace syskit::flags
