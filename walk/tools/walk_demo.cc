// The walk component's part of `syskit demo`: DeepWalk and node2vec (p=2,
// q=0.5) on Karate and BlogCatalog3 with a fixed seed. Checks: on Karate,
// DeepWalk's stationary visit frequency of vertex 34 against 17/156 and
// node2vec's next-step law at one (t, v) against the exact sampler
// (chi-square); on BlogCatalog3, that every recorded step is an edge of the
// graph and every walk has the requested length.
#include <cmath>
#include <string>
#include <vector>

#include "syskit/core/demo.h"
#include "syskit/core/timer.h"
#include "syskit/graph/io.h"
#include "syskit/walk/apps.h"
#include "syskit/walk/engine.h"
#include "syskit/walk/exact_sampler.h"

namespace syskit::walk::tools {
namespace {

constexpr uint64_t kSeed = 2019;

std::string Rate(const WalkStats& stats) {
  char text[160];
  std::snprintf(text, sizeof(text), "walks=%lu steps=%lu steps_per_sec=%.3g pd_evals_per_step=%.3f",
                static_cast<unsigned long>(stats.walks), static_cast<unsigned long>(stats.steps),
                stats.steps_per_sec(), stats.pd_evals_per_step());
  return text;
}

// Every consecutive pair is an arc and every walk has max_steps + 1 vertices
// (the demo graphs have no dead ends).
class ValidatingSink final : public PathSink {
 public:
  ValidatingSink(const graph::Graph& g, uint32_t steps) : graph_(g), steps_(steps) {}
  Status Write(uint64_t, std::span<const VertexId> path) override {
    if (path.size() != steps_ + 1) ok_ = false;
    for (size_t i = 1; i < path.size(); ++i) ok_ = ok_ && graph_.HasEdge(path[i - 1], path[i]);
    return Status::OK();
  }
  bool ok() const { return ok_; }

 private:
  const graph::Graph& graph_;
  uint32_t steps_;
  bool ok_ = true;
};

}  // namespace

Status WalkDemo(const std::string& data_dir, std::vector<DemoRow>* rows) {
  Env* env = Env::Default();
  SYSKIT_ASSIGN_OR_RETURN(graph::Graph karate,
                          graph::LoadGraph(env, data_dir + "/graphs/Karate.edges.txt", {}));
  {
    // Stationary law: visits after a burn-in of 20 steps, 200 walkers per
    // vertex of 500 steps; |freq - 17/156| < 0.003 (about 6 standard errors).
    Timer timer;
    const auto v34 = *karate.FindVertex(34);
    uint64_t visits = 0, total = 0;
    CallbackSink sink([&](uint64_t, std::span<const VertexId> path) {
      for (size_t i = 20; i < path.size(); ++i) visits += path[i] == v34;
      total += path.size() > 20 ? path.size() - 20 : 0;
      return Status::OK();
    });
    SYSKIT_ASSIGN_OR_RETURN(auto engine, WalkEngine<DeepWalkSpec>::Create(karate, {}));
    WalkOptions options{.walkers_per_vertex = 200, .max_steps = 500, .seed = kSeed, .threads = 2};
    SYSKIT_ASSIGN_OR_RETURN(WalkStats stats, engine.Run(options, &sink));
    const double freq = double(visits) / total;
    const bool ok = std::abs(freq - 17.0 / 156) < 0.003;
    char text[96];
    std::snprintf(text, sizeof(text), " deepwalk visit_freq_34=%.4f expected=%.4f", freq,
                  17.0 / 156);
    rows->push_back(
        {"walk", "Karate", Rate(stats) + text, ok ? "ok" : "FAIL", timer.ElapsedSeconds()});
  }
  {
    // node2vec next-step law at (t, v) = (1, 34 -> 33's side): chi-square of
    // 200000 draws against the exact law; threshold chi2(df, 1 - 1e-4).
    Timer timer;
    Node2vecSpec spec(karate, {.p = 2, .q = 0.5});
    SYSKIT_ASSIGN_OR_RETURN(auto engine, WalkEngine<Node2vecSpec>::Create(karate, spec));
    ExactWalker<Node2vecSpec> exact(karate, spec);
    Walker<Node2vecState> w = engine.NewWalker(0, *karate.FindVertex(34));
    w.step = 1;
    w.state.prev = *karate.FindVertex(9);
    const std::vector<double> law = exact.NextStepDistribution(w);
    std::vector<uint64_t> counts(law.size(), 0);
    Random rng(kSeed, 7);
    SamplerCounters counters;
    constexpr int kDraws = 200000;
    for (int draw = 0; draw < kDraws; ++draw) ++counts[engine.SampleNext(w, rng, &counters)];
    double chi2 = 0;
    for (size_t arc = 0; arc < law.size(); ++arc) {
      const double expected = law[arc] * kDraws;
      chi2 += (counts[arc] - expected) * (counts[arc] - expected) / expected;
    }
    const double df = law.size() - 1;
    // Wilson-Hilferty quantile at z = 3.72 (1 - 1e-4).
    const double a = 2.0 / (9 * df);
    const double threshold = df * std::pow(1 - a + 3.72 * std::sqrt(a), 3);
    WalkOptions options{.walkers_per_vertex = 100, .max_steps = 80, .seed = kSeed, .threads = 2};
    DiscardSink discard;
    SYSKIT_ASSIGN_OR_RETURN(WalkStats stats, engine.Run(options, &discard));
    char text[96];
    std::snprintf(text, sizeof(text), " node2vec(2,0.5) chi2=%.1f threshold=%.1f", chi2, threshold);
    rows->push_back({"walk", "Karate", Rate(stats) + text, chi2 < threshold ? "ok" : "FAIL",
                     timer.ElapsedSeconds()});
  }
  SYSKIT_ASSIGN_OR_RETURN(graph::Graph blog,
                          graph::LoadGraph(env, data_dir + "/graphs/BlogCatalog3.edges.txt", {}));
  WalkOptions options{.walkers_per_vertex = 10, .max_steps = 80, .seed = kSeed, .threads = 2};
  {
    Timer timer;
    SYSKIT_ASSIGN_OR_RETURN(auto engine, WalkEngine<DeepWalkSpec>::Create(blog, {}));
    ValidatingSink sink(blog, options.max_steps);
    SYSKIT_ASSIGN_OR_RETURN(WalkStats stats, engine.Run(options, &sink));
    rows->push_back({"walk", "BlogCatalog3", Rate(stats) + " deepwalk paths_valid",
                     sink.ok() ? "ok" : "FAIL", timer.ElapsedSeconds()});
  }
  {
    Timer timer;
    Node2vecSpec spec(blog, {.p = 2, .q = 0.5});
    SYSKIT_ASSIGN_OR_RETURN(auto engine, WalkEngine<Node2vecSpec>::Create(blog, spec));
    ValidatingSink sink(blog, options.max_steps);
    SYSKIT_ASSIGN_OR_RETURN(WalkStats stats, engine.Run(options, &sink));
    rows->push_back({"walk", "BlogCatalog3", Rate(stats) + " node2vec(2,0.5) paths_valid",
                     sink.ok() ? "ok" : "FAIL", timer.ElapsedSeconds()});
  }
  return Status::OK();
}

}  // namespace syskit::walk::tools
