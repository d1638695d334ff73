// Command-line flags for loading a graph, shared by every tool that takes
// --graph (graph, walk, mine): --directed --weighted --typed --self_loops
// --duplicates --threads --no_verify.
#pragma once

#include <CLI/CLI.hpp>

#include "syskit/graph/io.h"

namespace syskit::graph {

// Adds the load flags to `app`, writing into `options` (which must outlive
// parsing). Defaults are those of LoadOptions.
void AddLoadFlags(CLI::App& app, LoadOptions* options);

}  // namespace syskit::graph
