// The custom-walk example of walk/README.md, verbatim between the markers
// (keep the README copy identical), compiled and checked against the exact
// sampler.
#include <gtest/gtest.h>

#include "syskit/walk/exact_sampler.h"
#include "walk_test_util.h"

// README example begin
#include "syskit/walk/engine.h"
#include "syskit/walk/walk_spec.h"

// A "reluctant" walk: going straight back costs a factor 10 (Pd = 0.1 for
// the arc to the previous vertex, 1 otherwise), edge weights are Ps, and
// after each step the walk ends with probability 1/20.
struct ReluctantState {
  syskit::walk::VertexId prev = syskit::walk::kNoVertex;
};

struct ReluctantWalk : syskit::walk::WalkSpecBase<ReluctantState> {
  static constexpr bool kDynamic = true;
  using W = syskit::walk::Walker<ReluctantState>;

  double UpperBound(const W&) const { return 1.0; }  // Q >= every Pd
  double LowerBound(const W&) const { return 0.1; }  // L <= every Pd
  double Dynamic(const W& w, uint32_t /*arc*/, syskit::walk::VertexId x) const {
    return x == w.state.prev ? 0.1 : 1.0;
  }
  void OnMove(W& w, uint32_t /*arc*/, syskit::walk::VertexId /*next*/) const {
    w.state.prev = w.current;
  }
  bool Extend(const W& w, syskit::Random& rng) const {
    return w.step == 0 || !rng.Bernoulli(1.0 / 20);
  }
};

syskit::Status RunReluctantWalks(const syskit::graph::Graph& g) {
  SYSKIT_ASSIGN_OR_RETURN(auto engine, syskit::walk::WalkEngine<ReluctantWalk>::Create(g, {}));
  syskit::walk::CallbackSink sink(
      [&](uint64_t walker_id, std::span<const syskit::walk::VertexId> path) {
        // path[0] is walker_id mod |V|; consecutive vertices are neighbours.
        return syskit::Status::OK();
      });
  syskit::walk::WalkOptions options;
  options.walkers_per_vertex = 10;
  options.max_steps = 80;  // a cap: at most 81 vertices per path
  options.seed = 42;
  SYSKIT_ASSIGN_OR_RETURN(syskit::walk::WalkStats stats, engine.Run(options, &sink));
  std::printf("steps=%lu pd_evals_per_step=%.3f\n", static_cast<unsigned long>(stats.steps),
              stats.pd_evals_per_step());
  return syskit::Status::OK();
}
// README example end

namespace syskit::walk {
namespace {

TEST(CustomWalk, ReadmeExampleRuns) {
  const graph::Graph g = testing::LoadKarate();
  EXPECT_TRUE(RunReluctantWalks(g).ok());
}

TEST(CustomWalk, ReadmeExampleFollowsItsLaw) {
  const graph::Graph g = testing::LoadKarate();
  ReluctantWalk spec;
  auto engine = WalkEngine<ReluctantWalk>::Create(g, spec);
  ASSERT_TRUE(engine.ok());
  ExactWalker<ReluctantWalk> exact(g, spec);
  Walker<ReluctantState> w = engine->NewWalker(0, *g.FindVertex(34));
  w.state.prev = *g.FindVertex(33);
  w.step = 1;
  const auto law = exact.NextStepDistribution(w);
  SamplerCounters counters;
  constexpr uint64_t kDraws = 100000;
  const auto counts = testing::DrawNextArcs(*engine, w, law.size(), kDraws, 3, &counters);
  const auto chi = testing::PearsonChiSquare(counts, law, kDraws);
  EXPECT_LT(chi.statistic, testing::ChiSquareUpperQuantile(chi.df, 1e-3));
  // L = 0.1 accepts a tenth of the darts without evaluating Pd.
  EXPECT_NEAR(double(counters.pd_evals) / counters.trials, 0.9, 0.01);
}

}  // namespace
}  // namespace syskit::walk
