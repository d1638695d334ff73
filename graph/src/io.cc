// Graph loading front door: sniffs the binary magic, otherwise maps the text
// file and runs the parallel parser and the CSR builder.
#include "syskit/graph/io.h"

#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "syskit/graph/binary_format.h"

namespace syskit::graph {
namespace {

Status CheckBinaryMatches(const Graph& graph, const LoadOptions& options, const std::string& path) {
  if (graph.directed() != options.directed) {
    return InvalidArgumentError(
        path + ": binary graph is " + (graph.directed() ? "directed" : "undirected") +
        " but was loaded as " + (options.directed ? "directed" : "undirected"));
  }
  if (options.weighted && !graph.weighted()) {
    return InvalidArgumentError(path + ": binary graph has no edge weights");
  }
  if (options.typed && !graph.typed()) {
    return InvalidArgumentError(path + ": binary graph has no edge types");
  }
  return Status::OK();
}

}  // namespace

Result<bool> IsBinaryGraphFile(Env* env, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  char magic[sizeof(kBinaryMagic)];
  SYSKIT_ASSIGN_OR_RETURN(size_t read, file->ReadAt(0, magic));
  return read == sizeof(magic) && std::memcmp(magic, kBinaryMagic, sizeof(magic)) == 0;
}

Result<Graph> LoadGraph(Env* env, const std::string& path, const LoadOptions& options) {
  SYSKIT_ASSIGN_OR_RETURN(bool binary, IsBinaryGraphFile(env, path));
  if (binary) {
    SYSKIT_ASSIGN_OR_RETURN(Graph graph, LoadBinary(env, path, options.verify_checksums));
    SYSKIT_RETURN_IF_ERROR(CheckBinaryMatches(graph, options, path));
    return graph;
  }
  SYSKIT_ASSIGN_OR_RETURN(auto mapped, env->MapFile(path));
  ParseOptions parse;
  parse.weighted = options.weighted;
  parse.typed = options.typed;
  parse.threads = options.threads;
  parse.progress = options.progress;
  SYSKIT_ASSIGN_OR_RETURN(EdgeList edges, ParseEdgeListText(mapped->data(), path, parse));
  mapped.reset();
  BuildOptions build;
  build.directed = options.directed;
  build.self_loops = options.self_loops;
  build.duplicates = options.duplicates;
  build.threads = options.threads;
  return BuildGraph(std::move(edges), build);
}

namespace {

// Buffers `u v [w] [t]` lines and appends them to a file in 1 MiB pieces.
class EdgeLineWriter {
 public:
  explicit EdgeLineWriter(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {
    buffer_.reserve(kFlushBytes + 128);
  }

  Status Add(uint64_t u, uint64_t v, const float* weight, const EdgeType* type) {
    AppendUint(u);
    buffer_.push_back(' ');
    AppendUint(v);
    if (weight != nullptr) {
      char text[32];
      int len = std::snprintf(text, sizeof(text), " %.9g", static_cast<double>(*weight));
      buffer_.append(text, len);
    }
    if (type != nullptr) {
      buffer_.push_back(' ');
      AppendUint(*type);
    }
    buffer_.push_back('\n');
    if (buffer_.size() < kFlushBytes) return Status::OK();
    Status status = file_->Append(buffer_);
    buffer_.clear();
    return status;
  }

  Status Finish() {
    SYSKIT_RETURN_IF_ERROR(file_->Append(buffer_));
    SYSKIT_RETURN_IF_ERROR(file_->Sync());
    return file_->Close();
  }

 private:
  static constexpr size_t kFlushBytes = 1 << 20;

  void AppendUint(uint64_t x) {
    char digits[24];
    char* end = digits + sizeof(digits);
    char* p = end;
    do {
      *--p = static_cast<char>('0' + x % 10);
      x /= 10;
    } while (x != 0);
    buffer_.append(p, end);
  }

  std::unique_ptr<WritableFile> file_;
  std::string buffer_;
};

}  // namespace

Status SaveText(Env* env, const Graph& graph, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path));
  EdgeLineWriter writer(std::move(file));
  for (VertexId u = 0; u < graph.num_vertices(); ++u) {
    auto targets = graph.neighbors(u);
    auto weights = graph.weights(u);
    auto types = graph.types(u);
    for (size_t i = 0; i < targets.size(); ++i) {
      const VertexId v = targets[i];
      if (!graph.directed() && v < u) continue;  // written from the other end
      SYSKIT_RETURN_IF_ERROR(writer.Add(graph.original_id(u), graph.original_id(v),
                                        weights.empty() ? nullptr : &weights[i],
                                        types.empty() ? nullptr : &types[i]));
    }
  }
  return writer.Finish();
}

Status SaveEdgeListText(Env* env, const EdgeList& edges, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path));
  EdgeLineWriter writer(std::move(file));
  for (size_t e = 0; e < edges.size(); ++e) {
    SYSKIT_RETURN_IF_ERROR(writer.Add(edges.sources[e], edges.targets[e],
                                      edges.weights.empty() ? nullptr : &edges.weights[e],
                                      edges.types.empty() ? nullptr : &edges.types[e]));
  }
  return writer.Finish();
}

}  // namespace syskit::graph
