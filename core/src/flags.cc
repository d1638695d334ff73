#include "syskit/core/flags.h"

#include <cstdio>
#include <iostream>

#include "syskit/core/log.h"

#ifndef SYSKIT_VERSION_STRING
#error "SYSKIT_VERSION_STRING must be defined by the build"
#endif

namespace syskit::flags {

std::string_view Version() { return SYSKIT_VERSION_STRING; }

std::unique_ptr<CLI::App> NewApp(const std::string& name, const std::string& description) {
  auto app = std::make_unique<CLI::App>(description, name);
  app->option_defaults()->always_capture_default();
  // Flags of the app (e.g. --quiet) are accepted after a subcommand too.
  app->fallthrough();
  app->set_version_flag("--version", "syskit " + std::string(Version()));
  app->get_formatter()->column_width(36);
  return app;
}

void AddCommonFlags(CLI::App& app, CommonFlags* common) {
  app.add_flag("-q,--quiet", common->quiet, "no progress output on stderr");
  app.add_option("--log_level", common->log_level, "debug, info, warning, error or off")
      ->check(CLI::IsMember({"debug", "info", "warning", "error", "off"}));
}

std::optional<int> Parse(CLI::App& app, int argc, const char* const* argv,
                         const CommonFlags* common) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp&) {
    std::cout << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion&) {
    std::cout << "syskit " << Version() << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& error) {
    std::string where = app.get_name();
    for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    ReportUsageError(app.get_name(), error.what());
    std::fprintf(stderr, "run '%s --help' for usage\n", where.c_str());
    return kExitUsageError;
  }
  if (common != nullptr) {
    if (auto level = ParseLogLevel(common->log_level); level.ok()) SetMinLogLevel(*level);
  }
  return std::nullopt;
}

int ReportError(std::string_view tool, const Status& status) {
  std::fprintf(stderr, "%.*s: error: %s\n", static_cast<int>(tool.size()), tool.data(),
               status.message().c_str());
  return kExitRuntimeError;
}

int ReportUsageError(std::string_view tool, std::string_view message) {
  std::fprintf(stderr, "%.*s: error: %.*s\n", static_cast<int>(tool.size()), tool.data(),
               static_cast<int>(message.size()), message.data());
  return kExitUsageError;
}

}  // namespace syskit::flags
