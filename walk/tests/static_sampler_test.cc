// Alias tables: draws follow Ps exactly (chi-square), uniform graphs need no
// table, and bad weights are rejected with the arc named.
#include "syskit/walk/static_sampler.h"

#include <gtest/gtest.h>

#include "walk_test_util.h"

namespace syskit::walk {
namespace {

using testing::ChiSquareUpperQuantile;
using testing::PearsonChiSquare;

graph::Graph Star(std::vector<float> weights) {
  graph::GraphArrays arrays;
  const auto n = static_cast<uint32_t>(weights.size());
  arrays.offsets.push_back(0);
  arrays.offsets.push_back(n);
  for (uint32_t leaf = 1; leaf <= n; ++leaf) {
    arrays.targets.push_back(leaf);
    arrays.offsets.push_back(n);
  }
  arrays.weights = std::move(weights);
  for (uint32_t v = 0; v <= n; ++v) arrays.original_ids.push_back(v);
  return graph::Graph::FromArrays(std::move(arrays), true, {});
}

TEST(StaticSampler, AliasDrawsFollowSkewedWeights) {
  const graph::Graph g = Star({1, 100, 3.5, 0.01, 7, 7, 42, 1e-3f});
  auto sampler = StaticSampler::Build(
      g, false, [&](graph::VertexId v, uint32_t arc) -> double { return g.weights(v)[arc]; });
  ASSERT_TRUE(sampler.ok());
  std::vector<double> law;
  double total = 0;
  for (float w : g.weights(0)) total += w;
  for (float w : g.weights(0)) law.push_back(w / total);
  EXPECT_NEAR(sampler->TotalWeight(0), total, 1e-9);
  EXPECT_FLOAT_EQ(sampler->MaxWeight(0), 100);
  constexpr uint64_t kDraws = 400000;
  std::vector<uint64_t> counts(law.size());
  Random rng(1);
  for (uint64_t i = 0; i < kDraws; ++i) ++counts[sampler->Sample(0, 8, rng)];
  const auto chi = PearsonChiSquare(counts, law, kDraws);
  EXPECT_LT(chi.statistic, ChiSquareUpperQuantile(chi.df, 1e-4));
}

TEST(StaticSampler, UniformNeedsNoTable) {
  const graph::Graph g = Star({1, 1, 1, 1, 1});
  auto sampler = StaticSampler::Build(g, true, [](graph::VertexId, uint32_t) { return 1.0; });
  ASSERT_TRUE(sampler.ok());
  EXPECT_TRUE(sampler->uniform());
  EXPECT_EQ(sampler->TotalWeight(0), 5);
  EXPECT_EQ(sampler->TotalWeight(1), 0);
  constexpr uint64_t kDraws = 100000;
  std::vector<uint64_t> counts(5);
  Random rng(2);
  for (uint64_t i = 0; i < kDraws; ++i) ++counts[sampler->Sample(0, 5, rng)];
  const auto chi = PearsonChiSquare(counts, std::vector<double>(5, 0.2), kDraws);
  EXPECT_LT(chi.statistic, ChiSquareUpperQuantile(chi.df, 1e-4));
}

TEST(StaticSampler, RejectsNonPositiveAndNonFiniteWeights) {
  for (float bad : {0.0f, -2.0f, std::numeric_limits<float>::infinity()}) {
    const graph::Graph g = Star({1, bad});
    auto sampler = StaticSampler::Build(
        g, false, [&](graph::VertexId v, uint32_t arc) -> double { return g.weights(v)[arc]; });
    ASSERT_FALSE(sampler.ok());
    EXPECT_EQ(sampler.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(sampler.status().message().find("edge 0 -> 2 has weight"), std::string::npos)
        << sampler.status();
    EXPECT_FALSE(CheckPositiveWeights(g).ok());
  }
}

}  // namespace
}  // namespace syskit::walk
