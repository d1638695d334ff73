// mine_bench: pattern-counting kernel time of the compiled AutoMine plans,
// side by side with a naive schedule in the same process run.
//
//   mine_bench --benchmarks=triangle,4-clique,5-clique,4-motifs,5-cycle
//              --datasets=CA-GrQc,facebook_combined,BlogCatalog3 --threads=1,2 --trials=3
//
// impl=syskit: the compiled plans as `syskit mine count` runs them
// (oriented cliques, symmetry breaking, set reuse, last level counted; for
// 3-/4-motifs the inclusion-exclusion counter).
// impl=naive: the pattern-oblivious schedule: the first matching order with
// connected prefixes, no symmetry breaking (every embedding found |Aut|
// times, divided at the end), no set reuse (every set rebuilt in the
// innermost loop that needs it), no orientation, one plan per motif. A
// naive run longer than --baseline_timeout seconds is stopped and reported
// as status=timeout.
// impl=separate (multi-pattern benchmarks other than 3-/4-motifs): the
// same plans one pattern at a time, against the merged plan tree.
// Kernel time excludes loading and preparing the graph (printed separately)
// and compile time (printed per benchmark).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "syskit/core/bench.h"
#include "syskit/core/demo.h"
#include "syskit/core/flags.h"
#include "syskit/core/parallel.h"
#include "syskit/core/timer.h"
#include "syskit/graph/io.h"
#include "syskit/mine/executor.h"

namespace syskit::mine {
namespace {

constexpr const char* kTool = "mine_bench";

struct Config {
  std::vector<std::string> benchmarks = {"triangle", "4-clique", "5-clique", "4-motifs", "5-cycle"};
  std::vector<std::string> datasets = {"CA-GrQc", "facebook_combined", "BlogCatalog3"};
  std::vector<int> threads = {1, 2};
  int trials = 3;
  int baseline_trials = 1;
  bool baseline = true;
  bool separate = true;
  double baseline_timeout = 60;
  double syskit_timeout = 600;
  std::string data_dir;
};

// Sets `cancel` after `seconds` unless stopped first.
class Watchdog {
 public:
  Watchdog(std::atomic<bool>* cancel, double seconds)
      : thread_([this, cancel, seconds] {
          std::unique_lock<std::mutex> lock(mu_);
          if (!cv_.wait_for(lock, std::chrono::duration<double>(seconds), [&] { return done_; })) {
            cancel->store(true);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// Counts with the compiled plans; returns the counts.
Result<std::vector<PatternCount>> RunSyskit(const MiningGraph& graph,
                                            const std::vector<Pattern>& patterns, int threads,
                                            bool share_prefixes = true,
                                            const std::atomic<bool>* cancel = nullptr) {
  CountOptions options;
  options.mine.threads = threads;
  options.mine.cancel = cancel;
  options.share_prefixes = share_prefixes;
  return CountPatterns(graph, patterns, options);
}

Result<std::vector<PatternCount>> RunNaive(const MiningGraph& graph, const std::vector<Plan>& plans,
                                           int threads, const std::atomic<bool>* cancel) {
  std::vector<PatternCount> counts;
  for (const Plan& plan : plans) {
    MineOptions options;
    options.threads = threads;
    options.cancel = cancel;
    SYSKIT_ASSIGN_OR_RETURN(uint64_t embeddings, CountPlan(graph, plan, options));
    counts.push_back({plan.pattern.name(), embeddings / plan.automorphisms});
  }
  return counts;
}

std::string Summary(const std::vector<PatternCount>& counts) {
  std::string text;
  for (const PatternCount& count : counts) {
    text += (text.empty() ? "" : ",") + count.name + ":" + std::to_string(count.count);
  }
  return text;
}

Status RunDataset(const Config& config, const std::string& name) {
  Timer timer;
  SYSKIT_ASSIGN_OR_RETURN(
      graph::Graph input,
      graph::LoadGraph(Env::Default(), config.data_dir + "/graphs/" + name + ".edges.txt", {}));
  const double load_seconds = timer.ElapsedSeconds();
  timer.Restart();
  SYSKIT_ASSIGN_OR_RETURN(MiningGraph graph, MiningGraph::Prepare(input));
  std::printf(
      "dataset=%s vertices=%u edges=%llu max_degree=%u load_seconds=%.3f "
      "prepare_seconds=%.3f\n",
      name.c_str(), graph.graph().num_vertices(),
      static_cast<unsigned long long>(graph.graph().num_edges()), graph.graph().max_degree(),
      load_seconds, timer.ElapsedSeconds());
  std::fflush(stdout);
  for (const std::string& bench : config.benchmarks) {
    SYSKIT_ASSIGN_OR_RETURN(std::vector<Pattern> patterns, ResolvePatterns(bench));
    timer.Restart();
    std::vector<Plan> naive_plans;
    for (const Pattern& pattern : patterns) {
      CompileOptions naive;
      naive.symmetry_breaking = false;
      naive.reuse_sets = false;
      naive.orient_cliques = false;
      naive.max_orders = 1;
      SYSKIT_ASSIGN_OR_RETURN(Plan plan, Compile(pattern, naive));
      naive_plans.push_back(std::move(plan));
    }
    std::printf("bench=%s dataset=%s naive_compile_seconds=%.6f\n", bench.c_str(), name.c_str(),
                timer.ElapsedSeconds());
    for (int threads : config.threads) {
      // Warm-up (stopped after --syskit_timeout seconds: then the trials are
      // skipped and the row reported as a timeout), then the measured trials.
      std::atomic<bool> warmup_cancel{false};
      Timer warmup;
      Result<std::vector<PatternCount>> warm = [&] {
        Watchdog watchdog(&warmup_cancel, config.syskit_timeout);
        return RunSyskit(graph, patterns, threads, true, &warmup_cancel);
      }();
      if (!warm.ok() && warmup_cancel.load()) {
        std::printf("bench=%s dataset=%s impl=syskit threads=%d status=timeout seconds=>%.0f\n",
                    bench.c_str(), name.c_str(), threads, config.syskit_timeout);
        std::fflush(stdout);
        continue;
      }
      if (!warm.ok()) return warm.status();
      std::printf("bench=%s dataset=%s impl=syskit threads=%d warmup_seconds=%.4f\n", bench.c_str(),
                  name.c_str(), threads, warmup.ElapsedSeconds());
      const std::vector<PatternCount> reference = std::move(warm).value();
      std::vector<double> seconds;
      for (int trial = 1; trial <= config.trials; ++trial) {
        Timer run;
        SYSKIT_ASSIGN_OR_RETURN(std::vector<PatternCount> counts,
                                RunSyskit(graph, patterns, threads));
        seconds.push_back(run.ElapsedSeconds());
        std::printf("bench=%s dataset=%s impl=syskit threads=%d trial=%d seconds=%.4f counts=%s\n",
                    bench.c_str(), name.c_str(), threads, trial, seconds.back(),
                    Summary(counts).c_str());
        std::fflush(stdout);
      }
      const double ours = bench::Median(seconds);
      std::printf("bench=%s dataset=%s impl=syskit threads=%d stat=median trials=%d seconds=%.4f\n",
                  bench.c_str(), name.c_str(), threads, config.trials, ours);
      std::fflush(stdout);
      if (config.separate && patterns.size() > 1 && bench != "3-motifs" && bench != "4-motifs") {
        // The same compiled plans run one pattern at a time (no shared
        // prefixes): the ablation of the plan tree.
        std::vector<double> separate_seconds;
        for (int trial = 1; trial <= config.trials; ++trial) {
          Timer run;
          SYSKIT_ASSIGN_OR_RETURN(std::vector<PatternCount> counts,
                                  RunSyskit(graph, patterns, threads, /*share_prefixes=*/false));
          separate_seconds.push_back(run.ElapsedSeconds());
          std::printf(
              "bench=%s dataset=%s impl=separate threads=%d trial=%d seconds=%.4f "
              "counts_match=%s\n",
              bench.c_str(), name.c_str(), threads, trial, separate_seconds.back(),
              Summary(counts) == Summary(reference) ? "yes" : "NO");
          std::fflush(stdout);
        }
        const double separate = bench::Median(separate_seconds);
        std::printf(
            "bench=%s dataset=%s impl=separate threads=%d stat=median trials=%d seconds=%.4f "
            "speedup_tree_vs_separate=%.2f\n",
            bench.c_str(), name.c_str(), threads, config.trials, separate, separate / ours);
        std::fflush(stdout);
      }
      if (!config.baseline) continue;
      std::vector<double> naive_seconds;
      bool timed_out = false;
      for (int trial = 1; trial <= config.baseline_trials && !timed_out; ++trial) {
        std::atomic<bool> cancel{false};
        Timer run;
        Result<std::vector<PatternCount>> counts = [&] {
          Watchdog watchdog(&cancel, config.baseline_timeout);
          return RunNaive(graph, naive_plans, threads, &cancel);
        }();
        if (!counts.ok() && cancel.load()) {
          timed_out = true;
          std::printf(
              "bench=%s dataset=%s impl=naive threads=%d trial=%d status=timeout "
              "seconds=>%.0f\n",
              bench.c_str(), name.c_str(), threads, trial, config.baseline_timeout);
          break;
        }
        if (!counts.ok()) return counts.status();
        naive_seconds.push_back(run.ElapsedSeconds());
        const bool same = Summary(*counts) == Summary(reference);
        std::printf(
            "bench=%s dataset=%s impl=naive threads=%d trial=%d seconds=%.4f "
            "counts_match=%s\n",
            bench.c_str(), name.c_str(), threads, trial, naive_seconds.back(), same ? "yes" : "NO");
        std::fflush(stdout);
      }
      if (timed_out) {
        std::printf("bench=%s dataset=%s threads=%d speedup_vs_naive=>%.1f (naive timed out)\n",
                    bench.c_str(), name.c_str(), threads, config.baseline_timeout / ours);
        continue;
      }
      const double naive = bench::Median(naive_seconds);
      std::printf(
          "bench=%s dataset=%s impl=naive threads=%d stat=median trials=%d "
          "seconds=%.4f\n",
          bench.c_str(), name.c_str(), threads, config.baseline_trials, naive);
      std::printf("bench=%s dataset=%s threads=%d speedup_vs_naive=%.2f\n", bench.c_str(),
                  name.c_str(), threads, naive / ours);
      std::fflush(stdout);
    }
  }
  return Status::OK();
}

}  // namespace
}  // namespace syskit::mine

int main(int argc, char** argv) {
  using namespace syskit;
  using namespace syskit::mine;
  Config config;
  auto app = flags::NewApp(kTool, "Pattern-mining kernel time against a naive schedule");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->add_option("--benchmarks", config.benchmarks, "comma-separated --pattern specs")
      ->delimiter(',');
  app->add_option("--datasets", config.datasets, "comma-separated bundled graph names")
      ->delimiter(',');
  app->add_option("--threads", config.threads, "comma-separated thread counts")->delimiter(',');
  app->add_option("--trials", config.trials, "measured trials (median reported)")
      ->check(CLI::PositiveNumber);
  app->add_option("--baseline_trials", config.baseline_trials, "measured trials of the naive run")
      ->check(CLI::PositiveNumber);
  app->add_option("--baseline", config.baseline, "run the naive schedule too");
  app->add_option("--separate", config.separate,
                  "for several patterns (not 3-/4-motifs), also time one plan per pattern "
                  "against the shared-prefix plan tree");
  app->add_option("--baseline_timeout", config.baseline_timeout,
                  "seconds after which a naive run is stopped and reported as timeout")
      ->check(CLI::PositiveNumber);
  app->add_option("--syskit_timeout", config.syskit_timeout,
                  "seconds after which the syskit warm-up run is stopped; the row is then "
                  "reported as status=timeout without trials")
      ->check(CLI::PositiveNumber);
  app->add_option("--data_dir", config.data_dir, "bundled data directory");
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (Status status = FindDataDir(config.data_dir, &config.data_dir); !status.ok()) {
    return flags::ReportError(kTool, status);
  }
  std::string threads;
  for (int t : config.threads) threads += (threads.empty() ? "" : ",") + std::to_string(t);
  char details[320];
  std::snprintf(details, sizeof(details),
                "threads=%s trials=%d baseline_trials=%d baseline_timeout=%.0f "
                "syskit_timeout=%.0f seed=none(deterministic)",
                threads.c_str(), config.trials, config.baseline_trials, config.baseline_timeout,
                config.syskit_timeout);
  bench::PrintHeader(kTool, details);
  for (const std::string& dataset : config.datasets) {
    if (Status status = RunDataset(config, dataset); !status.ok()) {
      return flags::ReportError(kTool, status);
    }
  }
  return flags::kExitOk;
}
