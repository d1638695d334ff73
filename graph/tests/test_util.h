// Helpers shared by the graph tests: temporary directories and an
// independent reference edge-set reader (a few lines of std::istream code,
// deliberately unlike the parallel parser it checks).
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "syskit/graph/graph.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::graph::testing {

using ScratchDir = ::syskit::testing::TempDir;

using EdgeSet = std::set<std::pair<uint64_t, uint64_t>>;

// Undirected simple edge set of a text edge list: {min, max} pairs, self-loops
// and comment lines dropped.
inline EdgeSet ReadReferenceEdgeSet(const std::string& path) {
  std::ifstream in(path);
  EdgeSet edges;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '%') continue;
    std::istringstream fields(line);
    uint64_t u, v;
    if (!(fields >> u >> v)) continue;
    if (u != v) edges.insert({std::min(u, v), std::max(u, v)});
  }
  return edges;
}

// The same, read back from a Graph through its original ids.
inline EdgeSet GraphEdgeSet(const Graph& graph) {
  EdgeSet edges;
  for (VertexId u = 0; u < graph.num_vertices(); ++u) {
    for (VertexId v : graph.neighbors(u)) {
      if (u == v) continue;
      uint64_t a = graph.original_id(u), b = graph.original_id(v);
      edges.insert({std::min(a, b), std::max(a, b)});
    }
  }
  return edges;
}

inline std::string DataFile(const std::string& name) {
  return std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/" + name;
}

}  // namespace syskit::graph::testing
