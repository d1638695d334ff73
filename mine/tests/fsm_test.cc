// Frequent subgraph mining: the property test against an independent
// brute force (every labelled pattern of up to 3 edges enumerated by shape
// and label assignment, MNI support from all injective maps), plus the
// canonical form and the errors.
#include "syskit/mine/fsm.h"

#include <gtest/gtest.h>

#include <map>

#include "syskit/core/random.h"
#include "syskit/mine/brute_force.h"
#include "test_util.h"

namespace syskit::mine {
namespace {

using testing::Prepare;
using testing::RandomGraph;

using Edges = std::vector<std::pair<int, int>>;

// Every connected graph shape with 1..3 edges.
const std::vector<std::pair<int, Edges>> kShapes = {
    {2, {{0, 1}}},                  // edge
    {3, {{0, 1}, {1, 2}}},          // wedge
    {3, {{0, 1}, {1, 2}, {0, 2}}},  // triangle
    {4, {{0, 1}, {1, 2}, {2, 3}}},  // 3-path
    {4, {{0, 1}, {0, 2}, {0, 3}}},  // 3-star
};

// code -> MNI support of every labelled pattern with support >= `support`,
// by brute force.
std::map<std::string, uint64_t> BruteForceFrequent(const graph::Graph& graph,
                                                   const std::vector<uint32_t>& labels,
                                                   uint32_t label_count, uint64_t support,
                                                   int max_edges) {
  std::map<std::string, uint64_t> frequent;
  std::map<std::string, bool> seen;
  for (const auto& [k, edges] : kShapes) {
    if (static_cast<int>(edges.size()) > max_edges) continue;
    uint64_t assignments = 1;
    for (int v = 0; v < k; ++v) assignments *= label_count;
    for (uint64_t a = 0; a < assignments; ++a) {
      std::vector<uint32_t> pattern_labels;
      for (uint64_t rest = a, v = 0; v < static_cast<uint64_t>(k); ++v, rest /= label_count) {
        pattern_labels.push_back(static_cast<uint32_t>(rest % label_count));
      }
      const std::string code = BruteForceLabelledCode(k, edges, pattern_labels);
      if (seen[code]) continue;
      seen[code] = true;
      Result<Pattern> pattern = Pattern::Create("p", k, edges, pattern_labels);
      SYSKIT_CHECK(pattern.ok()) << pattern.status();
      const uint64_t mni = BruteForceMni(graph, labels, *pattern);
      if (mni >= support) frequent[code] = mni;
    }
  }
  return frequent;
}

std::map<std::string, uint64_t> Mined(const MiningGraph& mining, uint64_t support, int max_edges,
                                      int threads) {
  FsmOptions options;
  options.support = support;
  options.max_edges = max_edges;
  options.mine.threads = threads;
  Result<std::vector<FrequentPattern>> found = MineFrequentSubgraphs(mining, options);
  EXPECT_TRUE(found.ok()) << found.status();
  std::map<std::string, uint64_t> mined;
  if (!found.ok()) return mined;
  for (const FrequentPattern& entry : *found) {
    std::vector<uint32_t> labels;
    for (int v = 0; v < entry.pattern.num_vertices(); ++v) labels.push_back(entry.pattern.label(v));
    const std::string code =
        BruteForceLabelledCode(entry.pattern.num_vertices(), entry.pattern.Edges(), labels);
    EXPECT_EQ(mined.count(code), 0u) << "pattern reported twice: " << entry.pattern.name();
    mined[code] = entry.support;
  }
  return mined;
}

TEST(FsmPropertyTest, FrequentPatternsAndSupportsMatchBruteForce) {
  int checked_patterns = 0;
  for (uint64_t seed = 1; seed <= 150; ++seed) {
    const uint64_t vertices = 7 + seed % 5;                       // 7..11
    const uint64_t edges = vertices * (1 + seed % 3) + seed % 4;  // sparse to dense
    const graph::Graph input = RandomGraph(vertices, edges, seed);
    const uint32_t label_count = 2 + seed % 2;  // 2 or 3 labels
    Random rng(seed, 7);
    std::vector<uint32_t> labels(input.num_vertices());
    for (uint32_t& label : labels) label = static_cast<uint32_t>(rng.Uniform(label_count));
    const MiningGraph mining = Prepare(input, labels);
    const uint64_t support = 1 + seed % 3;
    const int max_edges = seed % 7 == 0 ? 2 : 3;
    const auto expected = BruteForceFrequent(input, labels, label_count, support, max_edges);
    const auto mined = Mined(mining, support, max_edges, 1 + seed % 2);
    ASSERT_EQ(mined, expected) << "seed " << seed << ", support " << support;
    checked_patterns += static_cast<int>(expected.size());
  }
  EXPECT_GT(checked_patterns, 1000);  // the cases are not trivially empty
}

TEST(Fsm, MniSupportOfSymmetricPatternsCountsEveryOrbitImage) {
  // A path a-b-c with labels 0-1-0: the two end vertices form one orbit; MNI
  // must see both ends of every embedding even though symmetry breaking
  // finds each path once.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const graph::Graph input = RandomGraph(12, 30, seed);
    Random rng(seed, 3);
    std::vector<uint32_t> labels(input.num_vertices());
    for (uint32_t& label : labels) label = static_cast<uint32_t>(rng.Uniform(2));
    const MiningGraph mining = Prepare(input, labels);
    for (const auto& [k, edges] : kShapes) {
      std::vector<uint32_t> pattern_labels(k, 0);
      pattern_labels[1] = 1;
      Result<Pattern> pattern = Pattern::Create("p", k, edges, pattern_labels);
      ASSERT_TRUE(pattern.ok());
      MineOptions options;
      options.threads = 2;
      Result<uint64_t> support = MniSupport(mining, *pattern, options);
      ASSERT_TRUE(support.ok()) << support.status();
      EXPECT_EQ(*support, BruteForceMni(input, labels, *pattern)) << "seed " << seed;
    }
  }
}

TEST(Fsm, CanonicalFormIsTheSameForEveryNumbering) {
  Result<Pattern> a = Pattern::Create("a", 4, {{0, 1}, {1, 2}, {2, 3}}, {5, 1, 1, 2});
  Result<Pattern> b = Pattern::Create("b", 4, {{3, 2}, {2, 0}, {0, 1}}, {1, 2, 1, 5});
  Result<Pattern> c = Pattern::Create("c", 4, {{0, 1}, {1, 2}, {2, 3}}, {5, 1, 2, 1});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(CanonicalLabelled(*a).name(), CanonicalLabelled(*b).name());
  EXPECT_NE(CanonicalLabelled(*a).name(), CanonicalLabelled(*c).name());
  EXPECT_EQ(CanonicalLabelled(*a).name(), "0(1)-1(1) 0(1)-3(5) 1(1)-2(2)");
}

TEST(Fsm, BadRequestsAreErrors) {
  const graph::Graph input = RandomGraph(10, 20, 1);
  const MiningGraph unlabelled = Prepare(input);
  FsmOptions options;
  options.support = 2;
  Result<std::vector<FrequentPattern>> result = MineFrequentSubgraphs(unlabelled, options);
  EXPECT_EQ(result.status().message(),
            "frequent subgraph mining needs vertex labels (pass --labels=FILE)");
  const MiningGraph labelled = Prepare(input, std::vector<uint32_t>(input.num_vertices(), 1));
  options.max_edges = 4;
  EXPECT_EQ(MineFrequentSubgraphs(labelled, options).status().message(),
            "--max_edges must be in 1..3, got 4");
  options.max_edges = 3;
  options.support = 0;
  EXPECT_EQ(MineFrequentSubgraphs(labelled, options).status().message(),
            "--support must be at least 1, got 0");
}

}  // namespace
}  // namespace syskit::mine
