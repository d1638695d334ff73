// `syskit mine count|plan`: count (or list) pattern matches in a graph, and
// print the compiled schedule of a pattern.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "syskit/core/env.h"
#include "syskit/core/flags.h"
#include "syskit/core/parallel.h"
#include "syskit/core/timer.h"
#include "syskit/graph/io.h"
#include "syskit/graph/load_flags.h"
#include "syskit/mine/executor.h"
#include "syskit/mine/fsm.h"
#include "syskit/mine/mpi_session.h"
#include "syskit/mine/pattern.h"
#include "syskit/mine/plan.h"
#include "syskit/mine/plan_tree.h"

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

// The MPI side of a count: rank and size, and the rule that an error every
// rank sees alike is printed by rank 0 only (all ranks exit with its code).
struct Ranks {
  std::unique_ptr<MpiSession> mpi;
  int rank = 0;
  int size = 1;

  int UsageError(const std::string& message) const {
    if (rank != 0) return flags::kExitUsageError;
    return flags::ReportUsageError(kTool, message);
  }
  int Error(const Status& status) const {
    if (rank != 0) return flags::kExitRuntimeError;
    return flags::ReportError(kTool, status);
  }
};

// Rank 0 appends every rank's part file to `list_path` in rank order and
// deletes the parts (all parts are closed: the ranks have passed the
// all-gather that follows listing).
Status MergeListParts(const std::string& list_path, int ranks) {
  Env* env = Env::Default();
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> out, env->NewWritableFile(list_path));
  for (int r = 0; r < ranks; ++r) {
    const std::string part = list_path + ".rank" + std::to_string(r);
    SYSKIT_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(part));
    if (size > 0) {
      SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapped, env->MapFile(part));
      SYSKIT_RETURN_IF_ERROR(out->Append(mapped->data()));
    }
    SYSKIT_RETURN_IF_ERROR(env->DeleteFile(part));
  }
  return out->Close();
}

// Lists every embedding of this rank's share into `path`; returns the
// partial counts (same layout as CountPatternsPartial without formulas).
Result<PartialCounts> ListPartial(const MiningGraph& mining, const std::vector<Pattern>& patterns,
                                  Induced induced, const MineOptions& options,
                                  const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                          Env::Default()->NewWritableFile(path));
  EmbeddingWriter writer(file.get(), options.threads);
  PartialCounts partial;
  partial.words.push_back(patterns.size());
  for (const Pattern& pattern : patterns) {
    CompileOptions compile;
    compile.induced = induced;
    compile.stats = mining.stats();
    SYSKIT_ASSIGN_OR_RETURN(Plan plan, Compile(pattern, compile));
    const std::string prefix = patterns.size() > 1 ? pattern.name() + "\t" : "";
    SYSKIT_ASSIGN_OR_RETURN(
        uint64_t count,
        ListPlan(mining, plan, options, [&](int thread, std::span<const graph::VertexId> m) {
          writer.Add(thread, prefix, mining.graph(), m);
        }));
    partial.words.push_back(count);
  }
  SYSKIT_RETURN_IF_ERROR(writer.Finish());
  SYSKIT_RETURN_IF_ERROR(file->Close());
  return partial;
}

int RunCount(const std::string& graph_path, const std::string& spec, Induced induced,
             const std::string& list_path, const std::string& labels_path, graph::LoadOptions load,
             bool quiet) {
  // Under mpirun: every rank loads the graph and counts its share of the
  // outer loop; the partial counts are all-gathered and summed (checked).
  Ranks ranks;
  if (LaunchedUnderMpi()) {
    Result<std::unique_ptr<MpiSession>> session = MpiSession::Start();
    if (!session.ok()) {
      const char* rank = std::getenv("OMPI_COMM_WORLD_RANK");
      if (rank != nullptr && std::string(rank) != "0") return flags::kExitRuntimeError;
      return flags::ReportError(kTool, session.status());
    }
    ranks.mpi = std::move(session).value();
    ranks.rank = ranks.mpi->rank();
    ranks.size = ranks.mpi->size();
  }
  Result<std::vector<Pattern>> patterns = ResolvePatterns(spec);
  if (!patterns.ok()) return ranks.UsageError(patterns.status().message());
  if (labels_path.empty()) {
    for (const Pattern& pattern : *patterns) {
      if (pattern.labelled()) {
        return ranks.UsageError("pattern \"" + pattern.name() +
                                "\" has vertex labels but the graph has none "
                                "(pass --labels=FILE)");
      }
    }
  }
  Timer timer;
  Result<graph::Graph> input = graph::LoadGraph(Env::Default(), graph_path, load);
  if (!input.ok()) return ranks.Error(input.status());
  const double load_seconds = timer.ElapsedSeconds();
  std::vector<uint32_t> labels;
  if (!labels_path.empty()) {
    Result<std::vector<uint32_t>> loaded = LoadLabels(labels_path, *input);
    if (!loaded.ok()) return ranks.UsageError(loaded.status().message());
    labels = std::move(loaded).value();
  }
  timer.Restart();
  Result<MiningGraph> mining = MiningGraph::Prepare(*input, std::move(labels), load.threads);
  if (!mining.ok()) return ranks.UsageError(mining.status().message());
  const double prepare_seconds = timer.ElapsedSeconds();
  const int threads = load.threads > 0 ? load.threads : DefaultThreadCount();
  timer.Restart();
  CountOptions options;
  options.induced = induced;
  options.mine.threads = threads;
  options.mine.rank = ranks.rank;
  options.mine.ranks = ranks.size;
  Result<PartialCounts> partial =
      list_path.empty()
          ? CountPatternsPartial(*mining, *patterns, options)
          : ListPartial(
                *mining, *patterns, induced, options.mine,
                ranks.size == 1 ? list_path : list_path + ".rank" + std::to_string(ranks.rank));
  if (!list_path.empty()) options.motif_formulas = false;  // listing ran one plan per pattern
  std::vector<PartialCounts> parts;
  if (ranks.mpi == nullptr) {
    if (!partial.ok()) return flags::ReportError(kTool, partial.status());
    parts.push_back(std::move(partial).value());
  } else {
    // words[0] = 1 marks a rank that failed; it prints its own error.
    std::vector<uint64_t> words = {partial.ok() ? 0u : 1u};
    if (partial.ok()) words.insert(words.end(), partial->words.begin(), partial->words.end());
    Result<std::vector<std::vector<uint64_t>>> gathered = ranks.mpi->AllGather(words);
    if (!gathered.ok()) {
      flags::ReportError(kTool, gathered.status());
      ranks.mpi->Abort(flags::kExitRuntimeError);
    }
    if (!partial.ok()) {
      return flags::ReportError(kTool, InternalError("rank " + std::to_string(ranks.rank) + ": " +
                                                     partial.status().message()));
    }
    for (int r = 0; r < ranks.size; ++r) {
      const std::vector<uint64_t>& rank_words = (*gathered)[r];
      if (rank_words.empty() || rank_words[0] != 0) return flags::kExitRuntimeError;
      parts.push_back(PartialCounts{{rank_words.begin() + 1, rank_words.end()}});
    }
    if (ranks.rank != 0) return flags::kExitOk;
    if (!list_path.empty()) {
      if (Status status = MergeListParts(list_path, ranks.size); !status.ok()) {
        return flags::ReportError(kTool, status);
      }
    }
  }
  Result<std::vector<PatternCount>> counts = CombinePartialCounts(*patterns, options, parts);
  if (!counts.ok()) return flags::ReportError(kTool, counts.status());
  const double count_seconds = timer.ElapsedSeconds();
  for (const PatternCount& count : *counts) {
    std::printf("%s\t%llu\n", count.name.c_str(), static_cast<unsigned long long>(count.count));
  }
  std::fflush(stdout);
  if (!quiet) {
    std::fprintf(stderr,
                 "mine: graph=%s vertices=%u edges=%llu patterns=%zu induced=%s threads=%d "
                 "ranks=%d load_seconds=%.3f prepare_seconds=%.3f count_seconds=%.3f\n",
                 graph_path.c_str(), mining->graph().num_vertices(),
                 static_cast<unsigned long long>(mining->graph().num_edges()), counts->size(),
                 induced == Induced::kVertex ? "vertex" : "edge", threads, ranks.size, load_seconds,
                 prepare_seconds, count_seconds);
  }
  return flags::kExitOk;
}

int RunFsm(const std::string& graph_path, const std::string& labels_path, uint64_t support,
           int max_edges, graph::LoadOptions load, bool quiet) {
  if (LaunchedUnderMpi()) {
    return flags::ReportUsageError(kTool, "mine fsm runs in one process; start it without mpirun");
  }
  if (support < 1) return flags::ReportUsageError(kTool, "--support must be at least 1, got 0");
  if (max_edges < 1 || max_edges > kMaxFsmEdges) {
    return flags::ReportUsageError(kTool, "--max_edges must be in 1.." +
                                              std::to_string(kMaxFsmEdges) + ", got " +
                                              std::to_string(max_edges));
  }
  Timer timer;
  Result<graph::Graph> input = graph::LoadGraph(Env::Default(), graph_path, load);
  if (!input.ok()) return flags::ReportError(kTool, input.status());
  Result<std::vector<uint32_t>> labels = LoadLabels(labels_path, *input);
  if (!labels.ok()) return flags::ReportUsageError(kTool, labels.status().message());
  Result<MiningGraph> mining =
      MiningGraph::Prepare(*input, std::move(labels).value(), load.threads);
  if (!mining.ok()) return flags::ReportUsageError(kTool, mining.status().message());
  const double load_seconds = timer.ElapsedSeconds();
  timer.Restart();
  FsmOptions options;
  options.support = support;
  options.max_edges = max_edges;
  options.mine.threads = load.threads;
  Result<std::vector<FrequentPattern>> frequent = MineFrequentSubgraphs(*mining, options);
  if (!frequent.ok()) return flags::ReportError(kTool, frequent.status());
  for (const FrequentPattern& entry : *frequent) {
    std::printf("%s\t%llu\n", entry.pattern.name().c_str(),
                static_cast<unsigned long long>(entry.support));
  }
  std::fflush(stdout);
  if (!quiet) {
    std::fprintf(stderr,
                 "mine fsm: graph=%s labels=%s support=%llu max_edges=%d frequent_patterns=%zu "
                 "load_seconds=%.3f mine_seconds=%.3f\n",
                 graph_path.c_str(), labels_path.c_str(), static_cast<unsigned long long>(support),
                 max_edges, frequent->size(), load_seconds, timer.ElapsedSeconds());
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
  if (patterns->size() > 1 && std::none_of(patterns->begin(), patterns->end(),
                                           [](const Pattern& p) { return p.labelled(); })) {
    // Several unlabelled patterns run as one merged tree (`count` does the
    // same unless the 3-/4-motif formulas apply).
    Timer timer;
    TreeCompileOptions tree_options;
    tree_options.compile = compile;
    Result<PlanTree> tree = CompilePlanTree(*patterns, tree_options);
    if (!tree.ok()) return flags::ReportUsageError(kTool, tree.status().message());
    std::printf("%s", tree->ToString().c_str());
    std::printf("# compile_seconds=%.6f\n", timer.ElapsedSeconds());
    return flags::kExitOk;
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
  auto app = flags::NewApp(
      kTool, "AutoMine graph pattern mining: count, list, plan and frequent subgraphs");
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

  std::string fsm_graph, fsm_labels;
  uint64_t fsm_support = 1;
  int fsm_max_edges = kMaxFsmEdges;
  graph::LoadOptions fsm_load;
  CLI::App* fsm = app->add_subcommand(
      "fsm",
      "frequent subgraph mining with MNI support on a labelled graph; prints "
      "pattern<TAB>support per frequent pattern, pattern as `vertex(label)-vertex(label) ...`");
  fsm->add_option("--graph", fsm_graph, "graph file (text edge list or .skg)")->required();
  fsm->add_option("--labels", fsm_labels, "vertex labels file, `vertex label` per line")
      ->required();
  fsm->add_option("--support", fsm_support, "minimum MNI support (>= 1)")->required();
  fsm->add_option("--max_edges", fsm_max_edges, "largest pattern in edges (1..3)")
      ->default_val(kMaxFsmEdges);
  graph::AddLoadFlags(*fsm, &fsm_load);

  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;
  if (fsm->parsed()) {
    return RunFsm(fsm_graph, fsm_labels, fsm_support, fsm_max_edges, fsm_load, common.quiet);
  }
  if (count->parsed()) {
    return RunCount(count_graph, count_pattern, count_induced, list_path, labels_path, count_load,
                    common.quiet);
  }
  return RunPlan(plan_graph, plan_pattern, plan_induced, plan_load);
}

}  // namespace syskit::mine::tools
