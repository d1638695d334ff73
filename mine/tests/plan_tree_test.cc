// The merged multi-pattern plan tree against per-pattern execution and the
// brute force, and its sharing.
#include "syskit/mine/plan_tree.h"

#include <gtest/gtest.h>

#include "syskit/mine/brute_force.h"
#include "test_util.h"

namespace syskit::mine {
namespace {

using testing::LoadBundled;
using testing::Prepare;
using testing::RandomGraph;

PlanTree CompileTree(const std::string& spec, const MiningGraph& mining, Induced induced) {
  TreeCompileOptions options;
  options.compile.induced = induced;
  options.compile.stats = mining.stats();
  Result<PlanTree> tree = CompilePlanTree(testing::Patterns(spec), options);
  SYSKIT_CHECK(tree.ok()) << tree.status();
  return std::move(tree).value();
}

std::vector<uint64_t> PerPattern(const MiningGraph& mining, const std::string& spec,
                                 Induced induced) {
  std::vector<uint64_t> counts;
  for (const Pattern& pattern : testing::Patterns(spec)) {
    CompileOptions compile;
    compile.induced = induced;
    compile.stats = mining.stats();
    counts.push_back(testing::CountWith(mining, pattern, compile));
  }
  return counts;
}

TEST(PlanTree, EqualsPerPatternExecutionOnBundledGraphs) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  const MiningGraph grqc = Prepare(LoadBundled("CA-GrQc"));
  struct Case {
    const MiningGraph* graph;
    std::string spec;
    Induced induced;
  };
  for (const Case& c :
       {Case{&karate, "5-motifs", Induced::kVertex}, Case{&karate, "5-motifs", Induced::kEdge},
        Case{&grqc, "4-motifs", Induced::kVertex},
        Case{&grqc, "triangle,wedge,diamond,5-cycle,house,4-clique", Induced::kVertex},
        Case{&karate, "triangle,wedge,diamond,5-cycle,house", Induced::kEdge},
        Case{&karate, "3-motifs", Induced::kVertex}}) {
    {
      const Induced induced = c.induced;
      const PlanTree tree = CompileTree(c.spec, *c.graph, induced);
      for (int threads : {1, 2}) {
        MineOptions options;
        options.threads = threads;
        Result<std::vector<uint64_t>> counts = CountPlanTree(*c.graph, tree, options);
        ASSERT_TRUE(counts.ok()) << counts.status();
        EXPECT_EQ(*counts, PerPattern(*c.graph, c.spec, induced))
            << c.spec << (induced == Induced::kVertex ? " vertex" : " edge") << " threads "
            << threads;
      }
    }
  }
}

TEST(PlanTree, FiveMotifsMatchBruteForceOnRandomGraphs) {
  const std::vector<Pattern> motifs = testing::Patterns("5-motifs");
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    const uint64_t vertices = 8 + seed % 6;
    const graph::Graph input = RandomGraph(vertices, vertices * (1 + seed % 4), seed);
    const MiningGraph mining = Prepare(input);
    const BruteForceCounts brute = BruteForceSubgraphs(input, 5);
    for (Induced induced : {Induced::kVertex, Induced::kEdge}) {
      const PlanTree tree = CompileTree("5-motifs", mining, induced);
      MineOptions options;
      options.threads = 1;
      Result<std::vector<uint64_t>> counts = CountPlanTree(mining, tree, options);
      ASSERT_TRUE(counts.ok()) << counts.status();
      for (size_t p = 0; p < motifs.size(); ++p) {
        const uint64_t code = BruteForceCode(5, motifs[p].Edges());
        auto& table = induced == Induced::kVertex ? brute.vertex_induced : brute.edge_induced;
        const auto it = table.find(code);
        EXPECT_EQ((*counts)[p], it == table.end() ? 0 : it->second)
            << motifs[p].name() << " seed " << seed;
      }
    }
  }
}

TEST(PlanTree, RankSplitSumsToTheWhole) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  const PlanTree tree = CompileTree("5-motifs", karate, Induced::kVertex);
  MineOptions whole;
  whole.threads = 2;
  Result<std::vector<uint64_t>> expected = CountPlanTree(karate, tree, whole);
  ASSERT_TRUE(expected.ok());
  std::vector<uint64_t> sum(expected->size(), 0);
  for (int rank = 0; rank < 3; ++rank) {
    MineOptions options = whole;
    options.rank = rank;
    options.ranks = 3;
    Result<std::vector<uint64_t>> part = CountPlanTree(karate, tree, options);
    ASSERT_TRUE(part.ok());
    for (size_t p = 0; p < sum.size(); ++p) sum[p] += (*part)[p];
  }
  EXPECT_EQ(sum, *expected);
}

TEST(PlanTree, FiveMotifsShareLoopsAndPrintTheTree) {
  const MiningGraph grqc = Prepare(LoadBundled("CA-GrQc"));
  const PlanTree tree = CompileTree("5-motifs", grqc, Induced::kVertex);
  EXPECT_EQ(tree.plans.size(), 21u);
  ASSERT_EQ(tree.separate.size(), 1u);  // 5-clique on the oriented DAG
  EXPECT_EQ(tree.plans[tree.separate[0]].pattern.name(), "5-clique");
  // 20 patterns x 4 loop levels below the root would be 80 nodes unshared.
  EXPECT_GT(tree.shared_levels, 20);
  EXPECT_LT(static_cast<int>(tree.nodes.size()), 1 + 80 - 20);
  const std::string text = tree.ToString();
  EXPECT_NE(text.find("for v0 in V:"), std::string::npos) << text;
  EXPECT_NE(text.find("count[5-cycle] += "), std::string::npos) << text;
  EXPECT_NE(text.find("separately: 5-clique (oriented clique plan)"), std::string::npos) << text;
}

TEST(PlanTree, RejectsLabelledPatterns) {
  Result<Pattern> labelled = Pattern::Create("l", 2, {{0, 1}}, {1, 2});
  ASSERT_TRUE(labelled.ok());
  EXPECT_FALSE(CompilePlanTree({*labelled}, TreeCompileOptions{}).ok());
}

}  // namespace
}  // namespace syskit::mine
