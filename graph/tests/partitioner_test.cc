#include "syskit/graph/partitioner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "syskit/graph/builder.h"
#include "syskit/graph/generators.h"

namespace syskit::graph {
namespace {

// An undirected CSR graph on vertices [0, n) straight from an edge list, so
// the tests do not depend on the builder for the hand-made shapes.
Graph MakeUndirected(VertexId n, const std::vector<std::pair<VertexId, VertexId>>& edges) {
  std::vector<std::vector<VertexId>> lists(n);
  for (auto [u, v] : edges) {
    lists[u].push_back(v);
    lists[v].push_back(u);
  }
  GraphArrays arrays;
  arrays.offsets.push_back(0);
  for (VertexId v = 0; v < n; ++v) {
    std::sort(lists[v].begin(), lists[v].end());
    arrays.targets.insert(arrays.targets.end(), lists[v].begin(), lists[v].end());
    arrays.offsets.push_back(arrays.targets.size());
    arrays.original_ids.push_back(v);
  }
  return Graph::FromArrays(std::move(arrays), /*directed=*/false, BuildStats());
}

Graph RmatGraph(int scale) {
  RmatOptions options;
  options.scale = scale;
  options.edge_factor = 8;
  options.seed = 5;
  options.threads = 2;
  Result<EdgeList> edges = GenerateRmat(options);
  EXPECT_TRUE(edges.ok()) << edges.status();
  BuildOptions build;
  build.threads = 2;
  Result<Graph> graph = BuildGraph(std::move(edges).value(), build);
  EXPECT_TRUE(graph.ok()) << graph.status();
  return std::move(graph).value();
}

// Checks every promise of Partition::Balanced against a direct computation.
void ExpectValidBalancedPartition(const Graph& graph, const Partition& partition, int parts,
                                  double vertex_weight) {
  const VertexId n = graph.num_vertices();
  const std::vector<VertexId>& boundaries = partition.boundaries();
  ASSERT_EQ(partition.num_parts(), parts);
  ASSERT_EQ(boundaries.size(), static_cast<size_t>(parts) + 1);
  EXPECT_EQ(boundaries.front(), 0u);
  EXPECT_EQ(boundaries.back(), n);
  EXPECT_TRUE(std::is_sorted(boundaries.begin(), boundaries.end()));

  double total = 0;
  double max_load = 0;
  for (VertexId v = 0; v < n; ++v) {
    const double load = graph.degree(v) + vertex_weight;
    total += load;
    max_load = std::max(max_load, load);
  }
  const double mean = total / parts;
  for (int p = 0; p < parts; ++p) {
    SCOPED_TRACE(testing::Message() << "part " << p << " of " << parts);
    EXPECT_EQ(partition.begin(p), boundaries[p]);
    EXPECT_EQ(partition.end(p), boundaries[p + 1]);
    if (static_cast<VertexId>(parts) <= n) {
      EXPECT_LT(partition.begin(p), partition.end(p));
    }
    double load = 0;
    for (VertexId v = partition.begin(p); v < partition.end(p); ++v) {
      load += graph.degree(v) + vertex_weight;
    }
    EXPECT_LE(std::abs(load - mean), max_load + 1e-9 * total)
        << "load " << load << ", mean " << mean << ", max vertex load " << max_load;
  }
  // OwnerOf against a linear scan of the ranges.
  for (VertexId v = 0; v < n; ++v) {
    int owner = -1;
    for (int p = 0; p < parts; ++p) {
      if (boundaries[p] <= v && v < boundaries[p + 1]) owner = p;
    }
    ASSERT_EQ(partition.OwnerOf(v), owner) << "vertex " << v;
  }
}

TEST(Partition, BalancesSkewedRmatGraph) {
  const Graph graph = RmatGraph(11);
  for (int parts : {2, 3, 7, 16, 61}) {
    for (double vertex_weight : {0.0, 1.0, 2.5}) {
      SCOPED_TRACE(testing::Message() << "parts " << parts << ", weight " << vertex_weight);
      Result<Partition> partition = Partition::Balanced(graph, parts, vertex_weight);
      ASSERT_TRUE(partition.ok()) << partition.status();
      ExpectValidBalancedPartition(graph, *partition, parts, vertex_weight);
    }
  }
}

TEST(Partition, EqualLoadsSplitExactly) {
  // A 12-cycle: every vertex has load 2 + 1.
  std::vector<std::pair<VertexId, VertexId>> cycle;
  for (VertexId v = 0; v < 12; ++v) cycle.emplace_back(v, (v + 1) % 12);
  const Graph graph = MakeUndirected(12, cycle);
  Result<Partition> partition = Partition::Balanced(graph, 4);
  ASSERT_TRUE(partition.ok()) << partition.status();
  EXPECT_EQ(partition->boundaries(), (std::vector<VertexId>{0, 3, 6, 9, 12}));
  Result<Partition> thirds = Partition::Balanced(graph, 3);
  ASSERT_TRUE(thirds.ok());
  EXPECT_EQ(thirds->boundaries(), (std::vector<VertexId>{0, 4, 8, 12}));
}

// A hub heavier than a whole part, first or last: cuts must still leave
// every part non-empty and within one vertex load of the mean.
TEST(Partition, HubHeavierThanAPartKeepsPartsNonEmpty) {
  for (VertexId hub : {0u, 49u, 99u}) {
    SCOPED_TRACE(testing::Message() << "hub " << hub);
    std::vector<std::pair<VertexId, VertexId>> star;
    for (VertexId v = 0; v < 100; ++v) {
      if (v != hub) star.emplace_back(hub, v);
    }
    const Graph graph = MakeUndirected(100, star);
    for (int parts : {2, 10, 50, 99, 100}) {
      for (double vertex_weight : {0.0, 1.0}) {
        SCOPED_TRACE(testing::Message() << "parts " << parts << ", weight " << vertex_weight);
        Result<Partition> partition = Partition::Balanced(graph, parts, vertex_weight);
        ASSERT_TRUE(partition.ok()) << partition.status();
        ExpectValidBalancedPartition(graph, *partition, parts, vertex_weight);
      }
    }
  }
}

// Isolated vertices with weight 0 carry no load; they still belong to a part
// and the last boundary is still num_vertices.
TEST(Partition, ZeroLoadVerticesAreCovered) {
  const Graph graph = MakeUndirected(10, {{0, 1}, {1, 2}, {2, 3}});  // 4..9 isolated
  for (int parts : {1, 2, 3, 5, 10}) {
    SCOPED_TRACE(testing::Message() << "parts " << parts);
    Result<Partition> partition = Partition::Balanced(graph, parts, 0.0);
    ASSERT_TRUE(partition.ok()) << partition.status();
    ExpectValidBalancedPartition(graph, *partition, parts, 0.0);
  }
}

TEST(Partition, OnePartOwnsEverything) {
  const Graph graph = RmatGraph(8);
  Result<Partition> partition = Partition::Balanced(graph, 1);
  ASSERT_TRUE(partition.ok()) << partition.status();
  EXPECT_EQ(partition->boundaries(), (std::vector<VertexId>{0, graph.num_vertices()}));
  for (VertexId v = 0; v < graph.num_vertices(); ++v) EXPECT_EQ(partition->OwnerOf(v), 0);
}

TEST(Partition, MorePartsThanVerticesGivesOneVertexPerPartThenEmptyParts) {
  const Graph graph = MakeUndirected(5, {{0, 1}, {0, 2}, {0, 3}, {0, 4}});
  Result<Partition> partition = Partition::Balanced(graph, 8);
  ASSERT_TRUE(partition.ok()) << partition.status();
  EXPECT_EQ(partition->boundaries(), (std::vector<VertexId>{0, 1, 2, 3, 4, 5, 5, 5, 5}));
  for (VertexId v = 0; v < 5; ++v) EXPECT_EQ(partition->OwnerOf(v), static_cast<int>(v));
  ExpectValidBalancedPartition(graph, *partition, 8, 1.0);
}

TEST(Partition, EmptyGraphGivesEmptyParts) {
  const Graph graph = MakeUndirected(0, {});
  Result<Partition> partition = Partition::Balanced(graph, 3);
  ASSERT_TRUE(partition.ok()) << partition.status();
  EXPECT_EQ(partition->boundaries(), (std::vector<VertexId>{0, 0, 0, 0}));
}

TEST(Partition, RejectsBadArguments) {
  const Graph graph = MakeUndirected(4, {{0, 1}, {2, 3}});
  EXPECT_EQ(Partition::Balanced(graph, 0).status(),
            InvalidArgumentError("partition: parts must be >= 1, got 0"));
  EXPECT_EQ(Partition::Balanced(graph, -3).status(),
            InvalidArgumentError("partition: parts must be >= 1, got -3"));
  EXPECT_EQ(Partition::Balanced(graph, 2, -1.0).status(),
            InvalidArgumentError("partition: vertex_weight must be a non-negative number, got -1"));
  EXPECT_EQ(
      Partition::Balanced(graph, 2, std::numeric_limits<double>::quiet_NaN()).status(),
      InvalidArgumentError("partition: vertex_weight must be a non-negative number, got nan"));
  EXPECT_EQ(
      Partition::Balanced(graph, 2, std::numeric_limits<double>::infinity()).status(),
      InvalidArgumentError("partition: vertex_weight must be a non-negative number, got inf"));
}

TEST(PartitionDeathTest, OwnerOfVertexOutsideTheGraphAborts) {
  const Graph graph = MakeUndirected(4, {{0, 1}, {2, 3}});
  Result<Partition> partition = Partition::Balanced(graph, 2);
  ASSERT_TRUE(partition.ok());
  EXPECT_DEATH((void)partition->OwnerOf(4), "outside the partitioned range");
}

}  // namespace
}  // namespace syskit::graph
