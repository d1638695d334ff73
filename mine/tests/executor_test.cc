// Tests for the plan interpreter: reference counts, schedule independence,
// symmetry breaking against division, threads, listing and labels.
#include "syskit/mine/executor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "syskit/mine/brute_force.h"
#include "syskit/mine/motif_counter.h"
#include "syskit/testing/temp_dir.h"
#include "test_util.h"

namespace syskit::mine {
namespace {

using testing::CountWith;
using testing::LoadBundled;
using testing::Named;
using testing::Prepare;
using testing::RandomGraph;

std::vector<uint64_t> CountsOf(const MiningGraph& mining, const std::string& spec,
                               bool formulas = false, Induced induced = Induced::kVertex) {
  CountOptions options;
  options.motif_formulas = formulas;
  options.induced = induced;
  options.mine.threads = 2;
  Result<std::vector<PatternCount>> counts =
      CountPatterns(mining, testing::Patterns(spec), options);
  EXPECT_TRUE(counts.ok()) << counts.status();
  std::vector<uint64_t> values;
  if (counts.ok()) {
    for (const PatternCount& count : *counts) values.push_back(count.count);
  }
  return values;
}

TEST(Executor, KarateReferenceCounts) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  EXPECT_EQ(CountsOf(karate, "triangle,4-clique,5-clique,6-clique"),
            (std::vector<uint64_t>{45, 11, 2, 0}));
  EXPECT_EQ(CountsOf(karate, "3-motifs"), (std::vector<uint64_t>{393, 45}));
  EXPECT_EQ(CountsOf(karate, "4-motifs"), (std::vector<uint64_t>{1098, 681, 36, 452, 85, 11}));
}

TEST(Executor, CaGrQcReferenceCounts) {
  const MiningGraph grqc = Prepare(LoadBundled("CA-GrQc"));
  EXPECT_EQ(CountsOf(grqc, "triangle,4-clique,5-clique"),
            (std::vector<uint64_t>{48260, 329297, 2215500}));
  EXPECT_EQ(CountsOf(grqc, "3-motifs"), (std::vector<uint64_t>{85087, 48260}));
  const std::vector<uint64_t> motifs4 = {405750, 553322, 1115, 628366, 65717, 329297};
  EXPECT_EQ(CountsOf(grqc, "4-motifs"), motifs4);
  EXPECT_EQ(CountsOf(grqc, "4-motifs", /*formulas=*/true), motifs4);
}

TEST(Executor, CliquesWithoutOrientationMatchOrientedPlan) {
  const MiningGraph grqc = Prepare(LoadBundled("CA-GrQc"));
  CompileOptions general;
  general.orient_cliques = false;
  general.stats = grqc.stats();
  EXPECT_EQ(CountWith(grqc, Named("4-clique"), general, 2), 329297u);
  general.induced = Induced::kEdge;
  EXPECT_EQ(CountWith(grqc, Named("triangle"), general, 2), 48260u);
}

TEST(Executor, EveryMatchingOrderGivesTheSameCount) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  for (const Pattern& pattern : testing::Patterns("4-motifs,house,5-cycle,bull")) {
    for (Induced induced : {Induced::kVertex, Induced::kEdge}) {
      CompileOptions first;
      first.induced = induced;
      first.orient_cliques = false;
      const uint64_t expected = CountWith(karate, pattern, first);
      for (const std::vector<int>& order : ConnectedOrders(pattern, 1000)) {
        CompileOptions options = first;
        options.order = order;
        EXPECT_EQ(CountWith(karate, pattern, options), expected) << pattern.name();
        options.reuse_sets = false;
        EXPECT_EQ(CountWith(karate, pattern, options), expected) << pattern.name() << " no reuse";
      }
    }
  }
}

TEST(Executor, SymmetryBreakingEqualsDivisionByAutomorphisms) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  for (const Pattern& pattern : testing::Patterns("4-motifs,5-motifs,6-cycle,5-star")) {
    for (Induced induced : {Induced::kVertex, Induced::kEdge}) {
      CompileOptions restricted;
      restricted.induced = induced;
      CompileOptions naive = restricted;
      naive.symmetry_breaking = false;
      naive.reuse_sets = false;
      const uint64_t embeddings = CountWith(karate, pattern, naive);
      const uint64_t automorphisms = pattern.Automorphisms().size();
      EXPECT_EQ(embeddings % automorphisms, 0u) << pattern.name();
      EXPECT_EQ(CountWith(karate, pattern, restricted), embeddings / automorphisms)
          << pattern.name();
    }
  }
}

TEST(Executor, OneAndTwoThreadsAgree) {
  const MiningGraph mining = Prepare(RandomGraph(400, 4000, 7));
  for (const Pattern& pattern : testing::Patterns("4-motifs,5-cycle,house,5-clique")) {
    CompileOptions options;
    EXPECT_EQ(CountWith(mining, pattern, options, 1), CountWith(mining, pattern, options, 2))
        << pattern.name();
  }
}

TEST(Executor, ListingReportsEachEmbeddingOnceAndValid) {
  const graph::Graph input = LoadBundled("Karate");
  const MiningGraph karate = Prepare(input);
  for (const Pattern& pattern : testing::Patterns("4-motifs,house,triangle")) {
    for (Induced induced : {Induced::kVertex, Induced::kEdge}) {
      CompileOptions compile;
      compile.induced = induced;
      Result<Plan> plan = Compile(pattern, compile);
      ASSERT_TRUE(plan.ok());
      std::mutex mu;
      std::set<std::vector<graph::VertexId>> seen_sets;
      uint64_t calls = 0;
      bool all_valid = true;
      MineOptions options;
      options.threads = 2;
      Result<uint64_t> listed =
          ListPlan(karate, *plan, options, [&](int, std::span<const graph::VertexId> match) {
            const graph::Graph& g = karate.graph();
            bool valid = true;
            for (int a = 0; a < pattern.num_vertices(); ++a) {
              for (int b = a + 1; b < pattern.num_vertices(); ++b) {
                const bool edge = g.HasEdge(match[a], match[b]);
                if (match[a] == match[b]) valid = false;
                if (pattern.HasEdge(a, b) && !edge) valid = false;
                if (induced == Induced::kVertex && !pattern.HasEdge(a, b) && edge) valid = false;
              }
            }
            // A subgraph is its vertex set plus (edge-induced) its edge set;
            // key it by the matched pattern edges' images.
            std::vector<graph::VertexId> key(match.begin(), match.end());
            std::sort(key.begin(), key.end());
            for (auto [a, b] : pattern.Edges()) {
              key.push_back(std::min(match[a], match[b]) * 1000 + std::max(match[a], match[b]));
            }
            std::sort(key.begin() + pattern.num_vertices(), key.end());
            std::lock_guard<std::mutex> lock(mu);
            ++calls;
            all_valid = all_valid && valid;
            seen_sets.insert(key);
          });
      ASSERT_TRUE(listed.ok());
      EXPECT_TRUE(all_valid) << pattern.name();
      EXPECT_EQ(calls, *listed) << pattern.name();
      EXPECT_EQ(seen_sets.size(), *listed) << pattern.name() << " listed a subgraph twice";
      EXPECT_EQ(*listed, CountWith(karate, pattern, compile)) << pattern.name();
    }
  }
}

TEST(Executor, LabelledPatternsMatchBruteForce) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    const graph::Graph input = RandomGraph(12, 30, seed);
    std::vector<uint32_t> labels(input.num_vertices());
    for (graph::VertexId v = 0; v < input.num_vertices(); ++v) labels[v] = (v * 7 + seed) % 3;
    const MiningGraph mining = Prepare(input, labels);
    const std::vector<Pattern> patterns = {
        *Pattern::Create("lt", 3, {{0, 1}, {1, 2}, {0, 2}}, {0, 0, 1}),
        *Pattern::Create("lw", 3, {{0, 1}, {1, 2}}, {1, 0, 1}),
        *Pattern::Create("lc", 4, {{0, 1}, {1, 2}, {2, 3}, {3, 0}}, {2, kAnyLabel, 2, kAnyLabel}),
        *Pattern::Create("lk", 4, {{0, 1}, {0, 2}, {0, 3}, {1, 2}, {1, 3}, {2, 3}}, {0, 1, 1, 2}),
    };
    for (const Pattern& pattern : patterns) {
      for (Induced induced : {Induced::kVertex, Induced::kEdge}) {
        CompileOptions compile;
        compile.induced = induced;
        EXPECT_EQ(CountWith(mining, pattern, compile, 2),
                  BruteForceMaps(input, labels, pattern, induced))
            << pattern.name() << " seed " << seed;
      }
    }
  }
}

TEST(Executor, LabelledPatternOnUnlabelledGraphIsAnError) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  Result<Plan> plan = Compile(*Pattern::Create("lw", 3, {{0, 1}, {1, 2}}, {1, 0, 1}), {});
  Result<uint64_t> count = CountPlan(karate, *plan, MineOptions{});
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().message(),
            "pattern \"lw\" has vertex labels but the graph has none (pass --labels=FILE)");
}

TEST(Executor, LoadLabelsReportsBadLines) {
  const graph::Graph karate = LoadBundled("Karate");
  syskit::testing::TempDir dir;
  Result<std::vector<uint32_t>> labels = LoadLabels(dir.Write("ok", "1 5\n34 2\n# c\n"), karate);
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ((*labels)[*karate.FindVertex(1)], 5u);
  EXPECT_EQ((*labels)[*karate.FindVertex(2)], kAnyLabel);
  const std::string bad = dir.Write("bad", "1 5\n2 x\n");
  EXPECT_EQ(LoadLabels(bad, karate).status().message(),
            bad + ":2: expected \"vertex label\", got \"2 x\"");
  const std::string unknown = dir.Write("unknown", "99 1\n");
  EXPECT_EQ(LoadLabels(unknown, karate).status().message(),
            unknown + ":1: vertex 99 is not in the graph");
}

TEST(Executor, RejectsGraphsWithSelfLoops) {
  graph::LoadOptions keep;
  keep.self_loops = graph::SelfLoopPolicy::kKeep;
  Result<graph::Graph> grqc = graph::LoadGraph(
      Env::Default(), std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/CA-GrQc.edges.txt", keep);
  ASSERT_TRUE(grqc.ok());
  Result<MiningGraph> mining = MiningGraph::Prepare(*grqc);
  ASSERT_FALSE(mining.ok());
  EXPECT_EQ(mining.status().message(),
            "pattern mining needs a graph without self-loops, got 12 (load with "
            "--self_loops=drop)");
}

// The MPI split in-process: every rank's CountPatternsPartial, combined,
// equals the whole-graph count, for the plan path and the motif formulas.
std::vector<PatternCount> CountSplit(const MiningGraph& mining,
                                     const std::vector<Pattern>& patterns, const CountOptions& base,
                                     int ranks) {
  std::vector<PartialCounts> parts;
  for (int rank = ranks - 1; rank >= 0; --rank) {  // any order
    CountOptions options = base;
    options.mine.rank = rank;
    options.mine.ranks = ranks;
    Result<PartialCounts> part = CountPatternsPartial(mining, patterns, options);
    EXPECT_TRUE(part.ok()) << part.status();
    if (part.ok()) parts.push_back(*part);
  }
  Result<std::vector<PatternCount>> counts = CombinePartialCounts(patterns, base, parts);
  EXPECT_TRUE(counts.ok()) << counts.status();
  return counts.ok() ? *counts : std::vector<PatternCount>{};
}

TEST(RankSplit, PartialCountsOfAllRanksSumToTheWholeCount) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  const MiningGraph grqc = Prepare(LoadBundled("CA-GrQc"));
  struct Case {
    const MiningGraph* graph;
    std::string spec;
    Induced induced;
  };
  const Case cases[] = {
      {&grqc, "triangle,4-clique,diamond,5-cycle", Induced::kVertex},
      {&grqc, "3-motifs", Induced::kVertex},
      {&grqc, "4-motifs", Induced::kVertex},
      {&karate, "5-motifs", Induced::kVertex},
      {&karate, "4-motifs", Induced::kEdge},
  };
  for (const Case& c : cases) {
    const std::vector<Pattern> patterns = testing::Patterns(c.spec);
    CountOptions options;
    options.induced = c.induced;
    options.mine.threads = 2;
    Result<std::vector<PatternCount>> whole = CountPatterns(*c.graph, patterns, options);
    ASSERT_TRUE(whole.ok()) << whole.status();
    for (int ranks : {2, 3, 7}) {
      const std::vector<PatternCount> split = CountSplit(*c.graph, patterns, options, ranks);
      ASSERT_EQ(split.size(), whole->size()) << c.spec;
      for (size_t p = 0; p < split.size(); ++p) {
        EXPECT_EQ(split[p].name, (*whole)[p].name);
        EXPECT_EQ(split[p].count, (*whole)[p].count)
            << c.spec << " " << split[p].name << " with " << ranks << " ranks";
      }
    }
  }
}

TEST(RankSplit, EveryRankGetsWorkAndTheHeavyVerticesAreDealtOut) {
  const MiningGraph grqc = Prepare(LoadBundled("CA-GrQc"));
  const std::vector<Pattern> patterns = testing::Patterns("triangle");
  uint64_t smallest = ~uint64_t{0}, largest = 0;
  for (int rank = 0; rank < 2; ++rank) {
    CountOptions options;
    options.mine.threads = 1;
    options.mine.rank = rank;
    options.mine.ranks = 2;
    Result<PartialCounts> part = CountPatternsPartial(grqc, patterns, options);
    ASSERT_TRUE(part.ok()) << part.status();
    smallest = std::min(smallest, part->words[1]);
    largest = std::max(largest, part->words[1]);
  }
  EXPECT_GT(smallest, 0u);
  // Round-robin over the degree order keeps the ranks within 2x of each other.
  EXPECT_LT(largest, 2 * smallest) << smallest << " vs " << largest;
}

TEST(RankSplit, RankOutOfRangeIsAnError) {
  const MiningGraph karate = Prepare(LoadBundled("Karate"));
  Result<Plan> plan = Compile(Named("triangle"), CompileOptions{});
  ASSERT_TRUE(plan.ok());
  MineOptions options;
  options.rank = 2;
  options.ranks = 2;
  EXPECT_EQ(CountPlan(karate, *plan, options).status().code(), StatusCode::kInvalidArgument);
}

TEST(Overflow, SummingRanksPastTwoToThe64IsReportedNotWrapped) {
  const std::vector<Pattern> patterns = testing::Patterns("triangle,wedge");
  const uint64_t max = ~uint64_t{0};
  CountOptions options;
  // Fits exactly: 2^64 - 2 + 1.
  Result<std::vector<PatternCount>> fits =
      CombinePartialCounts(patterns, options, {{{2, max - 1, 5}}, {{2, 1, 6}}});
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ((*fits)[0].count, max);
  EXPECT_EQ((*fits)[1].count, 11u);
  Result<std::vector<PatternCount>> over =
      CombinePartialCounts(patterns, options, {{{2, max - 1, 5}}, {{2, 2, 6}}});
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(over.status().message(),
            "count of pattern \"triangle\" exceeds 2^64 - 1 (64-bit counter overflow)");
  // Parts of another request are rejected.
  EXPECT_EQ(CombinePartialCounts(patterns, options, {{{1, 5}}}).status().code(),
            StatusCode::kInvalidArgument);
  uint64_t total = max;
  EXPECT_FALSE(CheckedAdd(1, &total, "x").ok());
  EXPECT_EQ(total, max);
  EXPECT_TRUE(CheckedAdd(0, &total, "x").ok());
}

TEST(Overflow, MotifFormulaResultPast64BitsIsReported) {
  // 3-motif statistics (pairs, triples, 3T, ...) as (low, high) words: a
  // wedge count of 2^64 (pairs = 2^64, no triangles) does not fit.
  std::vector<uint64_t> words(16, 0);
  words[1] = 1;  // pairs = 2^64
  Result<std::vector<PatternCount>> counts = CombineMotifStatistics(3, {words});
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(counts.status().message().find("wedge"), std::string::npos)
      << counts.status().message();
  // A statistic of 2^104 is refused before the formulas' arithmetic.
  words[1] = uint64_t{1} << 40;
  counts = CombineMotifStatistics(3, {words});
  ASSERT_FALSE(counts.ok());
  EXPECT_EQ(counts.status().message(), "motif statistics exceed 2^100 (overflow)");
  words[1] = 0;
  words[0] = 7;  // pairs = 7: 7 wedges
  counts = CombineMotifStatistics(3, {words, words});
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ((*counts)[0].count, 14u);
}

}  // namespace
}  // namespace syskit::mine
