// `syskit demo`: runs every finished component's demo on the bundled data and
// prints one summary table on stdout.
#include "syskit/core/demo.h"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "components.h"
#include "syskit/core/flags.h"
#include "syskit/core/timer.h"

namespace syskit::cli {
namespace {

void PrintTable(const std::vector<DemoRow>& rows) {
  const std::vector<std::string> header = {"component", "dataset", "result", "check", "seconds"};
  std::vector<std::vector<std::string>> cells;
  for (const DemoRow& row : rows) {
    char seconds[32];
    std::snprintf(seconds, sizeof(seconds), "%.3f", row.seconds);
    cells.push_back({row.component, row.dataset, row.result, row.check, seconds});
  }
  std::vector<size_t> width(header.size());
  for (size_t col = 0; col < header.size(); ++col) {
    width[col] = header[col].size();
    for (const auto& line : cells) width[col] = std::max(width[col], line[col].size());
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    for (size_t col = 0; col < line.size(); ++col) {
      std::printf("%s%-*s", col ? "  " : "", static_cast<int>(width[col]), line[col].c_str());
    }
    std::printf("\n");
  };
  print_line(header);
  std::vector<std::string> rule;
  for (size_t w : width) rule.emplace_back(w, '-');
  print_line(rule);
  for (const auto& line : cells) print_line(line);
}

}  // namespace

int DemoMain(int argc, const char* const* argv) {
  auto app = flags::NewApp("syskit demo", "Run every finished component on the bundled data");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  std::string data_dir_flag;
  app->add_option("--data_dir", data_dir_flag,
                  "bundled data directory (default: $SYSKIT_DATA_DIR or the repo's data/)");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;

  std::string data_dir;
  if (Status status = FindDataDir(data_dir_flag, &data_dir); !status.ok()) {
    return flags::ReportError("syskit demo", status);
  }
  std::fprintf(stderr, "syskit demo: data from %s\n", data_dir.c_str());
  Timer total;
  std::vector<DemoRow> rows;
  int failures = 0;
  for (const Component& component : Components()) {
    if (component.demo == nullptr) continue;
    if (Status status = component.demo(data_dir, &rows); !status.ok()) {
      flags::ReportError("syskit demo: " + std::string(component.name), status);
      ++failures;
    }
  }
  PrintTable(rows);
  int mismatches = static_cast<int>(
      std::count_if(rows.begin(), rows.end(), [](const DemoRow& r) { return r.check == "FAIL"; }));
  std::printf("\n%zu rows, %d failed checks, %d component errors, %.2f s\n", rows.size(),
              mismatches, failures, total.ElapsedSeconds());
  return failures == 0 && mismatches == 0 ? flags::kExitOk : flags::kExitRuntimeError;
}

}  // namespace syskit::cli
