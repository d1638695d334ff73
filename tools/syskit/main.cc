// syskit: the umbrella command, git-style.
//
//   syskit <component> <command> [--flags]   dispatches to the component
//   syskit demo                              every finished component on bundled data
//   syskit --help | --version
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "components.h"
#include "syskit/core/flags.h"

namespace {

void PrintUsage(FILE* out) {
  std::fprintf(out,
               "syskit %.*s: systems-research designs as tested, benchmarked software\n\n"
               "usage: syskit <component> <command> [--flags]\n"
               "       syskit demo [--data_dir=DIR]\n"
               "       syskit --help | --version\n\n"
               "components:\n",
               static_cast<int>(syskit::flags::Version().size()), syskit::flags::Version().data());
  std::fprintf(out, "  %-10s %s\n", "demo", "run every finished component on the bundled data");
  for (const auto& component : syskit::cli::Components()) {
    std::fprintf(out, "  %-10s %s\n", component.name, component.summary);
  }
  std::fprintf(out, "\nrun 'syskit <component> --help' for a component's commands and flags\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    PrintUsage(stderr);
    return syskit::flags::kExitUsageError;
  }
  std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    PrintUsage(stdout);
    return syskit::flags::kExitOk;
  }
  if (first == "--version") {
    std::printf("syskit %.*s\n", static_cast<int>(syskit::flags::Version().size()),
                syskit::flags::Version().data());
    return syskit::flags::kExitOk;
  }
  std::string name = "syskit " + first;
  std::vector<const char*> sub_argv;
  sub_argv.push_back(name.c_str());
  for (int arg = 2; arg < argc; ++arg) sub_argv.push_back(argv[arg]);
  const int sub_argc = static_cast<int>(sub_argv.size());

  if (first == "demo") return syskit::cli::DemoMain(sub_argc, sub_argv.data());
  for (const auto& component : syskit::cli::Components()) {
    if (first == component.name) return component.main(sub_argc, sub_argv.data());
  }
  if (first.starts_with("-")) {
    syskit::flags::ReportUsageError("syskit", "unknown flag " + first);
  } else {
    syskit::flags::ReportUsageError("syskit", "unknown component \"" + first + "\"");
  }
  std::fprintf(stderr, "run 'syskit --help' for the list of components\n");
  return syskit::flags::kExitUsageError;
}
