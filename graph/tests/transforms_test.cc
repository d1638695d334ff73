#include "syskit/graph/transforms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "syskit/core/env.h"
#include "syskit/graph/builder.h"
#include "syskit/graph/generators.h"
#include "syskit/graph/io.h"

namespace syskit::graph {
namespace {

Graph Build(EdgeList edges, bool directed = false,
            SelfLoopPolicy self_loops = SelfLoopPolicy::kDrop) {
  BuildOptions options;
  options.directed = directed;
  options.self_loops = self_loops;
  options.threads = 2;
  Result<Graph> graph = BuildGraph(std::move(edges), options);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return std::move(graph).value();
}

// R-MAT records with sparse original ids (id * 7 + 3, so dense and original
// ids differ), a weight and a type that are functions of the unordered pair.
EdgeList RmatRecords(int scale, uint64_t seed) {
  RmatOptions options;
  options.scale = scale;
  options.edge_factor = 8;
  options.seed = seed;
  options.threads = 2;
  Result<EdgeList> generated = GenerateRmat(options);
  EXPECT_TRUE(generated.ok()) << generated.status();
  EdgeList edges = std::move(generated).value();
  for (size_t e = 0; e < edges.size(); ++e) {
    edges.sources[e] = edges.sources[e] * 7 + 3;
    edges.targets[e] = edges.targets[e] * 7 + 3;
    const uint64_t low = std::min(edges.sources[e], edges.targets[e]);
    const uint64_t high = std::max(edges.sources[e], edges.targets[e]);
    edges.weights.push_back(static_cast<float>((low * 31 + high) % 1000) / 8);
    edges.types.push_back(static_cast<EdgeType>((low + high) % 5));
  }
  return edges;
}

EdgeList ErdosRenyiRecords(uint64_t n, uint64_t m, uint64_t seed) {
  ErdosRenyiOptions options;
  options.num_vertices = n;
  options.num_edges = m;
  options.seed = seed;
  options.threads = 2;
  Result<EdgeList> edges = GenerateErdosRenyi(options);
  EXPECT_TRUE(edges.ok()) << edges.status();
  return std::move(edges).value();
}

EdgeList Records(const std::vector<std::pair<OriginalId, OriginalId>>& pairs) {
  EdgeList edges;
  for (auto [u, v] : pairs) {
    edges.sources.push_back(u);
    edges.targets.push_back(v);
  }
  return edges;
}

using Arc = std::tuple<OriginalId, OriginalId, float, EdgeType>;

// Every stored arc as (original source, original target, weight, type), sorted.
std::vector<Arc> ArcsByOriginalId(const Graph& graph) {
  std::vector<Arc> arcs;
  for (VertexId u = 0; u < graph.num_vertices(); ++u) {
    const auto neighbors = graph.neighbors(u);
    for (size_t e = 0; e < neighbors.size(); ++e) {
      arcs.emplace_back(graph.original_id(u), graph.original_id(neighbors[e]),
                        graph.weighted() ? graph.weights(u)[e] : 0.f,
                        graph.typed() ? graph.types(u)[e] : 0u);
    }
  }
  std::sort(arcs.begin(), arcs.end());
  return arcs;
}

// Triangles of a degree-oriented graph: each is counted once, at its lowest
// vertex, by merging the two sorted out-lists.
uint64_t CountTrianglesOriented(const Graph& oriented) {
  uint64_t triangles = 0;
  for (VertexId u = 0; u < oriented.num_vertices(); ++u) {
    const auto out_u = oriented.neighbors(u);
    for (VertexId v : out_u) {
      const auto out_v = oriented.neighbors(v);
      auto a = out_u.begin();
      auto b = out_v.begin();
      while (a != out_u.end() && b != out_v.end()) {
        if (*a < *b) {
          ++a;
        } else if (*b < *a) {
          ++b;
        } else {
          ++triangles;
          ++a;
          ++b;
        }
      }
    }
  }
  return triangles;
}

// The O(n^3) reference: every vertex triple of a simple undirected graph.
uint64_t CountTrianglesBruteForce(const Graph& graph) {
  const VertexId n = graph.num_vertices();
  std::vector<std::vector<bool>> adjacent(n, std::vector<bool>(n, false));
  for (VertexId u = 0; u < n; ++u) {
    for (VertexId v : graph.neighbors(u)) adjacent[u][v] = true;
  }
  uint64_t triangles = 0;
  for (VertexId u = 0; u < n; ++u) {
    for (VertexId v = u + 1; v < n; ++v) {
      if (!adjacent[u][v]) continue;
      for (VertexId w = v + 1; w < n; ++w) triangles += adjacent[u][w] && adjacent[v][w];
    }
  }
  return triangles;
}

// Checks that `oriented` is the degree orientation of `graph`.
void ExpectDegreeOrientation(const Graph& graph, const Graph& oriented) {
  ASSERT_TRUE(oriented.Validate().ok()) << oriented.Validate();
  EXPECT_TRUE(oriented.directed());
  EXPECT_EQ(oriented.num_vertices(), graph.num_vertices());
  EXPECT_EQ(oriented.num_self_loops(), 0u);
  EXPECT_EQ(oriented.num_arcs(), graph.num_edges() - graph.num_self_loops());
  const auto rank = [&graph](VertexId v) { return std::pair(graph.degree(v), v); };
  for (VertexId u = 0; u < graph.num_vertices(); ++u) {
    EXPECT_EQ(oriented.original_id(u), graph.original_id(u));
    for (VertexId v : graph.neighbors(u)) {
      if (u == v) continue;
      // Exactly one direction of every edge survives: the one up the ranks.
      ASSERT_EQ(oriented.HasEdge(u, v), rank(u) < rank(v)) << u << " -> " << v;
      ASSERT_NE(oriented.HasEdge(u, v), oriented.HasEdge(v, u)) << u << " -- " << v;
    }
    for (VertexId v : oriented.neighbors(u)) ASSERT_TRUE(graph.HasEdge(u, v));
  }
}

TEST(RelabelByDegree, DegreesAscendInNewIdOrderWithTiesByOldId) {
  const Graph graph = Build(RmatRecords(10, 3));
  const Graph relabelled = RelabelByDegree(graph, 2);
  ASSERT_TRUE(relabelled.Validate().ok()) << relabelled.Validate();
  ASSERT_EQ(relabelled.num_vertices(), graph.num_vertices());
  EXPECT_EQ(relabelled.num_arcs(), graph.num_arcs());
  EXPECT_FALSE(relabelled.directed());
  EXPECT_EQ(relabelled.max_degree(), graph.max_degree());
  for (VertexId v = 1; v < relabelled.num_vertices(); ++v) {
    ASSERT_LE(relabelled.degree(v - 1), relabelled.degree(v)) << "vertex " << v;
    // The builder's dense order is original-id order, so ties show up as
    // ascending original ids.
    if (relabelled.degree(v - 1) == relabelled.degree(v)) {
      ASSERT_LT(relabelled.original_id(v - 1), relabelled.original_id(v)) << "vertex " << v;
    }
  }
}

TEST(RelabelByDegree, KeepsEveryArcWithItsWeightAndType) {
  const Graph graph = Build(RmatRecords(10, 4));
  ASSERT_TRUE(graph.weighted() && graph.typed());
  const Graph relabelled = RelabelByDegree(graph, 2);
  EXPECT_TRUE(relabelled.weighted());
  EXPECT_TRUE(relabelled.typed());
  EXPECT_EQ(ArcsByOriginalId(relabelled), ArcsByOriginalId(graph));
  EXPECT_EQ(relabelled.num_self_loops(), graph.num_self_loops());
  EXPECT_EQ(relabelled.build_stats().input_edges, graph.build_stats().input_edges);
  EXPECT_EQ(relabelled.build_stats().duplicate_edges, graph.build_stats().duplicate_edges);
}

TEST(RelabelByDegree, FindVertexMapsOriginalIdsToNewIds) {
  const Graph graph = Build(RmatRecords(9, 5));
  const Graph relabelled = RelabelByDegree(graph, 2);
  ASSERT_FALSE(std::is_sorted(relabelled.original_ids().begin(), relabelled.original_ids().end()));
  for (VertexId v = 0; v < relabelled.num_vertices(); ++v) {
    ASSERT_EQ(relabelled.FindVertex(relabelled.original_id(v)), v);
  }
  // Ids are 7k + 3; 7k + 4 never occurs.
  EXPECT_EQ(relabelled.FindVertex(4), std::nullopt);
  EXPECT_EQ(relabelled.FindVertex(1u << 30), std::nullopt);
}

TEST(RelabelByDegree, ResultDoesNotDependOnThreadCount) {
  const Graph graph = Build(RmatRecords(10, 6));
  const Graph one = RelabelByDegree(graph, 1);
  const Graph two = RelabelByDegree(graph, 2);
  auto equal = [](auto a, auto b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); };
  EXPECT_TRUE(equal(one.offsets(), two.offsets()));
  EXPECT_TRUE(equal(one.targets(), two.targets()));
  EXPECT_TRUE(equal(one.all_weights(), two.all_weights()));
  EXPECT_TRUE(equal(one.all_types(), two.all_types()));
  EXPECT_TRUE(equal(one.original_ids(), two.original_ids()));
}

// Repeated arcs (a multigraph) keep their relative order after the relabel.
TEST(RelabelByDegree, RepeatedArcsKeepTheirOrder) {
  GraphArrays arrays;
  // Directed: 0 -> {1, 2, 2} with weights {9, 4, 3}; 1 -> {2}; 2 -> {}.
  arrays.offsets = {0, 3, 4, 4};
  arrays.targets = {1, 2, 2, 2};
  arrays.weights = {9, 4, 3, 1};
  arrays.original_ids = {10, 20, 30};
  const Graph graph = Graph::FromArrays(std::move(arrays), /*directed=*/true, BuildStats());
  const Graph relabelled = RelabelByDegree(graph, 2);
  // New order by degree: 30 (0), 20 (1), 10 (3).
  EXPECT_TRUE(relabelled.directed());
  EXPECT_EQ(
      std::vector<OriginalId>(relabelled.original_ids().begin(), relabelled.original_ids().end()),
      (std::vector<OriginalId>{30, 20, 10}));
  EXPECT_EQ(std::vector<VertexId>(relabelled.targets().begin(), relabelled.targets().end()),
            (std::vector<VertexId>{0, 0, 0, 1}));
  EXPECT_EQ(std::vector<float>(relabelled.all_weights().begin(), relabelled.all_weights().end()),
            (std::vector<float>{1, 4, 3, 9}));
  EXPECT_TRUE(relabelled.Validate().ok()) << relabelled.Validate();
}

TEST(RelabelByDegree, EmptyGraphStaysEmpty) {
  const Graph relabelled = RelabelByDegree(Build(EdgeList()), 2);
  EXPECT_EQ(relabelled.num_vertices(), 0u);
  EXPECT_EQ(relabelled.num_arcs(), 0u);
  EXPECT_TRUE(relabelled.Validate().ok());
}

TEST(OrientByDegree, KeepsEachEdgeOnceUpTheDegreeOrder) {
  const Graph graph = Build(RmatRecords(11, 7));
  Result<Graph> oriented = OrientByDegree(graph, 2);
  ASSERT_TRUE(oriented.ok()) << oriented.status();
  ExpectDegreeOrientation(graph, *oriented);
  // Weights and types follow their arcs.
  for (VertexId u = 0; u < oriented->num_vertices(); ++u) {
    const auto neighbors = oriented->neighbors(u);
    for (size_t e = 0; e < neighbors.size(); ++e) {
      const auto list = graph.neighbors(u);
      const size_t at = std::lower_bound(list.begin(), list.end(), neighbors[e]) - list.begin();
      ASSERT_EQ(oriented->weights(u)[e], graph.weights(u)[at]);
      ASSERT_EQ(oriented->types(u)[e], graph.types(u)[at]);
    }
  }
}

// An out-neighbour of u has degree >= degree(u) >= out-degree(u), so
// out-degree(u)^2 <= sum of degrees = 2E.
TEST(OrientByDegree, OutDegreesAreAtMostSqrtOfTwiceTheEdges) {
  const Graph graph = Build(RmatRecords(13, 8));
  Result<Graph> oriented = OrientByDegree(graph, 2);
  ASSERT_TRUE(oriented.ok()) << oriented.status();
  const double bound = std::sqrt(2.0 * graph.num_edges());
  EXPECT_LE(oriented->max_degree(), bound);
  // The undirected hub is far above the bound; orientation is what helps.
  EXPECT_GT(graph.max_degree(), bound);
}

TEST(OrientByDegree, DropsSelfLoops) {
  const Graph graph = Build(Records({{0, 0}, {0, 1}, {1, 2}, {2, 2}, {2, 0}}),
                            /*directed=*/false, SelfLoopPolicy::kKeep);
  ASSERT_EQ(graph.num_self_loops(), 2u);
  Result<Graph> oriented = OrientByDegree(graph, 2);
  ASSERT_TRUE(oriented.ok()) << oriented.status();
  ExpectDegreeOrientation(graph, *oriented);
  EXPECT_EQ(oriented->num_arcs(), 3u);
}

TEST(OrientByDegree, CountsTrianglesLikeBruteForceOnErdosRenyi) {
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE(testing::Message() << "seed " << seed);
    const Graph graph = Build(ErdosRenyiRecords(60, 400, seed));
    Result<Graph> oriented = OrientByDegree(graph, 2);
    ASSERT_TRUE(oriented.ok()) << oriented.status();
    ExpectDegreeOrientation(graph, *oriented);
    const uint64_t expected = CountTrianglesBruteForce(graph);
    EXPECT_GT(expected, 0u);
    EXPECT_EQ(CountTrianglesOriented(*oriented), expected);
  }
}

TEST(OrientByDegree, CountsTrianglesOfCompleteGraph) {
  // K6 has C(6, 3) = 20 triangles; a pendant path adds none.
  std::vector<std::pair<OriginalId, OriginalId>> pairs;
  for (OriginalId u = 0; u < 6; ++u) {
    for (OriginalId v = u + 1; v < 6; ++v) pairs.emplace_back(u, v);
  }
  pairs.insert(pairs.end(), {{5, 6}, {6, 7}});
  const Graph graph = Build(Records(pairs));
  Result<Graph> oriented = OrientByDegree(graph, 1);
  ASSERT_TRUE(oriented.ok()) << oriented.status();
  ExpectDegreeOrientation(graph, *oriented);
  EXPECT_EQ(CountTrianglesBruteForce(graph), 20u);
  EXPECT_EQ(CountTrianglesOriented(*oriented), 20u);
}

// Zachary's karate club: 34 vertices, 78 edges, 45 triangles.
TEST(OrientByDegree, CountsTheKarateClubsFortyFiveTriangles) {
  const std::string path = std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/Karate.edges.txt";
  LoadOptions load;
  load.threads = 2;
  Result<Graph> graph = LoadGraph(Env::Default(), path, load);
  ASSERT_TRUE(graph.ok()) << graph.status();
  ASSERT_EQ(graph->num_vertices(), 34u);
  ASSERT_EQ(graph->num_edges(), 78u);
  Result<Graph> oriented = OrientByDegree(*graph, 2);
  ASSERT_TRUE(oriented.ok()) << oriented.status();
  ExpectDegreeOrientation(*graph, *oriented);
  EXPECT_EQ(CountTrianglesBruteForce(*graph), 45u);
  EXPECT_EQ(CountTrianglesOriented(*oriented), 45u);
  // Relabelling first (as the miner does) changes nothing about the count.
  Result<Graph> relabelled = OrientByDegree(RelabelByDegree(*graph, 2), 2);
  ASSERT_TRUE(relabelled.ok()) << relabelled.status();
  EXPECT_EQ(CountTrianglesOriented(*relabelled), 45u);
}

TEST(OrientByDegree, RejectsDirectedGraph) {
  const Graph graph = Build(Records({{0, 1}, {1, 2}}), /*directed=*/true);
  EXPECT_EQ(
      OrientByDegree(graph, 2).status(),
      InvalidArgumentError("orient by degree: expected an undirected graph, got a directed one"));
}

}  // namespace
}  // namespace syskit::graph
