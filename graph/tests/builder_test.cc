#include "syskit/graph/builder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "syskit/core/random.h"
#include "syskit/graph/io.h"
#include "test_util.h"

namespace syskit::graph {
namespace {

using testing::DataFile;

EdgeList Edges(std::vector<std::pair<OriginalId, OriginalId>> pairs) {
  EdgeList edges;
  for (auto [u, v] : pairs) {
    edges.sources.push_back(u);
    edges.targets.push_back(v);
  }
  return edges;
}

Graph Build(EdgeList edges, BuildOptions options = {}) {
  Result<Graph> graph = BuildGraph(std::move(edges), options);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return std::move(graph).value();
}

std::vector<VertexId> Neighbors(const Graph& g, VertexId v) {
  return {g.neighbors(v).begin(), g.neighbors(v).end()};
}

TEST(Builder, RelabelsSparseIdsInIncreasingOrder) {
  Graph g = Build(Edges({{900, 20}, {20, 5000}, {5000, 900}}));
  ASSERT_EQ(g.num_vertices(), 3u);
  EXPECT_EQ(g.original_id(0), 20u);
  EXPECT_EQ(g.original_id(1), 900u);
  EXPECT_EQ(g.original_id(2), 5000u);
  EXPECT_EQ(g.FindVertex(900), 1u);
  EXPECT_EQ(g.FindVertex(901), std::nullopt);
  EXPECT_EQ(g.num_edges(), 3u);
  EXPECT_EQ(g.num_arcs(), 6u);
  EXPECT_EQ(Neighbors(g, 0), (std::vector<VertexId>{1, 2}));
  EXPECT_TRUE(g.Validate().ok());
}

TEST(Builder, HugeIdsTakeTheSortPathWithSameStructure) {
  const uint64_t big = 1ull << 62;
  Graph dense = Build(Edges({{3, 1}, {1, 2}, {2, 3}, {3, 4}}));
  Graph sparse = Build(
      Edges({{big + 3, big + 1}, {big + 1, big + 2}, {big + 2, big + 3}, {big + 3, big + 4}}));
  ASSERT_EQ(dense.num_vertices(), sparse.num_vertices());
  for (VertexId v = 0; v < dense.num_vertices(); ++v) {
    EXPECT_EQ(Neighbors(dense, v), Neighbors(sparse, v));
    EXPECT_EQ(sparse.original_id(v), big + dense.original_id(v));
  }
}

TEST(Builder, SelfLoopsDroppedByDefaultAndCounted) {
  Graph g = Build(Edges({{1, 1}, {1, 2}, {2, 2}, {2, 2}}));
  EXPECT_EQ(g.build_stats().self_loops, 3u);
  EXPECT_EQ(g.num_self_loops(), 0u);
  EXPECT_EQ(g.num_edges(), 1u);
  EXPECT_EQ(Neighbors(g, 0), (std::vector<VertexId>{1}));
}

TEST(Builder, SelfLoopsKeptOncePerRecordThenMerged) {
  BuildOptions keep;
  keep.self_loops = SelfLoopPolicy::kKeep;
  Graph g = Build(Edges({{1, 1}, {1, 2}, {2, 2}, {2, 2}}), keep);
  EXPECT_EQ(g.num_self_loops(), 2u);
  EXPECT_EQ(g.num_edges(), 3u);  // {1,2}, {1,1}, {2,2}
  EXPECT_EQ(g.build_stats().duplicate_edges, 1u);
  EXPECT_EQ(Neighbors(g, 1), (std::vector<VertexId>{0, 1}));
}

TEST(Builder, UndirectedDuplicatesInEitherDirectionAreMerged) {
  Graph g = Build(Edges({{1, 2}, {2, 1}, {1, 2}, {2, 3}}));
  EXPECT_EQ(g.build_stats().duplicate_edges, 2u);
  EXPECT_EQ(g.num_edges(), 2u);
  EXPECT_EQ(Neighbors(g, 1), (std::vector<VertexId>{0, 2}));
}

TEST(Builder, KeepPolicyBuildsMultigraphAndStillCountsRepeats) {
  BuildOptions keep;
  keep.duplicates = DuplicatePolicy::kKeep;
  Graph g = Build(Edges({{1, 2}, {2, 1}, {2, 3}}), keep);
  EXPECT_EQ(g.build_stats().duplicate_edges, 1u);
  EXPECT_EQ(Neighbors(g, 0), (std::vector<VertexId>{1, 1}));
  EXPECT_EQ(g.num_arcs(), 6u);
}

TEST(Builder, DirectedKeepsOutArcsOnly) {
  BuildOptions directed;
  directed.directed = true;
  Graph g = Build(Edges({{1, 2}, {2, 1}, {1, 2}, {3, 1}}), directed);
  EXPECT_TRUE(g.directed());
  EXPECT_EQ(g.num_edges(), 3u);
  EXPECT_EQ(g.build_stats().duplicate_edges, 1u);
  EXPECT_EQ(Neighbors(g, 0), (std::vector<VertexId>{1}));
  EXPECT_EQ(Neighbors(g, 2), (std::vector<VertexId>{0}));
  EXPECT_TRUE(g.HasEdge(2, 0));
  EXPECT_FALSE(g.HasEdge(0, 2));
}

TEST(Builder, MergeKeepsFirstRecordsWeightAndType) {
  EdgeList edges = Edges({{1, 2}, {2, 3}, {2, 1}});
  edges.weights = {0.5f, 2.0f, 9.0f};
  edges.types = {7, 8, 9};
  Graph g = Build(std::move(edges));
  ASSERT_TRUE(g.weighted());
  ASSERT_TRUE(g.typed());
  // Vertex 1 (id 2): neighbours 0 (id 1) then 2 (id 3).
  EXPECT_EQ(Neighbors(g, 1), (std::vector<VertexId>{0, 2}));
  EXPECT_EQ(g.weights(1)[0], 0.5f);
  EXPECT_EQ(g.types(1)[0], 7u);
  EXPECT_EQ(g.weights(1)[1], 2.0f);
  EXPECT_EQ(g.weights(0)[0], 0.5f);
}

TEST(Builder, MismatchedWeightCountIsAnError) {
  EdgeList edges = Edges({{1, 2}, {2, 3}});
  edges.weights = {1.0f};
  Result<Graph> g = BuildGraph(std::move(edges), {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(), "edge list has 1 weights for 2 edges");
}

TEST(Builder, ThreadCountDoesNotChangeTheResult) {
  EdgeList a, b;
  Random rng(5);
  for (int e = 0; e < 200000; ++e) {
    OriginalId u = rng.Uniform(5000), v = rng.Uniform(5000);
    a.sources.push_back(u);
    a.targets.push_back(v);
    a.weights.push_back(static_cast<float>(e));
  }
  b = a;
  BuildOptions one, two;
  one.threads = 1;
  two.threads = 2;
  Graph g1 = Build(std::move(a), one), g2 = Build(std::move(b), two);
  EXPECT_TRUE(std::ranges::equal(g1.offsets(), g2.offsets()));
  EXPECT_TRUE(std::ranges::equal(g1.targets(), g2.targets()));
  EXPECT_TRUE(std::ranges::equal(g1.all_weights(), g2.all_weights()));
  EXPECT_EQ(g1.build_stats().duplicate_edges, g2.build_stats().duplicate_edges);
  EXPECT_EQ(g1.build_stats().self_loops, g2.build_stats().self_loops);
  EXPECT_TRUE(g1.Validate().ok());
}

TEST(Builder, CaGrQcMatchesReferenceCountsAndEdgeSet) {
  Result<Graph> g = LoadGraph(Env::Default(), DataFile("CA-GrQc.edges.txt"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->num_vertices(), 5242u);
  EXPECT_EQ(g->num_edges(), 14484u);
  EXPECT_EQ(g->build_stats().self_loops, 12u);
  EXPECT_EQ(g->build_stats().input_edges, 14496u);
  EXPECT_EQ(g->build_stats().duplicate_edges, 0u);
  EXPECT_EQ(testing::GraphEdgeSet(*g),
            testing::ReadReferenceEdgeSet(DataFile("CA-GrQc.edges.txt")));
  // max degree from the reference edge set
  std::map<uint64_t, uint32_t> degree;
  for (auto [u, v] : testing::ReadReferenceEdgeSet(DataFile("CA-GrQc.edges.txt"))) {
    ++degree[u];
    ++degree[v];
  }
  uint32_t max_degree = 0;
  for (auto [id, d] : degree) max_degree = std::max(max_degree, d);
  EXPECT_EQ(g->max_degree(), max_degree);
}

TEST(Builder, KarateMatchesReferenceCounts) {
  Result<Graph> g = LoadGraph(Env::Default(), DataFile("Karate.edges.txt"), {});
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_EQ(g->num_vertices(), 34u);
  EXPECT_EQ(g->num_edges(), 78u);
  EXPECT_EQ(g->max_degree(), 17u);
}

}  // namespace
}  // namespace syskit::graph
