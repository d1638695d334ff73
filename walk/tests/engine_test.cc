// WalkEngine execution: determinism across thread counts and batch sizes,
// dead ends, the stationary law of DeepWalk, the exact sampler's agreement
// and option validation.
#include "syskit/walk/engine.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "syskit/graph/builder.h"
#include "syskit/walk/apps.h"
#include "syskit/walk/exact_sampler.h"
#include "syskit/walk/synthetic.h"
#include "walk_test_util.h"

namespace syskit::walk {
namespace {

using testing::LoadKarate;

template <typename Spec>
std::vector<std::vector<VertexId>> Collect(const graph::Graph& g, const Spec& spec,
                                           WalkOptions options, WalkStats* stats = nullptr) {
  auto engine = WalkEngine<Spec>::Create(g, spec);
  SYSKIT_CHECK(engine.ok()) << engine.status();
  std::vector<std::vector<VertexId>> paths;
  CallbackSink sink([&](uint64_t id, std::span<const VertexId> path) {
    EXPECT_EQ(id, paths.size());  // walker order
    paths.emplace_back(path.begin(), path.end());
    return Status::OK();
  });
  auto result = engine->Run(options, &sink);
  SYSKIT_CHECK(result.ok()) << result.status();
  if (stats) *stats = *result;
  return paths;
}

TEST(WalkEngine, OutputIdenticalForOneAndTwoThreadsAndAnyBatchSize) {
  const graph::Graph g = WithSyntheticAttributes(LoadKarate(), {.weights = true});
  Node2vecSpec spec(g, {.p = 0.5, .q = 2});
  WalkOptions options{.walkers_per_vertex = 20, .max_steps = 30, .seed = 9, .threads = 1};
  const auto one = Collect(g, spec, options);
  options.threads = 2;
  options.chunk_walkers = 7;
  const auto two = Collect(g, spec, options);
  options.batch_walkers = 50;
  const auto batched = Collect(g, spec, options);
  EXPECT_EQ(one, two);
  EXPECT_EQ(one, batched);
  ASSERT_EQ(one.size(), 680u);
  for (const auto& path : one) EXPECT_EQ(path.size(), 31u);
  const auto deepwalk1 = Collect(g, DeepWalkSpec{}, {.walkers_per_vertex = 5, .threads = 1});
  const auto deepwalk2 = Collect(g, DeepWalkSpec{}, {.walkers_per_vertex = 5, .threads = 2});
  EXPECT_EQ(deepwalk1, deepwalk2);
  // Walker i starts at vertex i mod |V|.
  for (size_t i = 0; i < deepwalk1.size(); ++i) EXPECT_EQ(deepwalk1[i][0], i % 34);
}

TEST(WalkEngine, DifferentSeedsGiveDifferentWalks) {
  const graph::Graph g = LoadKarate();
  EXPECT_NE(Collect(g, DeepWalkSpec{}, {.seed = 1}), Collect(g, DeepWalkSpec{}, {.seed = 2}));
}

TEST(WalkEngine, DeadEndsEndWalks) {
  // Directed 0 -> 1 -> 2, 2 has no out-arc.
  graph::GraphArrays arrays;
  arrays.offsets = {0, 1, 2, 2};
  arrays.targets = {1, 2};
  arrays.original_ids = {0, 1, 2};
  const graph::Graph g = graph::Graph::FromArrays(std::move(arrays), true, {});
  WalkStats stats;
  const auto paths = Collect(g, DeepWalkSpec{}, {.walkers_per_vertex = 1, .max_steps = 10}, &stats);
  EXPECT_EQ(paths, (std::vector<std::vector<VertexId>>{{0, 1, 2}, {1, 2}, {2}}));
  EXPECT_EQ(stats.steps, 3u);
  const auto n2v = Collect(g, Node2vecSpec(g, {.p = 0.5, .q = 2}), {.max_steps = 10});
  EXPECT_EQ(n2v, paths);
}

// Visit frequency of every vertex over DeepWalk walks of 500 steps, 200 per
// vertex, after a burn-in of 20 steps per walk (3.3M visits on Karate).
std::vector<double> DeepWalkVisitFrequencies(const graph::Graph& g, uint64_t seed) {
  auto engine = WalkEngine<DeepWalkSpec>::Create(g, {});
  SYSKIT_CHECK(engine.ok()) << engine.status();
  std::vector<uint64_t> visits(g.num_vertices(), 0);
  uint64_t total = 0;
  constexpr size_t kBurnIn = 20;
  CallbackSink sink([&](uint64_t, std::span<const VertexId> path) {
    for (size_t i = kBurnIn; i < path.size(); ++i) ++visits[path[i]];
    total += path.size() - kBurnIn;
    return Status::OK();
  });
  auto stats = engine->Run({.walkers_per_vertex = 200, .max_steps = 500, .seed = seed}, &sink);
  SYSKIT_CHECK(stats.ok()) << stats.status();
  std::vector<double> frequency(g.num_vertices());
  for (VertexId v = 0; v < g.num_vertices(); ++v) frequency[v] = double(visits[v]) / total;
  return frequency;
}

TEST(WalkEngine, StationaryLawOfDeepWalkIsProportionalToDegree) {
  const graph::Graph g = LoadKarate();
  const std::vector<double> frequency = DeepWalkVisitFrequencies(g, 3);
  // 3.3M visits; tolerance 0.003 absolute is > 5 standard errors even with
  // the walks' autocorrelation.
  EXPECT_NEAR(frequency[*g.FindVertex(34)], 17.0 / 156, 0.003);
  EXPECT_NEAR(frequency[*g.FindVertex(1)], 16.0 / 156, 0.003);
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    EXPECT_NEAR(frequency[v], g.degree(v) / 156.0, 0.003) << v;
  }
}

template <typename Spec>
std::vector<std::vector<VertexId>> CollectExact(const graph::Graph& g, const Spec& spec,
                                                const WalkOptions& options) {
  ExactWalker<Spec> exact(g, spec);
  std::vector<std::vector<VertexId>> paths;
  CallbackSink sink([&](uint64_t, std::span<const VertexId> path) {
    paths.emplace_back(path.begin(), path.end());
    return Status::OK();
  });
  SYSKIT_CHECK(exact.Run(options, &sink).ok());
  return paths;
}

// Static walks run interleaved (16 walkers per thread in turn, with
// prefetching). On an unweighted graph both samplers draw Uniform(degree)
// from the walker's own stream, so the interleaved engine must reproduce
// the one-walker-at-a-time exact sampler path for path, including walkers
// that stop early (dead ends, PPR coins) and chunks that are not a
// multiple of the interleaving width.
TEST(WalkEngine, InterleavedStaticWalksMatchTheExactSamplerPathForPath) {
  const graph::Graph karate = LoadKarate();
  const WalkOptions options{
      .num_walkers = 1000, .max_steps = 40, .seed = 11, .threads = 2, .chunk_walkers = 37};
  EXPECT_EQ(Collect(karate, DeepWalkSpec{}, options),
            CollectExact(karate, DeepWalkSpec{}, options));
  WalkOptions ppr = options;
  ppr.max_steps = kUnlimitedSteps;
  EXPECT_EQ(Collect(karate, PprSpec(0.1), ppr), CollectExact(karate, PprSpec(0.1), ppr));

  // A directed graph with sinks: many walkers end at dead ends mid-group.
  graph::EdgeList edges;
  for (uint64_t v = 0; v < 200; ++v) {
    for (uint64_t k = 1; k <= v % 4; ++k) {
      edges.sources.push_back(v);
      edges.targets.push_back((v * 7 + k * 13) % 200);
    }
  }
  auto directed = graph::BuildGraph(std::move(edges), {.directed = true});
  ASSERT_TRUE(directed.ok());
  std::vector<std::vector<VertexId>> paths = Collect(*directed, DeepWalkSpec{}, options);
  EXPECT_EQ(paths, CollectExact(*directed, DeepWalkSpec{}, options));
  EXPECT_TRUE(std::any_of(paths.begin(), paths.end(),
                          [](const auto& path) { return path.size() > 1 && path.size() < 41; }));
}

// Weighted DeepWalk is a reversible chain whose stationary law is the
// weighted degree over twice the total weight.
TEST(WalkEngine, StationaryLawOfWeightedDeepWalkIsProportionalToWeightedDegree) {
  const graph::Graph g =
      WithSyntheticAttributes(LoadKarate(), {.weights = true, .num_types = 0, .seed = 9});
  std::vector<double> weighted_degree(g.num_vertices(), 0);
  double total_weight = 0;
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    for (float w : g.weights(v)) weighted_degree[v] += w;
    total_weight += weighted_degree[v];
  }
  const std::vector<double> frequency = DeepWalkVisitFrequencies(g, 4);
  // Same sample size and tolerance as the unweighted test above.
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    EXPECT_NEAR(frequency[v], weighted_degree[v] / total_weight, 0.003) << v;
  }
}

TEST(ExactWalker, AgreesWithTheEngineOnVisitFrequencies) {
  const graph::Graph g = WithSyntheticAttributes(LoadKarate(), {.weights = true});
  Node2vecSpec spec(g, {.p = 0.5, .q = 2});
  auto engine = WalkEngine<Node2vecSpec>::Create(g, spec);
  ExactWalker<Node2vecSpec> exact(g, spec);
  const WalkOptions options{.walkers_per_vertex = 100, .max_steps = 100, .seed = 5};
  std::vector<double> engine_freq(g.num_vertices()), exact_freq(g.num_vertices());
  auto counter = [](std::vector<double>* freq) {
    return CallbackSink([freq](uint64_t, std::span<const VertexId> path) {
      for (VertexId v : path) (*freq)[v] += 1.0 / (34 * 100 * 101);
      return Status::OK();
    });
  };
  CallbackSink a = counter(&engine_freq), b = counter(&exact_freq);
  auto engine_stats = engine->Run(options, &a);
  auto exact_stats = exact.Run(options, &b);
  ASSERT_TRUE(engine_stats.ok() && exact_stats.ok());
  EXPECT_EQ(engine_stats->steps, exact_stats->steps);
  // 343k visits each; frequencies <= 0.12 agree to 0.006 (> 5 sd).
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    EXPECT_NEAR(engine_freq[v], exact_freq[v], 0.006) << v;
  }
  EXPECT_GT(exact_stats->pd_evals_per_step(), 4.0);  // O(degree) per step
}

TEST(WalkEngine, RejectsBadOptionsAndWeights) {
  const graph::Graph g = LoadKarate();
  auto engine = WalkEngine<DeepWalkSpec>::Create(g, {});
  DiscardSink sink;
  EXPECT_EQ(engine->Run({.max_steps = 0}, &sink).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(engine->Run({.num_walkers = 0, .walkers_per_vertex = 0}, &sink).ok());
  graph::GraphArrays arrays;
  arrays.offsets = {0, 1, 2};
  arrays.targets = {1, 0};
  arrays.weights = {2.0f, 0.0f};
  arrays.original_ids = {5, 6};
  const graph::Graph bad = graph::Graph::FromArrays(std::move(arrays), true, {});
  auto rejected = WalkEngine<DeepWalkSpec>::Create(bad, {});
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().message(),
            "edge 6 -> 5 has weight 0, expected a positive finite weight");
  EXPECT_EQ(CheckPositiveWeights(bad).message(), rejected.status().message());
}

TEST(WalkEngine, DiscardSinkCountsStepsWithoutPaths) {
  const graph::Graph g = LoadKarate();
  auto engine = WalkEngine<DeepWalkSpec>::Create(g, {});
  DiscardSink sink;
  auto stats = engine->Run({.num_walkers = 1000, .max_steps = 80}, &sink);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->walks, 1000u);
  EXPECT_EQ(stats->steps, 80000u);
  EXPECT_DOUBLE_EQ(stats->trials_per_step(), 1.0);
  EXPECT_EQ(stats->sampler.pd_evals, 0u);
}

}  // namespace
}  // namespace syskit::walk
