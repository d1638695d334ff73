// Loading and saving graphs: text edge lists and the binary format.
//
// LoadGraph detects the binary format by its magic bytes and otherwise parses
// text, so every tool accepts either. Files go through core::Env.
#pragma once

#include <string>

#include "syskit/core/env.h"
#include "syskit/core/result.h"
#include "syskit/graph/builder.h"
#include "syskit/graph/edge_list.h"
#include "syskit/graph/graph.h"

namespace syskit::graph {

struct LoadOptions {
  bool directed = false;
  bool weighted = false;
  bool typed = false;
  SelfLoopPolicy self_loops = SelfLoopPolicy::kDrop;
  DuplicatePolicy duplicates = DuplicatePolicy::kMerge;
  int threads = 0;  // 0 = all cores
  // Binary files: checksum every section on load (a full pass over the data).
  bool verify_checksums = true;
  // Text files: receives Add(bytes) while parsing. Not owned.
  Progress* progress = nullptr;
};

// Loads a text edge list or a binary graph. Errors: NotFound (missing file),
// InvalidArgument (a directory, an empty file, a parse error naming file and
// line, or a binary graph whose directed/weighted/typed flags contradict
// `options`), Corruption (a damaged binary file).
Result<Graph> LoadGraph(Env* env, const std::string& path, const LoadOptions& options);

// True if the file starts with the binary format's magic bytes.
Result<bool> IsBinaryGraphFile(Env* env, const std::string& path);

// Writes `graph` as a text edge list with original ids, one edge per line
// (`u v`, plus weight and type columns when present). An undirected edge is
// written once, from its smaller dense endpoint.
Status SaveText(Env* env, const Graph& graph, const std::string& path);

// Writes the records of `edges` as they are (input order, repeats and loops
// included), one `u v [w] [t]` line each.
Status SaveEdgeListText(Env* env, const EdgeList& edges, const std::string& path);

}  // namespace syskit::graph
