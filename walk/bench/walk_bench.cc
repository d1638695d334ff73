// walk_bench: KnightKing engine throughput, side by side with the exact
// per-step sampler (ExactWalker: Ps*Pd over every out-arc each step, the
// paper's Gemini-style baseline) in the same process run.
//
//   walk_bench --benchmarks=deepwalk,ppr,node2vec,metapath
//              --datasets=facebook_combined,BlogCatalog3,rmat:20 --trials=5
//
// Workload (KnightKing's): --walkers_per_vertex=10 walkers per vertex,
// --length=80 steps (PPR: stop_prob 1/80, no cap), walk time only (graph
// load and alias-table build excluded), paths discarded (DiscardSink: the
// engine does not record them). node2vec runs twice: p=2,q=0.5 and
// p=0.5,q=2. metapath gets seeded edge types uniform over 5 and 10 seeded
// schemes of length 5; --weighted adds seeded weights in [1,5) to every
// graph. The baseline runs --baseline_walkers_per_vertex walkers per vertex
// (it is O(degree) per step) and the ratio is of steps/s.
//
// Under mpirun (`mpirun -n N walk_bench ...`) it runs the distributed BSP
// engine instead, one graph partition per rank, no baseline: rank 0 prints
// the lines with ranks=N, rounds, queries per step and migrations;
// --threads is the walk threads per rank. On one
// host these timings measure protocol overhead, not network scaling.
//
// --verify compares walk statistics of the engine and the exact sampler
// (fraction of steps that return to the previous vertex, mean walk length)
// within 6 standard errors.
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "syskit/core/bench.h"
#include "syskit/core/demo.h"
#include "syskit/core/flags.h"
#include "syskit/core/parallel.h"
#include "syskit/core/timer.h"
#include "syskit/graph/builder.h"
#include "syskit/graph/generators.h"
#include "syskit/graph/io.h"
#include "syskit/graph/partitioner.h"
#include "syskit/walk/apps.h"
#include "syskit/walk/distributed_engine.h"
#include "syskit/walk/engine.h"
#include "syskit/walk/exact_sampler.h"
#include "syskit/walk/mpi_transport.h"
#include "syskit/walk/synthetic.h"

namespace syskit::walk {
namespace {

constexpr const char* kTool = "walk_bench";

struct Config {
  std::vector<std::string> benchmarks = {"deepwalk", "ppr", "node2vec", "metapath"};
  std::vector<std::string> datasets = {"facebook_combined", "BlogCatalog3"};
  int trials = 5;
  int threads = 2;
  uint64_t seed = 1;
  uint32_t walkers_per_vertex = 10;
  uint32_t length = 80;
  bool baseline = true;
  uint32_t baseline_walkers_per_vertex = 1;
  int baseline_trials = 1;
  bool weighted = false;
  bool verify = false;
  std::string data_dir;
};

// Steps whose target is the vertex before the current one, and walk count.
class ReturnCounter final : public PathSink {
 public:
  Status Write(uint64_t, std::span<const VertexId> path) override {
    ++walks_;
    steps_ += path.size() - 1;
    for (size_t i = 2; i < path.size(); ++i) returns_ += path[i] == path[i - 2];
    return Status::OK();
  }
  double return_fraction() const { return double(returns_) / std::max<uint64_t>(1, steps_); }
  uint64_t steps() const { return steps_; }
  uint64_t walks() const { return walks_; }

 private:
  uint64_t walks_ = 0, steps_ = 0, returns_ = 0;
};

struct Line {
  std::string bench, dataset;
};

template <typename Spec>
Status RunOne(const Config& config, const Line& line, const graph::Graph& g, const Spec& spec) {
  SYSKIT_ASSIGN_OR_RETURN(auto engine, WalkEngine<Spec>::Create(g, spec, config.threads));
  WalkOptions options{.walkers_per_vertex = config.walkers_per_vertex,
                      .max_steps = config.length,
                      .seed = config.seed,
                      .threads = config.threads};
  if (line.bench == "ppr") options.max_steps = kUnlimitedSteps;
  DiscardSink discard;
  SYSKIT_RETURN_IF_ERROR(engine.Run(options, &discard).status());  // warm-up
  std::vector<double> rates, pd, seconds;
  WalkStats last;
  for (int trial = 1; trial <= config.trials; ++trial) {
    SYSKIT_ASSIGN_OR_RETURN(last, engine.Run(options, &discard));
    rates.push_back(last.steps_per_sec());
    seconds.push_back(last.seconds);
    std::printf(
        "bench=%s dataset=%s impl=knightking trial=%d seconds=%.4f steps=%lu steps_per_sec=%.4g "
        "ns_per_step_per_thread=%.2f trials_per_step=%.4f pd_evals_per_step=%.4f "
        "peak_rss_mb=%.1f\n",
        line.bench.c_str(), line.dataset.c_str(), trial, last.seconds,
        static_cast<unsigned long>(last.steps), last.steps_per_sec(),
        1e9 * last.seconds * config.threads / last.steps, last.trials_per_step(),
        last.pd_evals_per_step(), bench::PeakRssMb());
    std::fflush(stdout);
  }
  const double ours = bench::Median(rates);
  std::printf(
      "bench=%s dataset=%s impl=knightking stat=median trials=%d seconds=%.4f steps_per_sec=%.4g "
      "ns_per_step_per_thread=%.2f trials_per_step=%.4f pd_evals_per_step=%.4f peak_rss_mb=%.1f\n",
      line.bench.c_str(), line.dataset.c_str(), config.trials, bench::Median(seconds), ours,
      1e9 * config.threads / ours, last.trials_per_step(), last.pd_evals_per_step(),
      bench::PeakRssMb());
  std::fflush(stdout);
  ExactWalker<Spec> exact(g, spec);
  if (config.baseline) {
    WalkOptions base = options;
    base.walkers_per_vertex = config.baseline_walkers_per_vertex;
    std::vector<double> base_rates;
    for (int trial = 1; trial <= config.baseline_trials; ++trial) {
      SYSKIT_ASSIGN_OR_RETURN(WalkStats stats, exact.Run(base, &discard));
      base_rates.push_back(stats.steps_per_sec());
      std::printf(
          "bench=%s dataset=%s impl=exact_baseline trial=%d walkers_per_vertex=%u seconds=%.4f "
          "steps=%lu steps_per_sec=%.4g pd_evals_per_step=%.2f\n",
          line.bench.c_str(), line.dataset.c_str(), trial, base.walkers_per_vertex, stats.seconds,
          static_cast<unsigned long>(stats.steps), stats.steps_per_sec(),
          stats.pd_evals_per_step());
      std::fflush(stdout);
    }
    const double theirs = bench::Median(base_rates);
    std::printf(
        "bench=%s dataset=%s impl=exact_baseline stat=median steps_per_sec=%.4g "
        "speedup_knightking_vs_exact=%.2f\n",
        line.bench.c_str(), line.dataset.c_str(), theirs, ours / theirs);
    std::fflush(stdout);
  }
  if (config.verify) {
    WalkOptions check = options;
    check.walkers_per_vertex = config.baseline_walkers_per_vertex;
    ReturnCounter a, b;
    SYSKIT_RETURN_IF_ERROR(engine.Run(check, &a).status());
    SYSKIT_RETURN_IF_ERROR(exact.Run(check, &b).status());
    // Return fraction: binomial standard errors (steps are correlated only
    // within a walk; 6 SE leaves room for that).
    const double pa = a.return_fraction(), pb = b.return_fraction();
    const double se = std::sqrt(pa * (1 - pa) / std::max<uint64_t>(1, a.steps()) +
                                pb * (1 - pb) / std::max<uint64_t>(1, b.steps())) +
                      1e-12;
    const double la = double(a.steps()) / a.walks(), lb = double(b.steps()) / b.walks();
    // Mean length: exact for fixed-length walks; PPR's is geometric with
    // sd ~ mean, so SE = mean*sqrt(2/walks).
    const double lse = std::max(la, lb) * std::sqrt(2.0 / a.walks()) + 1e-9;
    const bool ok = std::abs(pa - pb) < 6 * se && std::abs(la - lb) < 6 * lse;
    std::printf(
        "bench=%s dataset=%s verify=%s return_fraction=%.5f exact_return_fraction=%.5f "
        "mean_length=%.3f exact_mean_length=%.3f\n",
        line.bench.c_str(), line.dataset.c_str(), ok ? "ok" : "FAIL", pa, pb, la, lb);
    std::fflush(stdout);
    if (!ok) return InternalError("verification failed for " + line.bench + " on " + line.dataset);
  }
  return Status::OK();
}

// Distributed mode: the same workload on this rank's partition.
template <typename Spec>
Status RunOneDistributed(const Config& config, const Line& line, const graph::Graph& local,
                         const graph::Partition& partition, const Spec& spec,
                         Transport* transport) {
  SYSKIT_ASSIGN_OR_RETURN(auto engine,
                          DistributedWalkEngine<Spec>::Create(local, partition, spec, transport));
  WalkOptions options{.walkers_per_vertex = config.walkers_per_vertex,
                      .max_steps = config.length,
                      .seed = config.seed,
                      .threads = config.threads};
  if (line.bench == "ppr") options.max_steps = kUnlimitedSteps;
  DiscardSink discard;
  SYSKIT_RETURN_IF_ERROR(engine.Run(options, &discard).status());  // warm-up
  std::vector<double> rates, seconds;
  DistributedWalkStats last;
  const bool root = transport->rank() == 0;
  for (int trial = 1; trial <= config.trials; ++trial) {
    SYSKIT_ASSIGN_OR_RETURN(last, engine.Run(options, &discard));
    rates.push_back(last.steps_per_sec());
    seconds.push_back(last.seconds);
    if (root) {
      std::printf(
          "bench=%s dataset=%s impl=knightking_bsp ranks=%d trial=%d seconds=%.4f steps=%lu "
          "steps_per_sec=%.4g rounds=%lu queries_per_step=%.4f migrations=%lu bytes=%lu "
          "peak_rss_mb=%.1f\n",
          line.bench.c_str(), line.dataset.c_str(), last.ranks, trial, last.seconds,
          static_cast<unsigned long>(last.steps), last.steps_per_sec(),
          static_cast<unsigned long>(last.rounds), last.queries_per_step(),
          static_cast<unsigned long>(last.migrations), static_cast<unsigned long>(last.bytes),
          bench::PeakRssMb());
      std::fflush(stdout);
    }
  }
  if (root) {
    std::printf(
        "bench=%s dataset=%s impl=knightking_bsp ranks=%d stat=median trials=%d seconds=%.4f "
        "steps_per_sec=%.4g trials_per_step=%.4f pd_evals_per_step=%.4f queries_per_step=%.4f "
        "rounds=%lu migrations=%lu\n",
        line.bench.c_str(), line.dataset.c_str(), last.ranks, config.trials, bench::Median(seconds),
        bench::Median(rates), last.trials_per_step(), last.pd_evals_per_step(),
        last.queries_per_step(), static_cast<unsigned long>(last.rounds),
        static_cast<unsigned long>(last.migrations));
    std::fflush(stdout);
  }
  return Status::OK();
}

Result<graph::Graph> LoadDataset(const Config& config, const std::string& spec) {
  if (spec.rfind("rmat:", 0) == 0) {
    graph::RmatOptions rmat;
    rmat.scale = std::stoi(spec.substr(5));
    rmat.seed = config.seed;
    rmat.threads = config.threads;
    SYSKIT_ASSIGN_OR_RETURN(graph::EdgeList edges, graph::GenerateRmat(rmat));
    graph::BuildOptions build;
    build.threads = config.threads;
    return graph::BuildGraph(std::move(edges), build);
  }
  graph::LoadOptions load;
  load.threads = config.threads;
  return graph::LoadGraph(Env::Default(), config.data_dir + "/graphs/" + spec + ".edges.txt", load);
}

Status RunDataset(const Config& config, const std::string& name) {
  Timer timer;
  SYSKIT_ASSIGN_OR_RETURN(graph::Graph plain, LoadDataset(config, name));
  graph::Graph g = config.weighted
                       ? WithSyntheticAttributes(plain, {.weights = true, .seed = config.seed})
                       : std::move(plain);
  std::printf("# dataset=%s vertices=%u edges=%lu max_degree=%u weighted=%s load_seconds=%.2f\n",
              name.c_str(), g.num_vertices(), static_cast<unsigned long>(g.num_edges()),
              g.max_degree(), g.weighted() ? "yes" : "no", timer.ElapsedSeconds());
  const std::string dataset = name;
  for (const std::string& bench : config.benchmarks) {
    if (bench == "deepwalk") {
      SYSKIT_RETURN_IF_ERROR(RunOne(config, {bench, dataset}, g, DeepWalkSpec{}));
    } else if (bench == "ppr") {
      SYSKIT_RETURN_IF_ERROR(RunOne(config, {bench, dataset}, g, PprSpec(1.0 / 80)));
    } else if (bench == "node2vec") {
      for (auto [p, q, label] :
           {std::tuple{2.0, 0.5, "node2vec_p2_q0.5"}, std::tuple{0.5, 2.0, "node2vec_p0.5_q2"}}) {
        SYSKIT_RETURN_IF_ERROR(
            RunOne(config, {label, dataset}, g, Node2vecSpec(g, {.p = p, .q = q})));
      }
    } else if (bench == "metapath") {
      const graph::Graph typed = WithSyntheticAttributes(
          g, {.weights = g.weighted(), .num_types = 5, .seed = config.seed});
      Random rng(config.seed, 77);
      std::vector<std::vector<graph::EdgeType>> schemes(10);
      for (auto& scheme : schemes) {
        for (int k = 0; k < 5; ++k) scheme.push_back(static_cast<graph::EdgeType>(rng.Uniform(5)));
      }
      SYSKIT_ASSIGN_OR_RETURN(MetaPathSpec spec, MetaPathSpec::Create(typed, schemes));
      SYSKIT_RETURN_IF_ERROR(RunOne(config, {bench, dataset}, typed, spec));
    } else {
      return InvalidArgumentError("unknown benchmark \"" + bench +
                                  "\", expected deepwalk, ppr, node2vec or metapath");
    }
  }
  return Status::OK();
}

// Distributed mode: every rank loads the dataset, keeps its partition.
Status RunDatasetDistributed(const Config& config, const std::string& name, Transport* transport) {
  SYSKIT_ASSIGN_OR_RETURN(graph::Graph plain, LoadDataset(config, name));
  graph::Graph whole = config.weighted
                           ? WithSyntheticAttributes(plain, {.weights = true, .seed = config.seed})
                           : std::move(plain);
  plain = graph::Graph();
  if (static_cast<uint64_t>(transport->size()) > whole.num_vertices()) {
    return InvalidArgumentError("more ranks than vertices");
  }
  SYSKIT_ASSIGN_OR_RETURN(graph::Partition partition,
                          graph::Partition::Balanced(whole, transport->size()));
  const int me = transport->rank();
  if (me == 0) {
    std::printf("# dataset=%s vertices=%u edges=%lu weighted=%s ranks=%d\n", name.c_str(),
                whole.num_vertices(), static_cast<unsigned long>(whole.num_edges()),
                whole.weighted() ? "yes" : "no", transport->size());
  }
  for (const std::string& bench : config.benchmarks) {
    if (bench == "deepwalk" || bench == "ppr" || bench == "node2vec") {
      const graph::Graph local = ExtractPartition(whole, partition.begin(me), partition.end(me));
      if (bench == "deepwalk") {
        SYSKIT_RETURN_IF_ERROR(
            RunOneDistributed(config, {bench, name}, local, partition, DeepWalkSpec{}, transport));
      } else if (bench == "ppr") {
        SYSKIT_RETURN_IF_ERROR(RunOneDistributed(config, {bench, name}, local, partition,
                                                 PprSpec(1.0 / 80), transport));
      } else {
        for (auto [p, q, label] :
             {std::tuple{2.0, 0.5, "node2vec_p2_q0.5"}, std::tuple{0.5, 2.0, "node2vec_p0.5_q2"}}) {
          SYSKIT_RETURN_IF_ERROR(RunOneDistributed(config, {label, name}, local, partition,
                                                   Node2vecSpec(local, {.p = p, .q = q}),
                                                   transport));
        }
      }
    } else if (bench == "metapath") {
      const graph::Graph typed = WithSyntheticAttributes(
          whole, {.weights = whole.weighted(), .num_types = 5, .seed = config.seed});
      const graph::Graph local = ExtractPartition(typed, partition.begin(me), partition.end(me));
      Random rng(config.seed, 77);
      std::vector<std::vector<graph::EdgeType>> schemes(10);
      for (auto& scheme : schemes) {
        for (int k = 0; k < 5; ++k) scheme.push_back(static_cast<graph::EdgeType>(rng.Uniform(5)));
      }
      SYSKIT_ASSIGN_OR_RETURN(MetaPathSpec spec, MetaPathSpec::Create(local, schemes, false));
      SYSKIT_RETURN_IF_ERROR(
          RunOneDistributed(config, {bench, name}, local, partition, spec, transport));
    } else {
      return InvalidArgumentError("unknown benchmark \"" + bench +
                                  "\", expected deepwalk, ppr, node2vec or metapath");
    }
  }
  return Status::OK();
}

}  // namespace
}  // namespace syskit::walk

int main(int argc, char** argv) {
  using namespace syskit;
  using namespace syskit::walk;
  Config config;
  auto app = flags::NewApp(kTool, "KnightKing random-walk engine vs the exact per-step sampler");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->add_option("--benchmarks", config.benchmarks, "deepwalk, ppr, node2vec, metapath")
      ->delimiter(',');
  app->add_option("--datasets", config.datasets, "bundled graph names or rmat:SCALE")
      ->delimiter(',');
  app->add_option("--trials", config.trials, "measured trials (median reported)")
      ->check(CLI::PositiveNumber);
  app->add_option("--threads", config.threads, "walk threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--seed", config.seed, "walk, generator and attribute seed");
  app->add_option("--walkers_per_vertex", config.walkers_per_vertex, "walkers per vertex")
      ->check(CLI::PositiveNumber);
  app->add_option("--length", config.length, "steps per walk (not ppr)")
      ->check(CLI::PositiveNumber);
  app->add_option("--baseline", config.baseline, "run the exact baseline");
  app->add_option("--baseline_walkers_per_vertex", config.baseline_walkers_per_vertex,
                  "walkers per vertex for the exact baseline and --verify")
      ->check(CLI::PositiveNumber);
  app->add_option("--baseline_trials", config.baseline_trials, "trials of the exact baseline")
      ->check(CLI::PositiveNumber);
  app->add_flag("--weighted", config.weighted, "seeded weights in [1,5) on every graph");
  app->add_flag("--verify", config.verify, "check engine statistics against the exact sampler");
  app->add_option("--data_dir", config.data_dir, "bundled data directory");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (Status status = FindDataDir(config.data_dir, &config.data_dir); !status.ok()) {
    return flags::ReportError(kTool, status);
  }
  if (config.threads == 0) config.threads = DefaultThreadCount();
  if (LaunchedUnderMpi()) {
    auto session = MpiSession::Start();
    if (!session.ok()) return flags::ReportError(kTool, session.status());
    Transport* transport = &(*session)->transport();
    if (transport->rank() == 0) {
      char details[256];
      std::snprintf(details, sizeof(details),
                    "mode=distributed ranks=%d threads_per_rank=%d seed=%lu trials=%d "
                    "walkers_per_vertex=%u length=%u weighted=%s output=discard "
                    "(one host: protocol overhead, not network scaling)",
                    transport->size(), config.threads, static_cast<unsigned long>(config.seed),
                    config.trials, config.walkers_per_vertex, config.length,
                    config.weighted ? "yes" : "no");
      bench::PrintHeader(kTool, details);
    }
    for (const std::string& dataset : config.datasets) {
      if (Status status = RunDatasetDistributed(config, dataset, transport); !status.ok()) {
        flags::ReportError(kTool, status);
        (*session)->Abort(flags::kExitRuntimeError);
      }
    }
    return flags::kExitOk;
  }
  char details[256];
  std::snprintf(details, sizeof(details),
                "threads=%d seed=%lu trials=%d walkers_per_vertex=%u length=%u "
                "ppr_stop_prob=0.0125 weighted=%s output=discard mode=single-process",
                config.threads, static_cast<unsigned long>(config.seed), config.trials,
                config.walkers_per_vertex, config.length, config.weighted ? "yes" : "no");
  bench::PrintHeader(kTool, details);
  for (const std::string& dataset : config.datasets) {
    if (Status status = RunDataset(config, dataset); !status.ok()) {
      return flags::ReportError(kTool, status);
    }
  }
  return flags::kExitOk;
}
