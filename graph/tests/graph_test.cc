#include "syskit/graph/graph.h"

#include <gtest/gtest.h>

namespace syskit::graph {
namespace {

// Path 10 - 20 - 30 with a self-loop on 30, undirected.
Graph SmallGraph() {
  GraphArrays arrays;
  arrays.offsets = {0, 1, 3, 5};
  arrays.targets = {1, 0, 2, 1, 2};
  arrays.original_ids = {10, 20, 30};
  return Graph::FromArrays(std::move(arrays), false, {});
}

TEST(Graph, DerivedCountsFromArrays) {
  Graph g = SmallGraph();
  EXPECT_EQ(g.num_vertices(), 3u);
  EXPECT_EQ(g.num_arcs(), 5u);
  EXPECT_EQ(g.num_self_loops(), 1u);
  EXPECT_EQ(g.num_edges(), 3u);  // {10,20}, {20,30}, {30,30}
  EXPECT_EQ(g.max_degree(), 2u);
  EXPECT_EQ(g.degree(0), 1u);
  EXPECT_FALSE(g.weighted());
  EXPECT_TRUE(g.weights(1).empty());
  EXPECT_TRUE(g.Validate().ok());
}

TEST(Graph, HasEdgeAndFindVertex) {
  Graph g = SmallGraph();
  EXPECT_TRUE(g.HasEdge(0, 1));
  EXPECT_TRUE(g.HasEdge(1, 0));
  EXPECT_FALSE(g.HasEdge(0, 2));
  EXPECT_TRUE(g.HasEdge(2, 2));
  EXPECT_EQ(g.FindVertex(20), 1u);
  EXPECT_EQ(g.FindVertex(25), std::nullopt);
  EXPECT_EQ(g.FindVertex(5), std::nullopt);
  EXPECT_EQ(g.FindVertex(99), std::nullopt);
}

TEST(Graph, FindVertexWithPermutedOriginalIds) {
  GraphArrays arrays;
  arrays.offsets = {0, 1, 2, 2};
  arrays.targets = {1, 0};
  arrays.original_ids = {500, 7, 42};
  Graph g = Graph::FromArrays(std::move(arrays), false, {});
  EXPECT_EQ(g.FindVertex(500), 0u);
  EXPECT_EQ(g.FindVertex(7), 1u);
  EXPECT_EQ(g.FindVertex(42), 2u);
  EXPECT_EQ(g.FindVertex(8), std::nullopt);
  EXPECT_TRUE(g.Validate().ok());
}

TEST(Graph, ValidateReportsRepeatedOriginalIds) {
  GraphArrays arrays;
  arrays.offsets = {0, 0, 0, 0};
  arrays.original_ids = {9, 3, 9};
  Graph g = Graph::FromArrays(std::move(arrays), false, {});
  EXPECT_EQ(g.Validate().message(), "graph: original id 9 repeats");
}

TEST(Graph, FromViewsRejectsBadOffsets) {
  std::vector<EdgeIndex> offsets = {0, 3, 2};
  std::vector<VertexId> targets = {1, 0};
  std::vector<OriginalId> ids = {1, 2};
  Result<Graph> g = Graph::FromViews(offsets, targets, {}, {}, ids, false, {}, nullptr);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(g.status().message(), "graph: offsets decrease at vertex 1");
}

TEST(Graph, FromViewsRejectsWrongWeightCount) {
  std::vector<EdgeIndex> offsets = {0, 1, 2};
  std::vector<VertexId> targets = {1, 0};
  std::vector<float> weights = {1.0f};
  std::vector<OriginalId> ids = {1, 2};
  Result<Graph> g = Graph::FromViews(offsets, targets, weights, {}, ids, false, {}, nullptr);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(), "graph: 1 weights for 2 arcs");
}

TEST(Graph, MoveKeepsViewsValid) {
  Graph a = SmallGraph();
  Graph b = std::move(a);
  EXPECT_EQ(b.neighbors(1).size(), 2u);
  EXPECT_EQ(b.neighbors(1)[1], 2u);
}

}  // namespace
}  // namespace syskit::graph
