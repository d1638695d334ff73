// `syskit walk deepwalk|ppr|node2vec|metapath`: runs a KnightKing walk set
// on a graph file and streams the paths to a file (or discards them).
// Launched by mpirun (OMPI_COMM_WORLD_SIZE set), it runs the distributed
// BSP engine (distributed_engine.h) over MPI, one graph partition per rank;
// every rank parses the same flags and loads the same file, so usage and
// input errors are the same everywhere and only rank 0 reports them. For a
// fixed seed the paths equal the single-process run's, byte for byte.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "syskit/core/flags.h"
#include "syskit/core/timer.h"
#include "syskit/graph/io.h"
#include "syskit/graph/load_flags.h"
#include "syskit/graph/partitioner.h"
#include "syskit/walk/apps.h"
#include "syskit/walk/distributed_engine.h"
#include "syskit/walk/engine.h"
#include "syskit/walk/mpi_transport.h"
#include "syskit/walk/path_sink.h"

namespace syskit::walk::tools {
namespace {

constexpr const char* kTool = "syskit walk";

// Parses a strictly positive finite number; the message names the flag.
bool ParsePositive(const std::string& flag, const std::string& text, double* value,
                   std::string* error) {
  char* end = nullptr;
  const double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(parsed) || parsed <= 0) {
    *error = flag + " must be a positive number, got \"" + text + "\"";
    return false;
  }
  *value = parsed;
  return true;
}

struct RunConfig {
  WalkOptions options;
  std::string output = "none";
  PathFormat format = PathFormat::kText;
  double load_seconds = 0;
  bool quiet = false;
  std::string graph_path;
};

template <typename Spec>
int RunWalk(const graph::Graph& g, const Spec& spec, const RunConfig& config) {
  auto engine = WalkEngine<Spec>::Create(g, spec, config.options.threads);
  if (!engine.ok()) return flags::ReportUsageError(kTool, engine.status().message());
  std::unique_ptr<PathSink> sink;
  if (config.output == "none") {
    sink = std::make_unique<DiscardSink>();
  } else {
    auto writer = OpenPathWriter(Env::Default(), g, config.output, config.format);
    if (!writer.ok()) return flags::ReportError(kTool, writer.status());
    sink = std::move(writer).value();
  }
  if (!config.quiet) {
    std::fprintf(stderr, "graph %s: vertices=%u edges=%lu weighted=%s typed=%s\n",
                 config.graph_path.c_str(), g.num_vertices(),
                 static_cast<unsigned long>(g.num_edges()), g.weighted() ? "true" : "false",
                 g.typed() ? "true" : "false");
  }
  Result<WalkStats> stats = engine->Run(config.options, sink.get());
  if (!stats.ok()) return flags::ReportError(kTool, stats.status());
  std::fprintf(stderr, "walks=%lu steps=%lu seconds=%.4f steps_per_sec=%.4g\n",
               static_cast<unsigned long>(stats->walks), static_cast<unsigned long>(stats->steps),
               stats->seconds, stats->steps_per_sec());
  std::fprintf(stderr,
               "load_seconds=%.4f init_seconds=%.4f trials_per_step=%.4f pd_evals_per_step=%.4f "
               "seed=%lu threads=%d\n",
               config.load_seconds, stats->init_seconds, stats->trials_per_step(),
               stats->pd_evals_per_step(), static_cast<unsigned long>(config.options.seed),
               config.options.threads <= 0 ? DefaultThreadCount() : config.options.threads);
  return flags::kExitOk;
}

// The distributed run on this rank. `g` is the whole graph (freed after the
// partition is cut); `make_spec(graph)` builds the walk on a graph.
struct DistributedRun {
  RunConfig config;
  Transport* transport = nullptr;
  bool root() const { return transport->rank() == 0; }
  // Reports on rank 0 only; every rank returns the code.
  int UsageError(const std::string& message) const {
    return root() ? flags::ReportUsageError(kTool, message) : flags::kExitUsageError;
  }
  int Error(const Status& status) const {
    return root() ? flags::ReportError(kTool, status) : flags::kExitRuntimeError;
  }
};

template <typename Spec>
int RunDistributedWalk(const graph::Graph& local, const graph::Partition& partition,
                       const Spec& spec, const DistributedRun& run) {
  const RunConfig& config = run.config;
  auto engine = DistributedWalkEngine<Spec>::Create(local, partition, spec, run.transport);
  if (!engine.ok()) return run.UsageError(engine.status().message());
  // Rank 0 opens the writer; every rank learns whether that worked.
  std::unique_ptr<PathSink> sink;
  Status open_status;
  if (run.root()) {
    if (config.output == "none") {
      sink = std::make_unique<DiscardSink>();
    } else {
      auto writer = OpenPathWriter(Env::Default(), local, config.output, config.format);
      if (writer.ok()) {
        sink = std::move(writer).value();
      } else {
        open_status = writer.status();
      }
    }
  }
  Result<uint64_t> open_failed = run.transport->AllReduceSum(!open_status.ok());
  if (!open_failed.ok()) return flags::ReportError(kTool, open_failed.status());
  if (*open_failed) return run.Error(open_status);
  Result<DistributedWalkStats> stats = engine->Run(config.options, sink.get());
  if (!stats.ok()) return flags::ReportError(kTool, stats.status());  // every rank: it may differ
  if (run.root()) {
    std::fprintf(stderr,
                 "walks=%lu steps=%lu seconds=%.4f steps_per_sec=%.4g ranks=%d rounds=%lu\n",
                 static_cast<unsigned long>(stats->walks), static_cast<unsigned long>(stats->steps),
                 stats->seconds, stats->steps_per_sec(), stats->ranks,
                 static_cast<unsigned long>(stats->rounds));
    std::fprintf(
        stderr,
        "load_seconds=%.4f init_seconds=%.4f trials_per_step=%.4f "
        "pd_evals_per_step=%.4f queries_per_step=%.4f migrations=%lu messages=%lu "
        "bytes=%lu seed=%lu threads=%d\n",
        config.load_seconds, stats->init_seconds, stats->trials_per_step(),
        stats->pd_evals_per_step(), stats->queries_per_step(),
        static_cast<unsigned long>(stats->migrations), static_cast<unsigned long>(stats->messages),
        static_cast<unsigned long>(stats->bytes), static_cast<unsigned long>(config.options.seed),
        config.options.threads <= 0 ? DefaultThreadCount() : config.options.threads);
  }
  return flags::kExitOk;
}

int RunDistributed(graph::Graph whole, const std::string& application,
                   const Node2vecSpec::Options& node2vec, double stop_prob,
                   const std::vector<std::vector<graph::EdgeType>>& schemes,
                   const DistributedRun& run) {
  const int ranks = run.transport->size();
  if (static_cast<uint64_t>(ranks) > whole.num_vertices()) {
    return run.UsageError(
        "mpirun started " + std::to_string(ranks) + " processes but the graph has only " +
        std::to_string(whole.num_vertices()) + " vertices; use at most one process per vertex");
  }
  if (application == "metapath") {  // scheme check on the whole graph
    auto spec = MetaPathSpec::Create(whole, schemes);
    if (!spec.ok()) return run.UsageError("--schemes: " + spec.status().message());
  }
  auto partition = graph::Partition::Balanced(whole, ranks);
  if (!partition.ok()) return run.Error(partition.status());
  if (!run.config.quiet && run.root()) {
    std::fprintf(stderr, "graph %s: vertices=%u edges=%lu weighted=%s typed=%s ranks=%d\n",
                 run.config.graph_path.c_str(), whole.num_vertices(),
                 static_cast<unsigned long>(whole.num_edges()), whole.weighted() ? "true" : "false",
                 whole.typed() ? "true" : "false", ranks);
  }
  const int me = run.transport->rank();
  const graph::Graph local = ExtractPartition(whole, partition->begin(me), partition->end(me));
  whole = graph::Graph();  // keep only this rank's partition from here on
  if (application == "deepwalk") return RunDistributedWalk(local, *partition, DeepWalkSpec{}, run);
  if (application == "ppr") return RunDistributedWalk(local, *partition, PprSpec(stop_prob), run);
  if (application == "node2vec") {
    return RunDistributedWalk(local, *partition, Node2vecSpec(local, node2vec), run);
  }
  auto spec = MetaPathSpec::Create(local, schemes, /*check_types_present=*/false);
  if (!spec.ok()) return run.UsageError("--schemes: " + spec.status().message());
  return RunDistributedWalk(local, *partition, *spec, run);
}

}  // namespace

int WalkMain(int argc, const char* const* argv) {
  auto app = flags::NewApp(kTool,
                           "Random walks with KnightKing's rejection sampler. Walk length is in "
                           "steps: a full walk has length+1 vertices.");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  std::string application;
  std::string graph_path;
  graph::LoadOptions load;
  uint64_t walkers = 0;
  uint64_t walkers_per_vertex = 0;
  int64_t length = 80;
  uint64_t seed = 1;
  std::string output = "none";
  std::string format = "text";
  std::string p_text = "1", q_text = "1";
  double stop_prob = 1.0 / 80;
  std::string schemes_path;
  app->add_option("application", application, "deepwalk, ppr, node2vec or metapath")->required();
  app->add_option("--graph", graph_path, "graph file (text edge list or .skg)")->required();
  graph::AddLoadFlags(*app, &load);
  CLI::Option* walkers_flag =
      app->add_option("--walkers", walkers, "number of walkers (walker i starts at i mod |V|)");
  CLI::Option* per_vertex_flag = app->add_option("--walkers_per_vertex", walkers_per_vertex,
                                                 "walkers per vertex (default 1 if no --walkers)");
  CLI::Option* length_flag =
      app->add_option("--length", length, "steps per walk (ppr: a cap, unlimited unless given)");
  app->add_option("--seed", seed, "random seed (walker i uses stream i)");
  app->add_option("--output", output, "output file, or none");
  app->add_option("--format", format, "output format: text or binary")
      ->check(CLI::IsMember({"text", "binary"}));
  CLI::Option* p_flag = app->add_option("--p", p_text, "node2vec return parameter p > 0");
  CLI::Option* q_flag = app->add_option("--q", q_text, "node2vec in-out parameter q > 0");
  CLI::Option* stop_flag =
      app->add_option("--stop_prob", stop_prob, "ppr: stop probability after each step");
  CLI::Option* schemes_flag =
      app->add_option("--schemes", schemes_path,
                      "metapath: scheme file, one scheme per line (whitespace-separated types)");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;

  if (application != "deepwalk" && application != "ppr" && application != "node2vec" &&
      application != "metapath") {
    return flags::ReportUsageError(kTool, "unknown application \"" + application +
                                              "\", expected deepwalk, ppr, node2vec or metapath");
  }
  if ((p_flag->count() || q_flag->count()) && application != "node2vec") {
    return flags::ReportUsageError(kTool, "--p and --q apply only to node2vec");
  }
  if (stop_flag->count() && application != "ppr") {
    return flags::ReportUsageError(kTool, "--stop_prob applies only to ppr");
  }
  if (schemes_flag->count() && application != "metapath") {
    return flags::ReportUsageError(kTool, "--schemes applies only to metapath");
  }
  Node2vecSpec::Options node2vec;
  std::string error;
  if (!ParsePositive("--p", p_text, &node2vec.p, &error) ||
      !ParsePositive("--q", q_text, &node2vec.q, &error)) {
    return flags::ReportUsageError(kTool, error);
  }
  if (!(stop_prob > 0 && stop_prob <= 1)) {
    return flags::ReportUsageError(
        kTool, "--stop_prob must be in (0, 1], got " + std::to_string(stop_prob));
  }
  if (length <= 0 || length > 0xfffffffeLL) {
    return flags::ReportUsageError(
        kTool, "--length must be between 1 and 4294967294 steps, got " + std::to_string(length));
  }
  if (walkers_flag->count() && per_vertex_flag->count()) {
    return flags::ReportUsageError(kTool, "give --walkers or --walkers_per_vertex, not both");
  }
  if (walkers_flag->count() && walkers == 0) {
    return flags::ReportUsageError(kTool, "--walkers must be at least 1, got 0");
  }
  if (per_vertex_flag->count() && walkers_per_vertex == 0) {
    return flags::ReportUsageError(kTool, "--walkers_per_vertex must be at least 1, got 0");
  }
  if (walkers_per_vertex > 0xffffffffULL) {
    return flags::ReportUsageError(kTool, "--walkers_per_vertex is too large");
  }
  if (application == "metapath") {
    if (!load.typed) {
      return flags::ReportUsageError(
          kTool, "metapath needs --typed and a graph with an edge-type column (u v [w] t)");
    }
    if (schemes_path.empty()) return flags::ReportUsageError(kTool, "metapath needs --schemes");
  }

  RunConfig config;
  config.quiet = common.quiet;
  config.graph_path = graph_path;
  config.output = output;
  config.format = format == "binary" ? PathFormat::kBinary : PathFormat::kText;
  config.options.seed = seed;
  config.options.threads = load.threads;  // --threads: loading and walking
  config.options.num_walkers = walkers;
  config.options.walkers_per_vertex =
      walkers_flag->count() ? 0
                            : static_cast<uint32_t>(walkers_per_vertex ? walkers_per_vertex : 1);
  config.options.max_steps = static_cast<uint32_t>(length);
  if (application == "ppr" && !length_flag->count()) config.options.max_steps = kUnlimitedSteps;

  // Under mpirun: one MPI rank per process; errors every rank sees alike
  // are printed by rank 0 only.
  std::unique_ptr<MpiSession> mpi;
  DistributedRun run;
  if (LaunchedUnderMpi()) {
    auto session = MpiSession::Start();
    if (!session.ok()) {
      const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
      if (rank && std::string(rank) != "0") return flags::kExitRuntimeError;
      return flags::ReportError(kTool, session.status());
    }
    mpi = std::move(session).value();
    run.transport = &mpi->transport();
  }
  auto usage_error = [&](const std::string& message) {
    return run.transport ? run.UsageError(message) : flags::ReportUsageError(kTool, message);
  };
  auto runtime_error = [&](const Status& status) {
    return run.transport ? run.Error(status) : flags::ReportError(kTool, status);
  };

  Env* env = Env::Default();
  std::vector<std::vector<graph::EdgeType>> schemes;
  if (application == "metapath") {
    auto loaded = LoadSchemes(env, schemes_path);
    if (!loaded.ok()) {
      if (loaded.status().code() == StatusCode::kInvalidArgument) {
        return usage_error(loaded.status().message());
      }
      return runtime_error(loaded.status());
    }
    schemes = std::move(loaded).value();
  }

  Timer timer;
  Result<graph::Graph> g = graph::LoadGraph(env, graph_path, load);
  if (!g.ok()) {
    if (g.status().code() == StatusCode::kInvalidArgument) {
      return usage_error(g.status().message());
    }
    return runtime_error(g.status());
  }
  config.load_seconds = timer.ElapsedSeconds();
  if (Status status = CheckPositiveWeights(*g); !status.ok()) {
    return usage_error("--weighted: " + status.message());
  }
  if (run.transport) {
    run.config = config;
    return RunDistributed(std::move(g).value(), application, node2vec, stop_prob, schemes, run);
  }

  if (application == "deepwalk") return RunWalk(*g, DeepWalkSpec{}, config);
  if (application == "ppr") return RunWalk(*g, PprSpec(stop_prob), config);
  if (application == "node2vec") return RunWalk(*g, Node2vecSpec(*g, node2vec), config);
  auto spec = MetaPathSpec::Create(*g, schemes);
  if (!spec.ok()) return flags::ReportUsageError(kTool, "--schemes: " + spec.status().message());
  return RunWalk(*g, *spec, config);
}

}  // namespace syskit::walk::tools
