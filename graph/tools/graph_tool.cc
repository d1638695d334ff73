// `syskit graph info|convert|generate`: inspect, convert and synthesise
// graphs from the command line.
#include <cstdio>
#include <map>
#include <string>

#include "syskit/core/flags.h"
#include "syskit/core/progress.h"
#include "syskit/core/timer.h"
#include "syskit/graph/binary_format.h"
#include "syskit/graph/generators.h"
#include "syskit/graph/io.h"
#include "syskit/graph/load_flags.h"

namespace syskit::graph::tools {
namespace {

constexpr const char* kTool = "syskit graph";

enum class FileFormat { kAuto, kText, kBinary };

const std::map<std::string, FileFormat> kFormats = {
    {"auto", FileFormat::kAuto}, {"text", FileFormat::kText}, {"binary", FileFormat::kBinary}};

bool WantsBinary(FileFormat format, const std::string& path) {
  if (format != FileFormat::kAuto) return format == FileFormat::kBinary;
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".skg") == 0;
}

Status Save(const Graph& graph, const std::string& path, FileFormat format) {
  return WantsBinary(format, path) ? SaveBinary(Env::Default(), graph, path)
                                   : SaveText(Env::Default(), graph, path);
}

void PrintInfo(const std::string& path, bool binary, const Graph& graph) {
  const BuildStats& stats = graph.build_stats();
  std::printf("file=%s\n", path.c_str());
  std::printf("format=%s\n", binary ? "binary" : "text");
  std::printf("directed=%s\n", graph.directed() ? "true" : "false");
  std::printf("weighted=%s\n", graph.weighted() ? "true" : "false");
  std::printf("typed=%s\n", graph.typed() ? "true" : "false");
  std::printf("vertices=%u\n", graph.num_vertices());
  std::printf("edges=%lu\n", static_cast<unsigned long>(graph.num_edges()));
  std::printf("arcs=%lu\n", static_cast<unsigned long>(graph.num_arcs()));
  std::printf("input_edges=%lu\n", static_cast<unsigned long>(stats.input_edges));
  std::printf("self_loops=%lu\n", static_cast<unsigned long>(stats.self_loops));
  std::printf("stored_self_loops=%lu\n", static_cast<unsigned long>(graph.num_self_loops()));
  std::printf("duplicate_edges=%lu\n", static_cast<unsigned long>(stats.duplicate_edges));
  std::printf("max_degree=%u\n", graph.max_degree());
  double avg = graph.num_vertices() == 0
                   ? 0.0
                   : static_cast<double>(graph.num_arcs()) / graph.num_vertices();
  std::printf("avg_degree=%.4f\n", avg);
}

}  // namespace

int GraphMain(int argc, const char* const* argv) {
  auto app = flags::NewApp(kTool, "Load, inspect, convert and generate graphs");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->require_subcommand(1);

  // info
  std::string info_path;
  LoadOptions info_load;
  CLI::App* info = app->add_subcommand(
      "info", "print key=value facts about a graph file (text edge list or .skg)");
  info->add_option("file", info_path, "graph file")->required();
  AddLoadFlags(*info, &info_load);

  // convert
  std::string convert_in, convert_out;
  LoadOptions convert_load;
  FileFormat convert_to = FileFormat::kAuto;
  CLI::App* convert =
      app->add_subcommand("convert", "convert between text edge lists and the .skg binary format");
  convert->add_option("input", convert_in, "input graph file")->required();
  convert->add_option("output", convert_out, "output file")->required();
  convert->add_option("--to", convert_to, "output format: auto (.skg = binary), text, binary")
      ->transform(CLI::CheckedTransformer(kFormats))
      ->default_str("auto");
  AddLoadFlags(*convert, &convert_load);

  // generate
  std::string model = "rmat";
  RmatOptions rmat;
  ErdosRenyiOptions er;
  uint64_t seed = 1;
  int threads = 0;
  std::string generate_out;
  FileFormat generate_format = FileFormat::kAuto;
  bool generate_raw = false;
  CLI::App* generate = app->add_subcommand("generate", "write a seeded synthetic graph");
  generate->add_option("--model", model, "rmat (Graph500 R-MAT/Kronecker) or er (Erdős–Rényi)")
      ->check(CLI::IsMember({"rmat", "er"}));
  generate->add_option("--scale", rmat.scale, "rmat: 2^scale vertices")->check(CLI::Range(1, 31));
  generate->add_option("--edge_factor", rmat.edge_factor, "rmat: edge records per vertex")
      ->check(CLI::PositiveNumber);
  generate->add_option("--a", rmat.a, "rmat: quadrant probability a")->check(CLI::Range(0.0, 1.0));
  generate->add_option("--b", rmat.b, "rmat: quadrant probability b")->check(CLI::Range(0.0, 1.0));
  generate->add_option("--c", rmat.c, "rmat: quadrant probability c")->check(CLI::Range(0.0, 1.0));
  generate->add_option("--vertices", er.num_vertices, "er: number of vertices");
  generate->add_option("--edges", er.num_edges, "er: number of edge records");
  generate->add_option("--seed", seed, "random seed");
  generate->add_option("--threads", threads, "generator and builder threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  generate->add_option("--output", generate_out, "output file (.skg = binary)")->required();
  generate->add_option("--format", generate_format, "output format: auto, text, binary")
      ->transform(CLI::CheckedTransformer(kFormats))
      ->default_str("auto");
  generate->add_flag("--raw", generate_raw,
                     "write the generator's records as drawn (text only): generation order, "
                     "repeats and self-loops kept, no CSR build");

  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;

  Env* env = Env::Default();
  if (info->parsed()) {
    Timer timer;
    Result<bool> binary = IsBinaryGraphFile(env, info_path);
    if (!binary.ok()) return flags::ReportError(kTool, binary.status());
    Progress progress("parsing " + info_path, env->GetFileSize(info_path).value_or(0),
                      ProgressOptions{.quiet = common.quiet});
    info_load.progress = &progress;
    Result<Graph> graph = LoadGraph(env, info_path, info_load);
    progress.Finish();
    if (!graph.ok()) return flags::ReportError(kTool, graph.status());
    PrintInfo(info_path, *binary, *graph);
    if (!common.quiet) std::fprintf(stderr, "load_seconds=%.3f\n", timer.ElapsedSeconds());
    return flags::kExitOk;
  }
  if (convert->parsed()) {
    Timer timer;
    Progress progress("parsing " + convert_in, env->GetFileSize(convert_in).value_or(0),
                      ProgressOptions{.quiet = common.quiet});
    convert_load.progress = &progress;
    Result<Graph> graph = LoadGraph(env, convert_in, convert_load);
    progress.Finish();
    if (!graph.ok()) return flags::ReportError(kTool, graph.status());
    double load_seconds = timer.ElapsedSeconds();
    timer.Restart();
    if (Status status = Save(*graph, convert_out, convert_to); !status.ok()) {
      return flags::ReportError(kTool, status);
    }
    if (!common.quiet) {
      std::fprintf(stderr,
                   "converted %s -> %s (%s): vertices=%u edges=%lu load_seconds=%.3f "
                   "save_seconds=%.3f\n",
                   convert_in.c_str(), convert_out.c_str(),
                   WantsBinary(convert_to, convert_out) ? "binary" : "text", graph->num_vertices(),
                   static_cast<unsigned long>(graph->num_edges()), load_seconds,
                   timer.ElapsedSeconds());
    }
    return flags::kExitOk;
  }
  // generate
  Timer timer;
  rmat.seed = er.seed = seed;
  rmat.threads = er.threads = threads;
  Result<EdgeList> edges = model == "rmat" ? GenerateRmat(rmat) : GenerateErdosRenyi(er);
  if (!edges.ok()) return flags::ReportError(kTool, edges.status());
  if (generate_raw) {
    if (WantsBinary(generate_format, generate_out)) {
      return flags::ReportUsageError(kTool, "--raw writes text only; the .skg format holds CSR");
    }
    if (Status status = SaveEdgeListText(env, *edges, generate_out); !status.ok()) {
      return flags::ReportError(kTool, status);
    }
    if (!common.quiet) {
      std::fprintf(stderr, "generated %s model=%s seed=%lu records=%zu seconds=%.3f\n",
                   generate_out.c_str(), model.c_str(), static_cast<unsigned long>(seed),
                   edges->size(), timer.ElapsedSeconds());
    }
    return flags::kExitOk;
  }
  BuildOptions build;
  build.threads = threads;
  Result<Graph> graph = BuildGraph(std::move(edges).value(), build);
  if (!graph.ok()) return flags::ReportError(kTool, graph.status());
  if (Status status = Save(*graph, generate_out, generate_format); !status.ok()) {
    return flags::ReportError(kTool, status);
  }
  if (!common.quiet) {
    std::fprintf(stderr, "generated %s model=%s seed=%lu vertices=%u edges=%lu seconds=%.3f\n",
                 generate_out.c_str(), model.c_str(), static_cast<unsigned long>(seed),
                 graph->num_vertices(), static_cast<unsigned long>(graph->num_edges()),
                 timer.ElapsedSeconds());
  }
  return flags::kExitOk;
}

}  // namespace syskit::graph::tools
