// graph_bench: loader and CSR-builder throughput, side by side with a plain
// serial baseline in the same process run.
//
//   graph_bench --benchmarks=parse_text,load_text,load_binary,build_csr
//               --datasets=BlogCatalog3,rmat:22 --trials=5
//
// Benchmarks (each reports MB/s of the input file and edges/s of records):
//   parse_text   text -> EdgeList (the parallel parser alone)
//   load_text    text -> CSR Graph (parse + relabel + build), end to end
//   load_binary  .skg -> Graph (map + checksums + structural validation)
//   build_csr    EdgeList -> CSR Graph (copy of the input excluded)
// Baseline (--baseline, on by default): a straightforward serial loader,
// std::ifstream >> u >> v, relabelling through std::unordered_map and a CSR
// built from std::sort-ed arc pairs; reported as impl=baseline with the
// ratio syskit/baseline of median throughput.
//
// Files are read from the page cache (warm): the first read of each file is
// the warm-up trial.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>
#include <numeric>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "syskit/core/bench.h"
#include "syskit/core/demo.h"
#include "syskit/core/flags.h"
#include "syskit/core/parallel.h"
#include "syskit/core/timer.h"
#include "syskit/graph/binary_format.h"
#include "syskit/graph/generators.h"
#include "syskit/graph/io.h"

namespace syskit::graph {
namespace {

constexpr const char* kTool = "graph_bench";

struct Dataset {
  std::string name;
  std::string text_path;
  std::string binary_path;
  uint64_t text_bytes = 0;
  uint64_t binary_bytes = 0;
  uint64_t records = 0;
};

struct Config {
  std::vector<std::string> benchmarks = {"parse_text", "load_text", "load_binary", "build_csr"};
  std::vector<std::string> datasets = {"BlogCatalog3", "rmat:22"};
  int trials = 5;
  int baseline_trials = 0;  // 0 = same as trials
  int threads = 0;
  uint64_t seed = 1;
  bool baseline = true;
  std::string data_dir;
  std::string tmp_dir = "/tmp";
};

// The baseline a careful engineer would write first: serial iostream
// parsing, hash-map relabelling, sort-based CSR.
uint64_t BaselineLoad(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::pair<uint64_t, uint64_t>> raw;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#' || line[0] == '%') continue;
    std::istringstream fields(line);
    uint64_t u, v;
    if (fields >> u >> v) raw.emplace_back(u, v);
  }
  std::unordered_map<uint64_t, uint32_t> dense;
  std::vector<uint64_t> ids;
  for (auto& [u, v] : raw) {
    for (uint64_t id : {u, v}) {
      if (dense.emplace(id, 0).second) ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  for (uint32_t i = 0; i < ids.size(); ++i) dense[ids[i]] = i;
  std::vector<std::pair<uint32_t, uint32_t>> arcs;
  arcs.reserve(raw.size() * 2);
  for (auto& [u, v] : raw) {
    if (u == v) continue;
    arcs.emplace_back(dense[u], dense[v]);
    arcs.emplace_back(dense[v], dense[u]);
  }
  std::sort(arcs.begin(), arcs.end());
  arcs.erase(std::unique(arcs.begin(), arcs.end()), arcs.end());
  std::vector<uint64_t> offsets(ids.size() + 1, 0);
  std::vector<uint32_t> targets(arcs.size());
  for (size_t e = 0; e < arcs.size(); ++e) {
    ++offsets[arcs[e].first + 1];
    targets[e] = arcs[e].second;
  }
  std::partial_sum(offsets.begin(), offsets.end(), offsets.begin());
  return targets.size();
}

Status PrepareDataset(const Config& config, const std::string& spec, Dataset* dataset) {
  Env* env = Env::Default();
  if (spec.rfind("rmat:", 0) == 0) {
    RmatOptions rmat;
    rmat.scale = std::stoi(spec.substr(5));
    rmat.seed = config.seed;
    rmat.threads = config.threads;
    dataset->name = "rmat" + std::to_string(rmat.scale);
    const std::string stem = config.tmp_dir + "/graph_bench_rmat" + std::to_string(rmat.scale) +
                             "_seed" + std::to_string(config.seed) + "_" + std::to_string(getpid());
    dataset->text_path = stem + ".txt";
    dataset->binary_path = stem + ".skg";
    std::fprintf(stderr, "generating %s (scale %d, edge factor %lu, seed %lu)...\n",
                 dataset->name.c_str(), rmat.scale, static_cast<unsigned long>(rmat.edge_factor),
                 static_cast<unsigned long>(config.seed));
    SYSKIT_ASSIGN_OR_RETURN(EdgeList edges, GenerateRmat(rmat));
    // The records as the generator made them (random order, repeats and
    // loops included), as a generated edge list would arrive from elsewhere.
    SYSKIT_RETURN_IF_ERROR(SaveEdgeListText(env, edges, dataset->text_path));
  } else {
    dataset->name = spec;
    dataset->text_path = config.data_dir + "/graphs/" + spec + ".edges.txt";
    dataset->binary_path =
        config.tmp_dir + "/graph_bench_" + spec + "_" + std::to_string(getpid()) + ".skg";
  }
  LoadOptions options;
  options.threads = config.threads;
  SYSKIT_ASSIGN_OR_RETURN(Graph graph, LoadGraph(env, dataset->text_path, options));
  SYSKIT_RETURN_IF_ERROR(SaveBinary(env, graph, dataset->binary_path));
  SYSKIT_ASSIGN_OR_RETURN(dataset->text_bytes, env->GetFileSize(dataset->text_path));
  SYSKIT_ASSIGN_OR_RETURN(dataset->binary_bytes, env->GetFileSize(dataset->binary_path));
  dataset->records = graph.build_stats().input_edges;
  std::fprintf(stderr, "dataset %s: text %.1f MB, binary %.1f MB, %lu records, %u vertices\n",
               dataset->name.c_str(), dataset->text_bytes / 1e6, dataset->binary_bytes / 1e6,
               static_cast<unsigned long>(dataset->records), graph.num_vertices());
  return Status::OK();
}

// Runs `body` once as warm-up and `trials` times measured; prints each trial
// and the median; returns the median seconds.
Result<double> Measure(const std::string& bench, const Dataset& dataset, const char* impl,
                       uint64_t bytes, int trials, const std::function<Status(Timer*)>& body) {
  Timer warm;
  SYSKIT_RETURN_IF_ERROR(body(&warm));
  std::vector<double> seconds;
  for (int trial = 1; trial <= trials; ++trial) {
    Timer timer;
    SYSKIT_RETURN_IF_ERROR(body(&timer));
    double s = timer.ElapsedSeconds();
    seconds.push_back(s);
    std::printf(
        "bench=%s dataset=%s impl=%s trial=%d seconds=%.4f mb_per_s=%.1f "
        "edges_per_s=%.3e\n",
        bench.c_str(), dataset.name.c_str(), impl, trial, s, bytes / 1e6 / s, dataset.records / s);
    std::fflush(stdout);
  }
  double median = bench::Median(seconds);
  std::printf(
      "bench=%s dataset=%s impl=%s stat=median trials=%d seconds=%.4f mb_per_s=%.1f "
      "edges_per_s=%.3e\n",
      bench.c_str(), dataset.name.c_str(), impl, trials, median, bytes / 1e6 / median,
      dataset.records / median);
  std::fflush(stdout);
  return median;
}

Status RunBenchmark(const Config& config, const std::string& bench, const Dataset& dataset) {
  Env* env = Env::Default();
  LoadOptions options;
  options.threads = config.threads;
  const int baseline_trials = config.baseline_trials > 0 ? config.baseline_trials : config.trials;
  double ours = 0;
  if (bench == "parse_text") {
    SYSKIT_ASSIGN_OR_RETURN(auto mapped, env->MapFile(dataset.text_path));
    ParseOptions parse;
    parse.threads = config.threads;
    SYSKIT_ASSIGN_OR_RETURN(
        ours, Measure(bench, dataset, "syskit", dataset.text_bytes, config.trials, [&](Timer*) {
          return ParseEdgeListText(mapped->data(), dataset.text_path, parse).status();
        }));
  } else if (bench == "load_text") {
    SYSKIT_ASSIGN_OR_RETURN(
        ours, Measure(bench, dataset, "syskit", dataset.text_bytes, config.trials,
                      [&](Timer*) { return LoadGraph(env, dataset.text_path, options).status(); }));
    if (config.baseline) {
      SYSKIT_ASSIGN_OR_RETURN(double base, Measure(bench, dataset, "baseline", dataset.text_bytes,
                                                   baseline_trials, [&](Timer*) {
                                                     BaselineLoad(dataset.text_path);
                                                     return Status::OK();
                                                   }));
      std::printf("bench=%s dataset=%s ratio_syskit_vs_baseline=%.2f\n", bench.c_str(),
                  dataset.name.c_str(), base / ours);
    }
    return Status::OK();
  } else if (bench == "load_binary") {
    SYSKIT_ASSIGN_OR_RETURN(
        ours, Measure(bench, dataset, "syskit", dataset.binary_bytes, config.trials, [&](Timer*) {
          return LoadBinary(env, dataset.binary_path, /*verify_checksums=*/true).status();
        }));
  } else if (bench == "build_csr") {
    SYSKIT_ASSIGN_OR_RETURN(auto mapped, env->MapFile(dataset.text_path));
    ParseOptions parse;
    parse.threads = config.threads;
    SYSKIT_ASSIGN_OR_RETURN(EdgeList input,
                            ParseEdgeListText(mapped->data(), dataset.text_path, parse));
    BuildOptions build;
    build.threads = config.threads;
    // Throughput here is over the edge arrays (16 bytes per record).
    SYSKIT_ASSIGN_OR_RETURN(
        ours, Measure(bench, dataset, "syskit", input.size() * 16, config.trials, [&](Timer* t) {
          EdgeList copy = input;
          t->Restart();
          return BuildGraph(std::move(copy), build).status();
        }));
  } else {
    return InvalidArgumentError("unknown benchmark \"" + bench +
                                "\", expected parse_text, load_text, load_binary or build_csr");
  }
  return Status::OK();
}

}  // namespace
}  // namespace syskit::graph

int main(int argc, char** argv) {
  using namespace syskit;
  using namespace syskit::graph;
  Config config;
  auto app = flags::NewApp(kTool, "Graph loader and CSR builder throughput");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->add_option("--benchmarks", config.benchmarks, "comma-separated benchmarks")->delimiter(',');
  app->add_option("--datasets", config.datasets,
                  "comma-separated bundled graph names or rmat:SCALE")
      ->delimiter(',');
  app->add_option("--trials", config.trials, "measured trials (median reported)")
      ->check(CLI::PositiveNumber);
  app->add_option("--baseline_trials", config.baseline_trials,
                  "trials for the serial baseline (0 = --trials)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--threads", config.threads, "threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app->add_option("--seed", config.seed, "generator seed");
  app->add_option("--baseline", config.baseline, "run the serial baseline for load_text");
  app->add_option("--data_dir", config.data_dir, "bundled data directory");
  app->add_option("--tmp_dir", config.tmp_dir, "where generated and binary files go");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (Status status = FindDataDir(config.data_dir, &config.data_dir); !status.ok()) {
    return flags::ReportError(kTool, status);
  }

  char details[160];
  std::snprintf(details, sizeof(details), "threads=%d seed=%lu trials=%d page_cache=warm",
                config.threads == 0 ? DefaultThreadCount() : config.threads,
                static_cast<unsigned long>(config.seed), config.trials);
  bench::PrintHeader(kTool, details);
  for (const std::string& spec : config.datasets) {
    Dataset dataset;
    Status status = PrepareDataset(config, spec, &dataset);
    for (const std::string& bench : config.benchmarks) {
      if (!status.ok()) break;
      status = RunBenchmark(config, bench, dataset);
    }
    if (spec.rfind("rmat:", 0) == 0) Env::Default()->DeleteFile(dataset.text_path).IgnoreError();
    Env::Default()->DeleteFile(dataset.binary_path).IgnoreError();
    if (!status.ok()) return flags::ReportError(kTool, status);
  }
  return flags::kExitOk;
}
