// `syskit mine count|plan`: count (or list) pattern matches in a graph, and
// print the compiled schedule of a pattern.
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "syskit/core/env.h"
#include "syskit/core/flags.h"
#include "syskit/core/parallel.h"
#include "syskit/core/timer.h"
#include "syskit/graph/io.h"
#include "syskit/graph/load_flags.h"
#include "syskit/mine/executor.h"
#include "syskit/mine/pattern.h"
#include "syskit/mine/plan.h"

namespace syskit::mine::tools {
namespace {

constexpr const char* kTool = "syskit mine";

const std::map<std::string, Induced> kInduced = {{"vertex", Induced::kVertex},
                                                 {"edge", Induced::kEdge}};

// Buffers embedding lines per thread and appends them to the file in
// blocks, so listing threads rarely contend.
class EmbeddingWriter {
 public:
  EmbeddingWriter(WritableFile* file, int threads) : file_(file), buffers_(threads) {}

  void Add(int thread, const std::string& prefix, const graph::Graph& graph,
           std::span<const graph::VertexId> match) {
    std::string& buffer = buffers_[thread];
    buffer += prefix;
    for (size_t u = 0; u < match.size(); ++u) {
      if (u) buffer += ' ';
      buffer += std::to_string(graph.original_id(match[u]));
    }
    buffer += '\n';
    if (buffer.size() > (1 << 20)) Flush(thread);
  }

  void Flush(int thread) {
    std::lock_guard<std::mutex> lock(mu_);
    if (status_.ok()) status_ = file_->Append(buffers_[thread]);
    buffers_[thread].clear();
  }

  Status Finish() {
    for (size_t t = 0; t < buffers_.size(); ++t) Flush(static_cast<int>(t));
    return status_;
  }

 private:
  WritableFile* file_;
  std::vector<std::string> buffers_;
  std::mutex mu_;
  Status status_;
};

int RunCount(const std::string& graph_path, const std::string& spec, Induced induced,
             const std::string& list_path, const std::string& labels_path, graph::LoadOptions load,
             bool quiet) {
  Result<std::vector<Pattern>> patterns = ResolvePatterns(spec);
  if (!patterns.ok()) return flags::ReportUsageError(kTool, patterns.status().message());
  if (labels_path.empty()) {
    for (const Pattern& pattern : *patterns) {
      if (pattern.labelled()) {
        return flags::ReportUsageError(kTool, "pattern \"" + pattern.name() +
                                                  "\" has vertex labels but the graph has none "
                                                  "(pass --labels=FILE)");
      }
    }
  }
  Timer timer;
  Result<graph::Graph> input = graph::LoadGraph(Env::Default(), graph_path, load);
  if (!input.ok()) return flags::ReportError(kTool, input.status());
  const double load_seconds = timer.ElapsedSeconds();
  std::vector<uint32_t> labels;
  if (!labels_path.empty()) {
    Result<std::vector<uint32_t>> loaded = LoadLabels(labels_path, *input);
    if (!loaded.ok()) return flags::ReportUsageError(kTool, loaded.status().message());
    labels = std::move(loaded).value();
  }
  timer.Restart();
  Result<MiningGraph> mining = MiningGraph::Prepare(*input, std::move(labels), load.threads);
  if (!mining.ok()) return flags::ReportUsageError(kTool, mining.status().message());
  const double prepare_seconds = timer.ElapsedSeconds();
  const int threads = load.threads > 0 ? load.threads : DefaultThreadCount();
  timer.Restart();
  std::vector<PatternCount> counts;
  if (list_path.empty()) {
    CountOptions options;
    options.induced = induced;
    options.mine.threads = threads;
    Result<std::vector<PatternCount>> result = CountPatterns(*mining, *patterns, options);
    if (!result.ok()) return flags::ReportError(kTool, result.status());
    counts = std::move(result).value();
  } else {
    Result<std::unique_ptr<WritableFile>> file = Env::Default()->NewWritableFile(list_path);
    if (!file.ok()) return flags::ReportError(kTool, file.status());
    EmbeddingWriter writer(file->get(), threads);
    for (const Pattern& pattern : *patterns) {
      CompileOptions compile;
      compile.induced = induced;
      compile.stats = mining->stats();
      Result<Plan> plan = Compile(pattern, compile);
      if (!plan.ok()) return flags::ReportError(kTool, plan.status());
      const std::string prefix = patterns->size() > 1 ? pattern.name() + "\t" : "";
      MineOptions options;
      options.threads = threads;
      Result<uint64_t> count =
          ListPlan(*mining, *plan, options, [&](int thread, std::span<const graph::VertexId> m) {
            writer.Add(thread, prefix, mining->graph(), m);
          });
      if (!count.ok()) return flags::ReportError(kTool, count.status());
      counts.push_back({pattern.name(), *count});
    }
    Status status = writer.Finish();
    if (status.ok()) status = (*file)->Close();
    if (!status.ok()) return flags::ReportError(kTool, status);
  }
  const double count_seconds = timer.ElapsedSeconds();
  for (const PatternCount& count : counts) {
    std::printf("%s\t%llu\n", count.name.c_str(), static_cast<unsigned long long>(count.count));
  }
  std::fflush(stdout);
  if (!quiet) {
    std::fprintf(stderr,
                 "mine: graph=%s vertices=%u edges=%llu patterns=%zu induced=%s threads=%d "
                 "load_seconds=%.3f prepare_seconds=%.3f count_seconds=%.3f\n",
                 graph_path.c_str(), mining->graph().num_vertices(),
                 static_cast<unsigned long long>(mining->graph().num_edges()), counts.size(),
                 induced == Induced::kVertex ? "vertex" : "edge", threads, load_seconds,
                 prepare_seconds, count_seconds);
  }
  return flags::kExitOk;
}

int RunPlan(const std::string& graph_path, const std::string& spec, Induced induced,
            graph::LoadOptions load) {
  Result<std::vector<Pattern>> patterns = ResolvePatterns(spec);
  if (!patterns.ok()) return flags::ReportUsageError(kTool, patterns.status().message());
  CompileOptions compile;
  compile.induced = induced;
  if (!graph_path.empty()) {
    Result<graph::Graph> input = graph::LoadGraph(Env::Default(), graph_path, load);
    if (!input.ok()) return flags::ReportError(kTool, input.status());
    compile.stats = GraphStats::Of(*input);
    std::printf("# cost model: n=%.0f average_degree=%.2f neighbour_degree=%.2f (from %s)\n",
                compile.stats.vertices, compile.stats.average_degree,
                compile.stats.neighbour_degree, graph_path.c_str());
  } else {
    std::printf("# cost model: default statistics n=%.0f average_degree=%.2f (pass --graph)\n",
                compile.stats.vertices, compile.stats.average_degree);
  }
  for (const Pattern& pattern : *patterns) {
    Timer timer;
    Result<Plan> plan = Compile(pattern, compile);
    if (!plan.ok()) return flags::ReportUsageError(kTool, plan.status().message());
    std::printf("%s", plan->ToString().c_str());
    std::printf("# compile_seconds=%.6f\n", timer.ElapsedSeconds());
  }
  return flags::kExitOk;
}

}  // namespace

int MineMain(int argc, const char* const* argv) {
  auto app = flags::NewApp(kTool, "AutoMine graph pattern mining: count, list and plan");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->require_subcommand(1);

  std::string count_graph, count_pattern, list_path, labels_path;
  Induced count_induced = Induced::kVertex;
  graph::LoadOptions count_load;
  CLI::App* count = app->add_subcommand(
      "count", "count pattern matches; prints name<TAB>count per pattern on stdout");
  count->add_option("--graph", count_graph, "graph file (text edge list or .skg)")->required();
  count
      ->add_option("--pattern", count_pattern,
                   "comma-separated pattern names (triangle, 4-clique, 5-cycle, 3-star, "
                   "diamond, house, ...), K-motifs (K = 3, 4, 5) or pattern files")
      ->required();
  count->add_option("--induced", count_induced, "vertex or edge")
      ->transform(CLI::CheckedTransformer(kInduced))
      ->default_str("vertex");
  count->add_option("--list", list_path, "also write every embedding to FILE, one per line")
      ->default_str("");
  count->add_option("--labels", labels_path, "vertex labels file, `vertex label` per line")
      ->default_str("");
  graph::AddLoadFlags(*count, &count_load);

  std::string plan_graph, plan_pattern;
  Induced plan_induced = Induced::kVertex;
  graph::LoadOptions plan_load;
  CLI::App* plan = app->add_subcommand(
      "plan", "print the compiled schedule of each pattern as pseudo-code with its cost");
  plan->add_option("--pattern", plan_pattern, "pattern names, K-motifs or pattern files")
      ->required();
  plan->add_option("--graph", plan_graph, "graph whose statistics feed the cost model")
      ->default_str("");
  plan->add_option("--induced", plan_induced, "vertex or edge")
      ->transform(CLI::CheckedTransformer(kInduced))
      ->default_str("vertex");
  graph::AddLoadFlags(*plan, &plan_load);

  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (count->parsed()) {
    return RunCount(count_graph, count_pattern, count_induced, list_path, labels_path, count_load,
                    common.quiet);
  }
  return RunPlan(plan_graph, plan_pattern, plan_induced, plan_load);
}

}  // namespace syskit::mine::tools
