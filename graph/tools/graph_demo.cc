// The graph component's part of `syskit demo`: loads every bundled graph,
// checks its counts against the reference table in data/graphs/README.md,
// and checks that a binary round trip reproduces the same CSR.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "syskit/core/demo.h"
#include "syskit/core/timer.h"
#include "syskit/graph/binary_format.h"
#include "syskit/graph/io.h"

namespace syskit::graph::tools {
namespace {

struct BundledGraph {
  const char* name;
  const char* file;
  VertexId vertices;  // reference counts from data/graphs/README.md
  EdgeIndex edges;
};

constexpr BundledGraph kBundled[] = {
    {"Karate", "Karate.edges.txt", 34, 78},
    {"CA-GrQc", "CA-GrQc.edges.txt", 5242, 14484},
    {"facebook_combined", "facebook_combined.edges.txt", 4039, 88234},
    {"BlogCatalog3", "BlogCatalog3.edges.txt", 10312, 333983},
};

bool SameCsr(const Graph& a, const Graph& b) {
  return std::equal(a.offsets().begin(), a.offsets().end(), b.offsets().begin(),
                    b.offsets().end()) &&
         std::equal(a.targets().begin(), a.targets().end(), b.targets().begin(),
                    b.targets().end()) &&
         std::equal(a.original_ids().begin(), a.original_ids().end(), b.original_ids().begin(),
                    b.original_ids().end());
}

}  // namespace

Status GraphDemo(const std::string& data_dir, std::vector<DemoRow>* rows) {
  Env* env = Env::Default();
  char scratch_template[] = "/tmp/syskit-demo-XXXXXX";
  if (mkdtemp(scratch_template) == nullptr) return ErrnoError("mkdtemp", errno);
  const std::string scratch = scratch_template;
  Status result;
  for (const BundledGraph& bundled : kBundled) {
    Timer timer;
    const std::string path = data_dir + "/graphs/" + bundled.file;
    Result<Graph> graph = LoadGraph(env, path, LoadOptions{});
    if (!graph.ok()) {
      result = graph.status();
      break;
    }
    const double seconds = timer.ElapsedSeconds();
    const std::string binary_path = scratch + "/" + bundled.name + ".skg";
    Status saved = SaveBinary(env, *graph, binary_path);
    Result<Graph> reloaded = saved.ok() ? LoadBinary(env, binary_path) : Result<Graph>(saved);
    const bool round_trip = reloaded.ok() && SameCsr(*graph, *reloaded);
    const bool counts =
        graph->num_vertices() == bundled.vertices && graph->num_edges() == bundled.edges;
    env->DeleteFile(binary_path).IgnoreError();
    rows->push_back(DemoRow{"graph", bundled.name,
                            "vertices=" + std::to_string(graph->num_vertices()) +
                                " edges=" + std::to_string(graph->num_edges()) +
                                " max_degree=" + std::to_string(graph->max_degree()) +
                                " binary_round_trip=" + (round_trip ? "same" : "DIFFERENT"),
                            counts && round_trip ? "ok" : "FAIL", seconds});
  }
  env->DeleteDir(scratch).IgnoreError();
  return result;
}

}  // namespace syskit::graph::tools
