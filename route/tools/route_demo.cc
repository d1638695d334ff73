// The route component's part of `syskit demo`: the local-search solver
// against the GLPK LP on a seeded 30-edge x 15-DC instance (N = 1000), and
// the METIS bucket tree on ego-Facebook (edge cut at each level against a
// random assignment of the same bucket sizes).
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "syskit/core/demo.h"
#include "syskit/core/random.h"
#include "syskit/core/timer.h"
#include "syskit/route/bucket_tree.h"
#include "syskit/route/instances.h"
#include "syskit/route/solver.h"

namespace syskit::route::tools {

Status RouteDemo(const std::string& data_dir, std::vector<DemoRow>* rows) {
  {
    Timer timer;
    const State state = MakeRandomState({.edges = 30, .dcs = 15, .load_factor = 0.6, .seed = 2019});
    Policy policy;
    policy.onload_step = 0.3;
    SolveStats ls_stats, lp_stats;
    SYSKIT_ASSIGN_OR_RETURN(Fractions local, SolveLocalSearch(state, policy, &ls_stats));
    SYSKIT_ASSIGN_OR_RETURN(Fractions lp, SolveLp(state, policy, 0, &lp_stats));
    const double found = ScoreTable(state, local).max_utilization;
    const double optimum = ScoreTable(state, lp).max_utilization;
    const LoadModel model = ComputeLoadModel(state);
    double object = 0;
    for (const auto& edge : state.edges) {
      for (double slope : model.slope) object = std::max(object, slope * edge.load / 1000);
    }
    const bool ok = ValidateTable(state, policy, local).ok() && found >= optimum - 1e-7 &&
                    found <= optimum + object + 1e-9;
    rows->push_back({"route", "random 30x15",
                     fmt::format("local_search max_u={:.4f} lp max_u={:.4f} one_object={:.5f} "
                                 "ls_s={:.4f} lp_s={:.4f}",
                                 found, optimum, object, ls_stats.seconds, lp_stats.seconds),
                     ok ? "ok" : "FAIL", timer.ElapsedSeconds()});
  }
  {
    Timer timer;
    SYSKIT_ASSIGN_OR_RETURN(SocialGraph graph,
                            LoadEdgeList(data_dir + "/graphs/facebook_combined.edges.txt"));
    SYSKIT_ASSIGN_OR_RETURN(BucketTree tree, BuildBucketTree(graph, {.height = 8, .seed = 1}));
    std::vector<uint32_t> shuffled = tree.bucket;
    Random rng(7);
    for (size_t i = shuffled.size() - 1; i > 0; --i)
      std::swap(shuffled[i], shuffled[rng.Uniform(i + 1)]);
    const std::vector<double> random_cut = CutByLevel(graph, shuffled, 8);
    bool ok = true;
    for (int level = 1; level <= 8; ++level)
      ok = ok && tree.cut_by_level[level] < random_cut[level];
    rows->push_back({"route", "ego-Facebook",
                     fmt::format("bucket_tree H=8 users={} cut_l1={:.3f} (random {:.3f}) "
                                 "cut_l8={:.3f} (random {:.3f})",
                                 graph.num_users(), tree.cut_by_level[1], random_cut[1],
                                 tree.cut_by_level[8], random_cut[8]),
                     ok ? "ok" : "FAIL", timer.ElapsedSeconds()});
  }
  return Status::OK();
}

}  // namespace syskit::route::tools
