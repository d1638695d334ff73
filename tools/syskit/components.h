// The table of component subcommands `syskit <component> ...` dispatches to.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "syskit/core/demo.h"
#include "syskit/core/status.h"

namespace syskit::cli {

struct Component {
  const char* name;     // "graph"
  const char* summary;  // one line for `syskit --help`
  // Entry point; argv[0] is "syskit <name>", the rest the component's args.
  int (*main)(int argc, const char* const* argv);
  // Appends the component's rows to the demo table; null if it has no demo.
  Status (*demo)(const std::string& data_dir, std::vector<DemoRow>* rows);
};

std::span<const Component> Components();

// `syskit demo`: every finished component on the bundled data.
int DemoMain(int argc, const char* const* argv);

}  // namespace syskit::cli
