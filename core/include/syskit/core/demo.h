// The contract between `syskit demo` and each component: a component's demo
// runs its finished features on the bundled data and returns rows for the
// summary table.
#pragma once

#include <string>
#include <vector>

#include "syskit/core/status.h"

namespace syskit {

struct DemoRow {
  std::string component;  // "graph"
  std::string dataset;    // "CA-GrQc"
  std::string result;     // a short key=value summary
  std::string check;      // "ok" when verified against a reference, "-" if none
  double seconds = 0;     // wall time of the work the row describes
};

// Locates the bundled data directory: `override_dir` if non-empty, else
// $SYSKIT_DATA_DIR, else data/ next to the build or install tree of the
// running executable. NotFound with the places tried otherwise.
Status FindDataDir(const std::string& override_dir, std::string* data_dir);

}  // namespace syskit
