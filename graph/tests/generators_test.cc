#include "syskit/graph/generators.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <unordered_map>
#include <vector>

#include "syskit/graph/builder.h"

namespace syskit::graph {
namespace {

EdgeList Rmat(int scale, uint64_t edge_factor, uint64_t seed, bool scramble, int threads,
              double a = 0.57, double b = 0.19, double c = 0.19) {
  RmatOptions options;
  options.scale = scale;
  options.edge_factor = edge_factor;
  options.seed = seed;
  options.scramble_ids = scramble;
  options.threads = threads;
  options.a = a;
  options.b = b;
  options.c = c;
  Result<EdgeList> edges = GenerateRmat(options);
  EXPECT_TRUE(edges.ok()) << edges.status();
  return std::move(edges).value();
}

EdgeList ErdosRenyi(uint64_t n, uint64_t m, uint64_t seed, int threads) {
  ErdosRenyiOptions options;
  options.num_vertices = n;
  options.num_edges = m;
  options.seed = seed;
  options.threads = threads;
  Result<EdgeList> edges = GenerateErdosRenyi(options);
  EXPECT_TRUE(edges.ok()) << edges.status();
  return std::move(edges).value();
}

// Scale 14, edge factor 16: 262144 records, four generator blocks.
TEST(Rmat, SameSeedGivesIdenticalEdgesForAnyThreadCount) {
  const EdgeList one = Rmat(14, 16, 42, true, 1);
  const EdgeList two = Rmat(14, 16, 42, true, 2);
  const EdgeList three = Rmat(14, 16, 42, true, 3);
  EXPECT_EQ(one.sources, two.sources);
  EXPECT_EQ(one.targets, two.targets);
  EXPECT_EQ(one.sources, three.sources);
  EXPECT_EQ(one.targets, three.targets);
}

TEST(Rmat, DifferentSeedsGiveDifferentEdges) {
  const EdgeList first = Rmat(12, 8, 1, true, 2);
  const EdgeList second = Rmat(12, 8, 2, true, 2);
  ASSERT_EQ(first.size(), second.size());
  uint64_t same = 0;
  for (size_t e = 0; e < first.size(); ++e) {
    same += first.sources[e] == second.sources[e] && first.targets[e] == second.targets[e];
  }
  // Even the hub-to-hub record is rare: far fewer than 1% of records agree.
  EXPECT_LT(same, first.size() / 100);
}

TEST(Rmat, HasEdgeFactorTimesTwoToTheScaleRecordsWithIdsInRange) {
  for (int scale : {1, 5, 13}) {
    for (uint64_t edge_factor : {1, 3, 16}) {
      const EdgeList edges = Rmat(scale, edge_factor, 7, true, 2);
      const uint64_t n = uint64_t{1} << scale;
      EXPECT_EQ(edges.size(), edge_factor * n);
      EXPECT_EQ(edges.targets.size(), edges.size());
      EXPECT_TRUE(edges.weights.empty());
      EXPECT_TRUE(edges.types.empty());
      EXPECT_LT(*std::max_element(edges.sources.begin(), edges.sources.end()), n);
      EXPECT_LT(*std::max_element(edges.targets.begin(), edges.targets.end()), n);
    }
  }
}

// Without scrambling, bit (scale-1-level) of the source and target is the
// quadrant chosen at that level: (0,0) w.p. a, (0,1) b, (1,0) c, (1,1) d. So
// P(source bit 0) = a + b and P(target bit 0) = a + c at every level.
// Asymmetric a, b, c, d keep the four cases apart. With 262144 records the
// standard error of each frequency is below 0.001; the tolerance is 0.005.
TEST(Rmat, QuadrantFrequenciesMatchProbabilitiesAtEveryLevel) {
  constexpr int kScale = 14;
  constexpr double kA = 0.45, kB = 0.25, kC = 0.18, kD = 1 - kA - kB - kC;
  const EdgeList edges = Rmat(kScale, 16, 3, /*scramble=*/false, 2, kA, kB, kC);
  const double records = static_cast<double>(edges.size());
  for (int bit = 0; bit < kScale; ++bit) {
    uint64_t quadrant[4] = {0, 0, 0, 0};
    uint64_t source_zero = 0;
    uint64_t target_zero = 0;
    for (size_t e = 0; e < edges.size(); ++e) {
      const uint64_t source_bit = (edges.sources[e] >> bit) & 1;
      const uint64_t target_bit = (edges.targets[e] >> bit) & 1;
      ++quadrant[2 * source_bit + target_bit];
      source_zero += source_bit == 0;
      target_zero += target_bit == 0;
    }
    SCOPED_TRACE(testing::Message() << "bit " << bit);
    EXPECT_NEAR(source_zero / records, kA + kB, 0.005);
    EXPECT_NEAR(target_zero / records, kA + kC, 0.005);
    EXPECT_NEAR(quadrant[0] / records, kA, 0.005);
    EXPECT_NEAR(quadrant[1] / records, kB, 0.005);
    EXPECT_NEAR(quadrant[2] / records, kC, 0.005);
    EXPECT_NEAR(quadrant[3] / records, kD, 0.005);
  }
}

// Levels are independent: the 256 joint outcomes of any four consecutive
// levels (within one 4-level draw, straddling two draws, or reaching into
// the last partial draw) follow the product distribution. Pearson's
// chi-square with 255 degrees of freedom has mean 255 and standard
// deviation 22.6; the bound 400 is more than six deviations out.
TEST(Rmat, FourConsecutiveLevelsFollowTheProductDistribution) {
  constexpr int kScale = 14;
  const double quadrant[4] = {0.45, 0.25, 0.18, 0.12};
  const EdgeList edges =
      Rmat(kScale, 16, 17, /*scramble=*/false, 2, quadrant[0], quadrant[1], quadrant[2]);
  for (int top_level : {0, 2, 5, 10}) {
    SCOPED_TRACE(testing::Message() << "levels " << top_level << ".." << top_level + 3);
    std::vector<double> observed(256, 0);
    for (size_t e = 0; e < edges.size(); ++e) {
      int outcome = 0;
      for (int level = top_level; level < top_level + 4; ++level) {
        const int bit = kScale - 1 - level;
        const int q =
            static_cast<int>(2 * ((edges.sources[e] >> bit) & 1) + ((edges.targets[e] >> bit) & 1));
        outcome = outcome * 4 + q;
      }
      ++observed[outcome];
    }
    double chi_square = 0;
    for (int outcome = 0; outcome < 256; ++outcome) {
      double p = 1;
      for (int level = 0; level < 4; ++level) p *= quadrant[(outcome >> (2 * level)) & 3];
      const double expected = p * edges.size();
      chi_square += (observed[outcome] - expected) * (observed[outcome] - expected) / expected;
    }
    EXPECT_LT(chi_square, 400);
  }
}

TEST(Rmat, ZeroProbabilityQuadrantsAreNeverChosen) {
  // d = 0: no level may set both the source and the target bit.
  const EdgeList no_d = Rmat(10, 8, 5, /*scramble=*/false, 2, 0.5, 0.25, 0.25);
  for (size_t e = 0; e < no_d.size(); ++e) {
    ASSERT_EQ(no_d.sources[e] & no_d.targets[e], 0u) << "record " << e;
  }
  // a = 1: every record is the self-loop 0 -> 0.
  const EdgeList only_a = Rmat(10, 2, 5, /*scramble=*/false, 2, 1.0, 0.0, 0.0);
  EXPECT_EQ(std::count(only_a.sources.begin(), only_a.sources.end(), 0u), 2048);
  EXPECT_EQ(std::count(only_a.targets.begin(), only_a.targets.end(), 0u), 2048);
}

TEST(Rmat, DegreeDistributionIsSkewed) {
  BuildOptions build;
  build.threads = 2;
  Result<Graph> graph = BuildGraph(Rmat(14, 16, 11, true, 2), build);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const double mean_degree = static_cast<double>(graph->num_arcs()) / graph->num_vertices();
  EXPECT_GT(graph->max_degree(), 10 * mean_degree)
      << "max " << graph->max_degree() << ", mean " << mean_degree;
}

// The quadrant draws do not depend on scramble_ids, so the scrambled records
// are the unscrambled ones with every id passed through one permutation.
TEST(Rmat, ScramblingRelabelsIdsThroughOneBijection) {
  const EdgeList plain = Rmat(14, 16, 9, /*scramble=*/false, 2);
  const EdgeList scrambled = Rmat(14, 16, 9, /*scramble=*/true, 2);
  ASSERT_EQ(plain.size(), scrambled.size());
  std::unordered_map<uint64_t, uint64_t> forward;
  std::unordered_map<uint64_t, uint64_t> backward;
  auto record = [&](uint64_t from, uint64_t to) {
    auto [f, f_new] = forward.emplace(from, to);
    auto [b, b_new] = backward.emplace(to, from);
    return f->second == to && b->second == from;
  };
  for (size_t e = 0; e < plain.size(); ++e) {
    ASSERT_TRUE(record(plain.sources[e], scrambled.sources[e])) << "record " << e;
    ASSERT_TRUE(record(plain.targets[e], scrambled.targets[e])) << "record " << e;
  }
  // The unscrambled hub is vertex 0 (quadrant a at every level); scrambling
  // moves it, and moves nearly every other id too.
  EXPECT_NE(forward.at(0), 0u);
  uint64_t fixed_points = 0;
  for (const auto& [from, to] : forward) fixed_points += from == to;
  EXPECT_LT(fixed_points, forward.size() / 100);
}

// With a = b = c = d = 1/4 every id appears (about 128 times per endpoint),
// so the observed mapping covers all of [0, 2^scale): a full permutation.
TEST(Rmat, ScramblingIsAPermutationOfAllIds) {
  for (int scale : {1, 2, 3, 7, 12}) {
    SCOPED_TRACE(testing::Message() << "scale " << scale);
    const uint64_t n = uint64_t{1} << scale;
    const EdgeList plain = Rmat(scale, 64, 21, false, 2, 0.25, 0.25, 0.25);
    const EdgeList scrambled = Rmat(scale, 64, 21, true, 2, 0.25, 0.25, 0.25);
    std::vector<int64_t> image(n, -1);
    for (size_t e = 0; e < plain.size(); ++e) {
      for (auto [from, to] : {std::pair{plain.sources[e], scrambled.sources[e]},
                              std::pair{plain.targets[e], scrambled.targets[e]}}) {
        ASSERT_TRUE(image[from] == -1 || image[from] == static_cast<int64_t>(to));
        image[from] = static_cast<int64_t>(to);
      }
    }
    std::vector<int64_t> sorted = image;
    std::sort(sorted.begin(), sorted.end());
    for (uint64_t v = 0; v < n; ++v) ASSERT_EQ(sorted[v], static_cast<int64_t>(v));
  }
}

TEST(Rmat, RejectsInvalidOptionsWithExactMessages) {
  auto error = [](RmatOptions options) { return GenerateRmat(options).status(); };
  RmatOptions options;
  options.scale = 40;
  EXPECT_EQ(error(options), InvalidArgumentError("rmat: scale must be in 1..31, got 40"));
  options.scale = 0;
  EXPECT_EQ(error(options), InvalidArgumentError("rmat: scale must be in 1..31, got 0"));
  options = RmatOptions();
  options.edge_factor = 0;
  EXPECT_EQ(error(options), InvalidArgumentError("rmat: edge_factor must be >= 1, got 0"));
  options = RmatOptions();
  options.scale = 31;
  options.edge_factor = uint64_t{1} << 33;
  EXPECT_EQ(error(options),
            InvalidArgumentError("rmat: edge_factor * 2^scale must fit in 64 bits, got "
                                 "edge_factor 8589934592 at scale 31"));
  options = RmatOptions();
  options.a = -0.1;
  EXPECT_EQ(error(options),
            InvalidArgumentError("rmat: probability a must be in [0, 1], got -0.1"));
  options = RmatOptions();
  options.b = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(error(options), InvalidArgumentError("rmat: probability b must be in [0, 1], got nan"));
  options = RmatOptions();
  options.a = 0.5;
  options.b = 0.25;
  options.c = 0.5;
  EXPECT_EQ(error(options), InvalidArgumentError("rmat: a + b + c must be <= 1, got 1.25"));
}

TEST(Rmat, AcceptsProbabilitiesSummingToOneUpToRounding) {
  RmatOptions options;
  options.scale = 4;
  options.a = 0.33;
  options.b = 0.56;
  options.c = 0.11;  // the sum rounds to 1.0000000000000002
  ASSERT_GT(options.a + options.b + options.c, 1.0);
  Result<EdgeList> edges = GenerateRmat(options);
  ASSERT_TRUE(edges.ok()) << edges.status();
  EXPECT_EQ(edges->size(), 16u * 16);
}

TEST(ErdosRenyi, SameSeedGivesIdenticalEdgesForAnyThreadCount) {
  const EdgeList one = ErdosRenyi(1000, 200000, 8, 1);
  const EdgeList two = ErdosRenyi(1000, 200000, 8, 2);
  EXPECT_EQ(one.sources, two.sources);
  EXPECT_EQ(one.targets, two.targets);
  const EdgeList other = ErdosRenyi(1000, 200000, 9, 2);
  EXPECT_NE(one.sources, other.sources);
}

TEST(ErdosRenyi, HasNoSelfLoopsAndIdsInRange) {
  const EdgeList edges = ErdosRenyi(3, 100000, 4, 2);
  ASSERT_EQ(edges.size(), 100000u);
  uint64_t pair_count[3][3] = {};
  for (size_t e = 0; e < edges.size(); ++e) {
    ASSERT_NE(edges.sources[e], edges.targets[e]);
    ASSERT_LT(edges.sources[e], 3u);
    ASSERT_LT(edges.targets[e], 3u);
    ++pair_count[edges.sources[e]][edges.targets[e]];
  }
  // Each of the 6 ordered pairs has probability 1/6 (standard error 0.0012).
  for (int u = 0; u < 3; ++u) {
    for (int v = 0; v < 3; ++v) {
      if (u == v) continue;
      EXPECT_NEAR(pair_count[u][v] / 100000.0, 1.0 / 6, 0.006) << u << " -> " << v;
    }
  }
}

// Endpoint counts per vertex are close to Poisson(2m/n): mean exactly 2m/n,
// variance about 2m/n. With n = 1000 the variance estimate has a standard
// error of about 4.5% (sqrt(2/n)); the tolerance is 20%.
TEST(ErdosRenyi, EndpointCountsHaveBinomialMeanAndVariance) {
  constexpr uint64_t kN = 1000, kM = 100000;
  const EdgeList edges = ErdosRenyi(kN, kM, 12, 2);
  std::vector<double> count(kN, 0);
  for (size_t e = 0; e < edges.size(); ++e) {
    ++count[edges.sources[e]];
    ++count[edges.targets[e]];
  }
  const double expected = 2.0 * kM / kN;
  double sum = 0, squares = 0;
  for (double c : count) sum += c;
  const double mean = sum / kN;
  for (double c : count) squares += (c - mean) * (c - mean);
  const double variance = squares / (kN - 1);
  EXPECT_DOUBLE_EQ(mean, expected);
  EXPECT_NEAR(variance, expected, 0.2 * expected);
}

// After merging repeats, each of the N = n(n-1)/2 possible edges is present
// with probability 1 - (1 - 1/N)^m, so the mean degree is 2 N (1 - (1-1/N)^m) / n.
TEST(ErdosRenyi, BuiltGraphHasExpectedMeanDegree) {
  constexpr uint64_t kN = 1000, kM = 100000;
  BuildOptions build;
  build.threads = 2;
  Result<Graph> graph = BuildGraph(ErdosRenyi(kN, kM, 13, 2), build);
  ASSERT_TRUE(graph.ok()) << graph.status();
  const double pairs = kN * (kN - 1) / 2.0;
  const double expected_edges = pairs * (1 - std::pow(1 - 1 / pairs, static_cast<double>(kM)));
  EXPECT_EQ(graph->num_self_loops(), 0u);
  EXPECT_EQ(graph->build_stats().self_loops, 0u);
  EXPECT_NEAR(static_cast<double>(graph->num_edges()), expected_edges, 0.01 * expected_edges);
  const double mean_degree = static_cast<double>(graph->num_arcs()) / graph->num_vertices();
  EXPECT_NEAR(mean_degree, 2 * expected_edges / kN, 0.01 * 2 * expected_edges / kN);
}

TEST(ErdosRenyi, ZeroEdgesGivesAnEmptyList) { EXPECT_EQ(ErdosRenyi(10, 0, 1, 2).size(), 0u); }

TEST(ErdosRenyi, RejectsFewerThanTwoVertices) {
  ErdosRenyiOptions options;
  options.num_vertices = 1;
  EXPECT_EQ(GenerateErdosRenyi(options).status(),
            InvalidArgumentError("erdos-renyi: num_vertices must be >= 2, got 1"));
  options.num_vertices = 0;
  EXPECT_EQ(GenerateErdosRenyi(options).status(),
            InvalidArgumentError("erdos-renyi: num_vertices must be >= 2, got 0"));
}

}  // namespace
}  // namespace syskit::graph
