// The built-in walks against exact laws: node2vec's next-step law for every
// envelope variant (chi-square, Bonferroni-corrected), PPR's geometric
// length, meta-path scheme conformance and stopping.
#include "syskit/walk/apps.h"

#include <gtest/gtest.h>

#include <map>
#include <tuple>

#include "syskit/walk/exact_sampler.h"
#include "syskit/walk/synthetic.h"
#include "walk_test_util.h"

namespace syskit::walk {
namespace {

using testing::ChiSquareUpperQuantile;
using testing::DrawNextArcs;
using testing::LoadKarate;
using testing::PearsonChiSquare;

constexpr uint64_t kDraws = 100000;
// Family: 4 (p,q) x 2 weightings x 4 variants x 3 (t,v) = 96 tests.
constexpr int kNode2vecTests = 96;
constexpr double kFamilyAlpha = 0.01;  // Bonferroni: each test at 0.01 / 96

// node2vec's law written out independently of the Spec: w(x) = Ps(v,x) *
// (1/p if x == t, 1 if t~x, 1/q otherwise).
std::vector<double> Node2vecLaw(const graph::Graph& g, VertexId t, VertexId v, double p, double q) {
  std::vector<double> law;
  double total = 0;
  const auto nbrs = g.neighbors(v);
  for (size_t arc = 0; arc < nbrs.size(); ++arc) {
    const double ps = g.weighted() ? g.weights(v)[arc] : 1.0;
    const double pd = nbrs[arc] == t ? 1 / p : g.HasEdge(t, nbrs[arc]) ? 1.0 : 1 / q;
    law.push_back(ps * pd);
    total += ps * pd;
  }
  for (double& x : law) x /= total;
  return law;
}

TEST(Node2vec, NextStepLawMatchesExactForEveryVariant) {
  const graph::Graph unweighted = LoadKarate();
  const graph::Graph weighted =
      WithSyntheticAttributes(unweighted, {.weights = true, .num_types = 0, .seed = 5});
  const double threshold_alpha = kFamilyAlpha / kNode2vecTests;
  int tests = 0;
  for (auto [p, q] :
       {std::pair{2.0, 0.5}, std::pair{0.5, 2.0}, std::pair{1.0, 1.0}, std::pair{0.25, 4.0}}) {
    for (const graph::Graph* g : {&unweighted, &weighted}) {
      for (auto [lower, outlier] : {std::pair{false, false}, std::pair{true, false},
                                    std::pair{false, true}, std::pair{true, true}}) {
        Node2vecSpec spec(*g, {.p = p, .q = q, .use_lower_bound = lower, .use_outlier = outlier});
        auto engine = WalkEngine<Node2vecSpec>::Create(*g, spec);
        ASSERT_TRUE(engine.ok()) << engine.status();
        ExactWalker<Node2vecSpec> exact(*g, spec);
        for (auto [t_id, v_id] : {std::pair{2, 1}, std::pair{9, 34}, std::pair{34, 33}}) {
          const VertexId t = *g->FindVertex(t_id), v = *g->FindVertex(v_id);
          Walker<Node2vecState> w = engine->NewWalker(0, t);
          const uint32_t arc_tv = static_cast<uint32_t>(
              std::lower_bound(g->neighbors(t).begin(), g->neighbors(t).end(), v) -
              g->neighbors(t).begin());
          spec.OnMove(w, arc_tv, v);
          w.current = v;
          w.step = 1;
          const std::vector<double> law = Node2vecLaw(*g, t, v, p, q);
          // The exact sampler (the bench's verifier) must agree with the law.
          const std::vector<double> exact_law = exact.NextStepDistribution(w);
          ASSERT_EQ(exact_law.size(), law.size());
          for (size_t arc = 0; arc < law.size(); ++arc)
            EXPECT_NEAR(exact_law[arc], law[arc], 1e-12);
          SamplerCounters counters;
          const auto counts = DrawNextArcs(*engine, w, law.size(), kDraws, 1000 + tests, &counters);
          const auto chi = PearsonChiSquare(counts, law, kDraws);
          const double threshold = ChiSquareUpperQuantile(chi.df, threshold_alpha);
          EXPECT_LT(chi.statistic, threshold)
              << "p=" << p << " q=" << q << " weighted=" << g->weighted() << " lower=" << lower
              << " outlier=" << outlier << " t=" << t_id << " v=" << v_id;
          ++tests;
        }
      }
    }
  }
  EXPECT_EQ(tests, kNode2vecTests);
}

// Pd evaluations per step over a full walk set, by variant.
double PdEvalsPerStep(const graph::Graph& g, double p, double q, bool lower, bool outlier) {
  Node2vecSpec spec(g, {.p = p, .q = q, .use_lower_bound = lower, .use_outlier = outlier});
  auto engine = WalkEngine<Node2vecSpec>::Create(g, spec);
  SYSKIT_CHECK(engine.ok());
  DiscardSink sink;
  auto stats = engine->Run({.walkers_per_vertex = 50, .max_steps = 80, .seed = 3}, &sink);
  SYSKIT_CHECK(stats.ok());
  return stats->pd_evals_per_step();
}

TEST(Node2vec, CostOrderingOfEnvelopeVariants) {
  const graph::Graph g = LoadKarate();
  const double naive = PdEvalsPerStep(g, 0.5, 2, false, false);
  const double lower = PdEvalsPerStep(g, 0.5, 2, true, false);
  const double outlier = PdEvalsPerStep(g, 0.5, 2, false, true);
  const double both = PdEvalsPerStep(g, 0.5, 2, true, true);
  EXPECT_GT(naive, lower);
  EXPECT_GT(naive, outlier);
  EXPECT_LT(both, lower);
  EXPECT_LT(both, outlier);
  EXPECT_GT(PdEvalsPerStep(g, 2, 0.5, false, false), PdEvalsPerStep(g, 2, 0.5, true, false));
  EXPECT_EQ(PdEvalsPerStep(g, 1, 1, true, true), 0.0);
  EXPECT_EQ(PdEvalsPerStep(g, 1, 1, true, false), 0.0);
  EXPECT_GT(PdEvalsPerStep(g, 1, 1, false, false), 0.0);
}

TEST(Ppr, LengthIsGeometricWithMeanOneOverStopProb) {
  const graph::Graph g = LoadKarate();  // no dead ends
  constexpr double kStop = 1.0 / 80;
  auto engine = WalkEngine<PprSpec>::Create(g, PprSpec(kStop));
  ASSERT_TRUE(engine.ok());
  std::map<uint64_t, uint64_t> lengths;
  CallbackSink sink([&](uint64_t, std::span<const VertexId> path) {
    ++lengths[path.size() - 1];
    return Status::OK();
  });
  auto stats = engine->Run(
      {.walkers_per_vertex = 400, .max_steps = kUnlimitedSteps, .seed = 11, .threads = 2}, &sink);
  ASSERT_TRUE(stats.ok());
  const double walks = stats->walks;  // 13600
  const double mean = stats->steps / walks;
  // Geometric on {1,2,...}: mean 80, sd 79.5; the mean of 13600 walks has
  // sd 0.68, tolerance 3.0 is about 4.4 sd.
  EXPECT_NEAR(mean, 1 / kStop, 3.0);
  EXPECT_EQ(lengths.count(0), 0u);
  // P(length == 1) = stop_prob: 170 expected, sd 13; tolerance 60.
  EXPECT_NEAR(static_cast<double>(lengths[1]), walks * kStop, 60);
  // The cap bounds it.
  auto capped = engine->Run({.walkers_per_vertex = 10, .max_steps = 5, .seed = 11}, &sink);
  ASSERT_TRUE(capped.ok());
  EXPECT_LE(capped->steps, capped->walks * 5);
}

TEST(MetaPath, EveryStepMatchesTheSchemeAndStuckWalkersStop) {
  const graph::Graph g = WithSyntheticAttributes(LoadKarate(), {.weights = true, .num_types = 5});
  const std::vector<std::vector<graph::EdgeType>> schemes = {{0, 1, 2}, {3, 4}, {1}};
  auto spec = MetaPathSpec::Create(g, schemes);
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto engine = WalkEngine<MetaPathSpec>::Create(g, *spec);
  ASSERT_TRUE(engine.ok());
  uint64_t early = 0, checked_steps = 0;
  constexpr uint32_t kSteps = 20;
  CallbackSink sink([&](uint64_t id, std::span<const VertexId> path) {
    const auto& scheme = schemes[id % schemes.size()];
    for (size_t k = 0; k + 1 < path.size(); ++k) {
      const auto nbrs = g.neighbors(path[k]);
      const size_t arc = std::lower_bound(nbrs.begin(), nbrs.end(), path[k + 1]) - nbrs.begin();
      EXPECT_EQ(g.types(path[k])[arc], scheme[k % scheme.size()]) << "walker " << id;
      ++checked_steps;
    }
    if (path.size() < kSteps + 1) {
      ++early;
      const size_t k = path.size() - 1;
      const auto types = g.types(path.back());
      EXPECT_EQ(std::count(types.begin(), types.end(), scheme[k % scheme.size()]), 0)
          << "walker " << id << " stopped although an arc of the needed type exists";
    }
    return Status::OK();
  });
  auto stats = engine->Run({.walkers_per_vertex = 30, .max_steps = kSteps, .seed = 4}, &sink);
  ASSERT_TRUE(stats.ok());
  EXPECT_GT(checked_steps, 1000u);
  EXPECT_GT(early, 0u);
}

TEST(MetaPath, SamplingAmongMatchingArcsFollowsPs) {
  const graph::Graph g = WithSyntheticAttributes(LoadKarate(), {.weights = true, .num_types = 2});
  auto spec = MetaPathSpec::Create(g, {{0, 1}});
  ASSERT_TRUE(spec.ok());
  auto engine = WalkEngine<MetaPathSpec>::Create(g, *spec);
  ExactWalker<MetaPathSpec> exact(g, *spec);
  const VertexId v = *g.FindVertex(34);
  Walker<MetaPathState> w = engine->NewWalker(0, v);
  const auto law = exact.NextStepDistribution(w);
  ASSERT_FALSE(law.empty());
  SamplerCounters counters;
  const auto counts = DrawNextArcs(*engine, w, law.size(), kDraws, 8, &counters);
  const auto chi = PearsonChiSquare(counts, law, kDraws);
  EXPECT_FALSE(chi.impossible_hit);
  EXPECT_LT(chi.statistic, ChiSquareUpperQuantile(chi.df, 1e-3));
}

TEST(MetaPath, WalkersContinueWhileEveryStepHasItsType) {
  // 0 -1- 1 -1- 2 (every arc type 1): type 0 is absent, type 1 always matches.
  graph::GraphArrays arrays;
  arrays.offsets = {0, 1, 3, 4};
  arrays.targets = {1, 0, 2, 1};
  arrays.types = {1, 1, 1, 1};
  arrays.original_ids = {10, 11, 12};
  const graph::Graph g = graph::Graph::FromArrays(std::move(arrays), false, {});
  EXPECT_FALSE(MetaPathSpec::Create(g, {{0}}).ok());
  auto spec = MetaPathSpec::Create(g, {{1, 1}, {1}});
  ASSERT_TRUE(spec.ok());
  auto engine = WalkEngine<MetaPathSpec>::Create(g, *spec);
  DiscardSink sink;
  auto stats = engine->Run({.walkers_per_vertex = 2, .max_steps = 10}, &sink);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->steps, 60u);  // every walker can always continue
}

TEST(MetaPath, RejectsAbsentTypeUntypedGraphAndEmptyScheme) {
  const graph::Graph typed =
      WithSyntheticAttributes(LoadKarate(), {.weights = false, .num_types = 3});
  auto absent = MetaPathSpec::Create(typed, {{0, 1}, {2, 7}});
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().message(),
            "scheme 2 names edge type 7, which no edge of the graph has");
  EXPECT_FALSE(MetaPathSpec::Create(LoadKarate(), {{0}}).ok());
  EXPECT_FALSE(MetaPathSpec::Create(typed, {{}}).ok());
  EXPECT_FALSE(MetaPathSpec::Create(typed, {}).ok());
}

TEST(MetaPath, StopsWhenTheNeededTypeIsMissing) {
  // Path 0 -a- 1 -b- 2 with types a=0, b=1; scheme {0, 0}: from 0 the walker
  // takes 0->1 (type 0); at 1 it needs type 0 again, and 1->0 has it.
  // Scheme {1}: vertex 0 has no type-1 arc, so walker 0 stops at once.
  graph::GraphArrays arrays;
  arrays.offsets = {0, 1, 3, 4};
  arrays.targets = {1, 0, 2, 1};
  arrays.types = {0, 0, 1, 1};
  arrays.original_ids = {0, 1, 2};
  const graph::Graph g = graph::Graph::FromArrays(std::move(arrays), false, {});
  auto spec = MetaPathSpec::Create(g, {{1}});
  ASSERT_TRUE(spec.ok());
  auto engine = WalkEngine<MetaPathSpec>::Create(g, *spec);
  std::vector<size_t> sizes;
  CallbackSink sink([&](uint64_t, std::span<const VertexId> path) {
    sizes.push_back(path.size());
    return Status::OK();
  });
  ASSERT_TRUE(engine->Run({.walkers_per_vertex = 1, .max_steps = 4}, &sink).ok());
  // Walker 0 at vertex 0: no type-1 arc, path [0]. Walkers 1, 2 bounce on
  // the type-1 edge 1-2 for all 4 steps.
  EXPECT_EQ(sizes, (std::vector<size_t>{1, 5, 5}));
}

}  // namespace
}  // namespace syskit::walk
