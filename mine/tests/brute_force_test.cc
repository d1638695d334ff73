// The property test: every supported pattern of up to 5 vertices, vertex-
// and edge-induced, on hundreds of seeded random graphs, against the ESU
// brute force; plus checks of the brute force itself.
#include "syskit/mine/brute_force.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace syskit::mine {
namespace {

using testing::Prepare;
using testing::RandomGraph;

uint64_t CodeOf(const Pattern& pattern) {
  return BruteForceCode(pattern.num_vertices(), pattern.Edges());
}

TEST(BruteForce, KarateMotifsMatchTheReferenceTable) {
  const graph::Graph karate = testing::LoadBundled("Karate");
  BruteForceCounts counts = BruteForceSubgraphs(karate, 4);
  const std::vector<uint64_t> expected = {1098, 681, 36, 452, 85, 11};
  const std::vector<Pattern> motifs = testing::Patterns(std::to_string(4) + "-motifs");
  for (size_t p = 0; p < motifs.size(); ++p) {
    EXPECT_EQ(counts.vertex_induced[CodeOf(motifs[p])], expected[p]) << motifs[p].name();
  }
  // Edge-induced 3-stars are sum_v C(d(v), 3).
  uint64_t stars = 0;
  for (graph::VertexId v = 0; v < karate.num_vertices(); ++v) {
    const uint64_t d = karate.degree(v);
    stars += d * (d - 1) * (d - 2) / 6;
  }
  EXPECT_EQ(counts.edge_induced[CodeOf(motifs[0])], stars);
}

TEST(PropertyTest, EveryPatternMatchesBruteForceOnRandomGraphs) {
  std::vector<Pattern> patterns;
  for (const char* spec : {"3-motifs", "4-motifs", "5-motifs"}) {
    for (Pattern& pattern : testing::Patterns(spec)) patterns.push_back(std::move(pattern));
  }
  int graphs = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    const uint64_t vertices = 8 + seed % 7;                       // 8..14
    const uint64_t edges = vertices * (1 + seed % 4) + seed % 5;  // sparse to dense
    const graph::Graph input = RandomGraph(vertices, edges, seed);
    const MiningGraph mining = Prepare(input);
    BruteForceCounts brute[6];
    for (int k = 3; k <= 5; ++k) brute[k] = BruteForceSubgraphs(input, k);
    for (const Pattern& pattern : patterns) {
      const int k = pattern.num_vertices();
      const uint64_t code = CodeOf(pattern);
      for (Induced induced : {Induced::kVertex, Induced::kEdge}) {
        CompileOptions compile;
        compile.induced = induced;
        compile.stats = mining.stats();
        const uint64_t expected = induced == Induced::kVertex ? brute[k].vertex_induced[code]
                                                              : brute[k].edge_induced[code];
        ASSERT_EQ(testing::CountWith(mining, pattern, compile), expected)
            << pattern.name() << (induced == Induced::kVertex ? " vertex" : " edge")
            << "-induced, seed " << seed << ", " << vertices << " vertices";
      }
    }
    for (int k : {3, 4}) {
      const std::vector<Pattern> motifs = testing::Patterns(std::to_string(k) + "-motifs");
      CountOptions options;
      options.mine.threads = 1;
      Result<std::vector<PatternCount>> formula = CountPatterns(mining, motifs, options);
      ASSERT_TRUE(formula.ok());
      for (size_t p = 0; p < formula->size(); ++p) {
        ASSERT_EQ((*formula)[p].count, brute[k].vertex_induced[CodeOf(motifs[p])])
            << (*formula)[p].name << " by formula, seed " << seed;
      }
    }
    ++graphs;
  }
  EXPECT_EQ(graphs, 300);
}

}  // namespace
}  // namespace syskit::mine
