// `syskit route solve|pipeline|simulate`: one epoch of the Taiji runtime on
// a state file, the traffic pipeline (table -> bucket-range configuration),
// and the day simulation.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "syskit/core/env.h"
#include "syskit/core/flags.h"
#include "syskit/route/segment_assignment.h"
#include "syskit/route/simulator.h"
#include "syskit/route/solver.h"
#include "syskit/route/state_json.h"

namespace syskit::route::tools {

int ServeEdgeMain(int argc, const char* const* argv);
int ServeFrontendMain(int argc, const char* const* argv);

namespace {

constexpr const char* kTool = "syskit route";

struct SolveFlags {
  std::string input;
  std::string policy;  // empty: from the state file or the default
  std::string solver;
  std::string out;
};

void AddSolveFlags(CLI::App& app, SolveFlags* flags) {
  app.add_option("--input", flags->input, "state.json: datacenters, edges, current fractions")
      ->required();
  app.add_option("--policy", flags->policy,
                 "balance or closest (default: the state's, else balance)");
  app.add_option("--solver", flags->solver, "local (local search) or lp (GLPK)");
}

// Loads and checks the state; exit code on failure (usage errors are 2).
Result<State> LoadState(const SolveFlags& flags, Policy* policy) {
  SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), flags.input));
  SYSKIT_ASSIGN_OR_RETURN(State state, ParseStateJson(text, policy));
  if (flags.policy == "balance") policy->kind = PolicyKind::kBalance;
  if (flags.policy == "closest") policy->kind = PolicyKind::kClosestFirst;
  if (flags.solver == "local") policy->solver = SolverKind::kLocalSearch;
  if (flags.solver == "lp") policy->solver = SolverKind::kLp;
  SYSKIT_RETURN_IF_ERROR(ValidateState(state));
  return state;
}

std::optional<int> CheckChoices(const SolveFlags& flags) {
  if (!flags.policy.empty() && flags.policy != "balance" && flags.policy != "closest") {
    return flags::ReportUsageError(
        kTool, "--policy must be balance or closest, got \"" + flags.policy + "\"");
  }
  if (!flags.solver.empty() && flags.solver != "local" && flags.solver != "lp") {
    return flags::ReportUsageError(kTool,
                                   "--solver must be local or lp, got \"" + flags.solver + "\"");
  }
  return std::nullopt;
}

std::string MovesJson(const State& state, const SolveResult& result) {
  std::string json = "[";
  for (size_t i = 0; i < result.moves.size(); ++i) {
    const Move& move = result.moves[i];
    json += fmt::format("{}{{\"edge\": \"{}\", \"dc\": \"{}\", \"from\": {:.6f}, \"to\": {:.6f}}}",
                        i ? ",\n    " : "", state.edges[move.edge].name, state.dcs[move.dc].name,
                        move.from, move.to);
  }
  return json + "]";
}

int SolveMain(int argc, const char* const* argv) {
  auto app = flags::NewApp("syskit route solve",
                           "One Taiji epoch: prints the routing table {edge: {dc: fraction}} and "
                           "the moves as JSON");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  SolveFlags flags;
  AddSolveFlags(*app, &flags);
  app->add_option("--out", flags.out,
                  "also write the table here, atomically and only when it validates");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (auto exit_code = CheckChoices(flags)) return *exit_code;
  Policy policy;
  Result<State> state = LoadState(flags, &policy);
  if (!state.ok()) {
    if (!flags.out.empty() && Env::Default()->FileExists(flags.out)) {
      std::fprintf(stderr, "%s: last known good table kept: %s\n", kTool, flags.out.c_str());
    }
    return flags::ReportError(kTool, state.status());
  }
  Result<SolveResult> result = Solve(*state, policy);
  if (!result.ok()) return flags::ReportError(kTool, result.status());
  const std::string table = RoutingTableJson(*state, result->table);
  if (!flags.out.empty()) {
    Status written = WriteFileAtomically(Env::Default(), table + "\n", flags.out);
    if (!written.ok()) return flags::ReportError(kTool, written);
  }
  const TableScore before = ScoreTable(*state, state->current);
  const TableScore after = ScoreTable(*state, result->table);
  std::printf("{\n  \"table\": %s,\n  \"moves\": %s,\n", table.c_str(),
              MovesJson(*state, *result).c_str());
  std::printf("  \"max_utilization_before\": %.6f,\n  \"max_utilization_after\": %.6f,\n",
              before.max_utilization, after.max_utilization);
  std::printf("  \"avg_latency_ms_after\": %.3f,\n  \"solver_seconds\": %.6f\n}\n",
              after.avg_latency_ms, result->stats.seconds);
  return flags::kExitOk;
}

int PipelineMain(int argc, const char* const* argv) {
  auto app = flags::NewApp("syskit route pipeline",
                           "Runtime + traffic pipeline: solve one epoch, assign bucket segments "
                           "per edge, write the routing configuration {edge: {dc: [ranges]}}");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  SolveFlags flags;
  AddSolveFlags(*app, &flags);
  app->add_option("--out", flags.out, "routing configuration to (re)write atomically")->required();
  SegmentOptions segments;
  app->add_option("--height", segments.height, "bucket tree height H (2^H buckets)")
      ->check(CLI::Range(1, 20));
  app->add_option("--level", segments.level, "segment level L (L = H: per-bucket)")
      ->check(CLI::Range(0, 20));
  app->add_option("--seed", segments.seed, "seed of the per-DC segment preferences");
  bool from_scratch = false;
  app->add_flag("--from_scratch", from_scratch,
                "ignore the configuration in --out (default: reassign incrementally from it)");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (auto exit_code = CheckChoices(flags)) return *exit_code;
  if (segments.level > segments.height) {
    return flags::ReportUsageError(kTool, "--level must be <= --height");
  }
  const bool had_config = Env::Default()->FileExists(flags.out);
  auto fail = [&](const Status& status) {
    if (had_config) {
      std::fprintf(stderr, "%s: last known good configuration kept: %s\n", kTool,
                   flags.out.c_str());
    }
    return flags::ReportError(kTool, status);
  };
  Policy policy;
  Result<State> state = LoadState(flags, &policy);
  if (!state.ok()) return fail(state.status());
  Result<SolveResult> result = Solve(*state, policy);
  if (!result.ok()) return fail(result.status());
  // Last epoch's configuration (the one in --out), mapped onto this state's
  // edges and DCs by name, lets the pipeline move only what the new table
  // forces. An unreadable or different-shaped one is ignored.
  RoutingConfig previous;
  if (had_config && !from_scratch) {
    Result<std::string> text = ReadFileToString(Env::Default(), flags.out);
    if (text.ok()) {
      Result<ParsedConfig> last = ParseRoutingConfigJson(*text);
      if (last.ok() && last->height == segments.height) {
        previous.height = last->height;
        std::vector<int16_t> dc_index(last->dcs.size(), -1);
        for (size_t i = 0; i < last->dcs.size(); ++i) {
          for (int d = 0; d < state->num_dcs(); ++d) {
            if (state->dcs[d].name == last->dcs[i]) dc_index[i] = static_cast<int16_t>(d);
          }
        }
        for (const Edge& edge : state->edges) {
          std::vector<int16_t> row(size_t{1} << segments.height, -1);
          for (size_t e = 0; e < last->edges.size(); ++e) {
            if (last->edges[e] != edge.name) continue;
            for (size_t b = 0; b < row.size(); ++b) row[b] = dc_index[last->dc_of_bucket[e][b]];
          }
          previous.dc_of_bucket.push_back(std::move(row));
        }
      }
    }
  }
  const bool incremental = !previous.dc_of_bucket.empty();
  Result<RoutingConfig> config =
      BuildRoutingConfig(*state, result->table, segments, incremental ? &previous : nullptr);
  if (!config.ok()) return fail(config.status());
  int64_t buckets_moved = 0;
  for (size_t e = 0; incremental && e < config->dc_of_bucket.size(); ++e) {
    buckets_moved += BucketMoves(previous.dc_of_bucket[e], config->dc_of_bucket[e]);
  }
  const std::string json = RoutingConfigJson(*state, *config);
  // Never push a configuration that does not parse back and cover every bucket.
  Result<ParsedConfig> check = ParseRoutingConfigJson(json);
  if (!check.ok()) return fail(check.status());
  Status written = WriteFileAtomically(Env::Default(), json + "\n", flags.out);
  if (!written.ok()) return fail(written);
  int64_t split = 0;
  for (const auto& map : config->dc_of_bucket)
    split += SplitSegments(map, segments.height, segments.level);
  std::printf(
      "edges=%d dcs=%d buckets=%u level=%d split_segments=%ld moves=%zu incremental=%d "
      "buckets_moved=%ld config_bytes=%zu out=%s\n",
      state->num_edges(), state->num_dcs(), 1u << segments.height, segments.level,
      static_cast<long>(split), result->moves.size(), incremental ? 1 : 0,
      static_cast<long>(buckets_moved), json.size() + 1, flags.out.c_str());
  return flags::kExitOk;
}

int SimulateMain(int argc, const char* const* argv) {
  auto app = flags::NewApp("syskit route simulate",
                           "SIMULATED day of a global service under Taiji: writes CSVs and SVG "
                           "plots, prints a key=value summary");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  SimOptions options;
  std::string out;
  app->add_option("--scenario", options.scenario, "day, drain or scale");
  app->add_option("--out", out, "output directory for CSVs and plots")->required();
  app->add_option("--epochs", options.epochs, "5-minute epochs")->check(CLI::Range(1, 100000));
  app->add_option("--users", options.users, "users in the friendship graph")
      ->check(CLI::Range(64, 5000000));
  app->add_option("--height", options.height, "bucket tree height H")->check(CLI::Range(1, 16));
  app->add_option("--level", options.level, "segment level L")->check(CLI::Range(0, 16));
  app->add_option("--requests", options.requests_per_epoch, "sampled requests per epoch")
      ->check(CLI::Range(0, 10000000));
  app->add_option("--seed", options.seed, "random seed");
  app->add_flag("--incremental", options.incremental_segments,
                "L: reassign segments from last epoch's map (default: the paper's walk)");
  app->add_option("--session_minutes", options.session_minutes, "sticky run: mean session lifetime")
      ->check(CLI::PositiveNumber);
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (options.scenario != "day" && options.scenario != "drain" && options.scenario != "scale") {
    return flags::ReportUsageError(
        kTool, "--scenario must be day, drain or scale, got \"" + options.scenario + "\"");
  }
  if (options.level > options.height) {
    return flags::ReportUsageError(kTool, "--level must be <= --height");
  }
  // Fail on an unusable output directory before simulating a whole day.
  std::error_code dir_error;
  std::filesystem::create_directories(out, dir_error);
  if (dir_error) {
    return flags::ReportError(kTool, IOError(out + ": cannot create: " + dir_error.message()));
  }
  Result<SimResult> result = RunSimulation(options);
  if (!result.ok()) return flags::ReportError(kTool, result.status());
  Status written = WriteSimulationOutputs(*result, out);
  if (!written.ok()) return flags::ReportError(kTool, written);
  std::fputs(FormatSummary(*result, options).c_str(), stdout);
  std::printf("out=%s\n", out.c_str());
  return flags::kExitOk;
}

}  // namespace

int RouteMain(int argc, const char* const* argv) {
  const std::string usage =
      "usage: syskit route solve|pipeline|simulate|serve-edge|serve-frontend [--flags] (--help on "
      "each)";
  if (argc < 2) return flags::ReportUsageError(kTool, usage);
  const std::string command = argv[1];
  if (command == "--help" || command == "-h") {
    std::printf(
        "%s\n  solve       one epoch: routing table and moves\n  pipeline    "
        "table -> bucket-range routing configuration\n  simulate    simulated day: "
        "CSV, SVG plots, key=value summary\n  serve-edge  HTTP/1.1 edge load "
        "balancer (reverse proxy, hot reload)\n  serve-frontend  tiny frontend that sets the "
        "bucket cookie\n",
        usage.c_str());
    return flags::kExitOk;
  }
  if (command == "solve") return SolveMain(argc - 1, argv + 1);
  if (command == "pipeline") return PipelineMain(argc - 1, argv + 1);
  if (command == "simulate") return SimulateMain(argc - 1, argv + 1);
  if (command == "serve-edge") return ServeEdgeMain(argc - 1, argv + 1);
  if (command == "serve-frontend") return ServeFrontendMain(argc - 1, argv + 1);
  return flags::ReportUsageError(kTool, "unknown command \"" + command + "\"; " + usage);
}

}  // namespace syskit::route::tools
