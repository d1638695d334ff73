// Helpers shared by the mine tests: loading bundled graphs and building
// small seeded random graphs.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "syskit/graph/builder.h"
#include "syskit/graph/generators.h"
#include "syskit/graph/io.h"
#include "syskit/mine/executor.h"

namespace syskit::mine::testing {

inline graph::Graph LoadBundled(const std::string& name) {
  Result<graph::Graph> graph = graph::LoadGraph(
      Env::Default(), std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/" + name + ".edges.txt",
      graph::LoadOptions{});
  SYSKIT_CHECK(graph.ok()) << graph.status();
  return std::move(graph).value();
}

// G(n, m) with the given seed (duplicates merged, so slightly fewer edges).
inline graph::Graph RandomGraph(uint64_t vertices, uint64_t edges, uint64_t seed) {
  graph::ErdosRenyiOptions options;
  options.num_vertices = vertices;
  options.num_edges = edges;
  options.seed = seed;
  options.threads = 1;
  Result<graph::EdgeList> list = graph::GenerateErdosRenyi(options);
  SYSKIT_CHECK(list.ok()) << list.status();
  graph::BuildOptions build;
  build.threads = 1;
  Result<graph::Graph> graph = graph::BuildGraph(std::move(list).value(), build);
  SYSKIT_CHECK(graph.ok()) << graph.status();
  return std::move(graph).value();
}

inline MiningGraph Prepare(const graph::Graph& graph, std::vector<uint32_t> labels = {}) {
  Result<MiningGraph> mining = MiningGraph::Prepare(graph, std::move(labels), 1);
  SYSKIT_CHECK(mining.ok()) << mining.status();
  return std::move(mining).value();
}

inline uint64_t CountWith(const MiningGraph& mining, const Pattern& pattern,
                          const CompileOptions& compile, int threads = 1) {
  Result<Plan> plan = Compile(pattern, compile);
  SYSKIT_CHECK(plan.ok()) << plan.status();
  MineOptions options;
  options.threads = threads;
  Result<uint64_t> count = CountPlan(mining, *plan, options);
  SYSKIT_CHECK(count.ok()) << count.status();
  return *count;
}

inline Pattern Named(const std::string& name) {
  Result<Pattern> pattern = NamedPattern(name);
  SYSKIT_CHECK(pattern.ok()) << pattern.status();
  return *pattern;
}

// The patterns of a --pattern spec, by value (never iterate a temporary
// Result's value: the range would dangle).
inline std::vector<Pattern> Patterns(const std::string& spec) {
  Result<std::vector<Pattern>> patterns = ResolvePatterns(spec);
  SYSKIT_CHECK(patterns.ok()) << patterns.status();
  return *patterns;
}

}  // namespace syskit::mine::testing
