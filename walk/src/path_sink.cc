// Path writers and readers: text (one walk per line, original ids) and the
// binary walk format documented in path_sink.h. Writers buffer about 1 MiB
// and append through core::Env, so a walk set larger than memory streams to
// disk batch by batch.
#include "syskit/walk/path_sink.h"

#include <fmt/format.h>

#include <cstring>

namespace syskit::walk {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

class WriterSink final : public PathSink {
 public:
  WriterSink(const graph::Graph& g, std::unique_ptr<WritableFile> file, PathFormat format)
      : graph_(g), file_(std::move(file)), format_(format) {
    buffer_.reserve(kFlushBytes + 4096);
    if (format_ == PathFormat::kBinary) buffer_.append(kBinaryWalkMagic, 8);
  }

  Status Write(uint64_t /*walker_id*/, std::span<const graph::VertexId> path) override {
    if (format_ == PathFormat::kText) {
      for (size_t i = 0; i < path.size(); ++i) {
        if (i) buffer_.push_back(' ');
        fmt::format_int id(graph_.original_id(path[i]));
        buffer_.append(id.data(), id.size());
      }
      buffer_.push_back('\n');
    } else {
      const auto n = static_cast<uint32_t>(path.size());
      AppendRaw(&n, sizeof(n));
      for (graph::VertexId v : path) {
        const uint64_t id = graph_.original_id(v);
        AppendRaw(&id, sizeof(id));
      }
    }
    if (buffer_.size() >= kFlushBytes) return Flush();
    return Status::OK();
  }

  Status Finish() override {
    SYSKIT_RETURN_IF_ERROR(Flush());
    return file_->Close();
  }

 private:
  // The format is little-endian; so is every platform syskit builds on.
  void AppendRaw(const void* data, size_t size) {
    buffer_.append(static_cast<const char*>(data), size);
  }
  Status Flush() {
    if (buffer_.empty()) return Status::OK();
    Status status = file_->Append(buffer_);
    buffer_.clear();
    return status;
  }

  const graph::Graph& graph_;
  std::unique_ptr<WritableFile> file_;
  PathFormat format_;
  std::string buffer_;
};

}  // namespace

Result<std::unique_ptr<PathSink>> OpenPathWriter(Env* env, const graph::Graph& g,
                                                 const std::string& path, PathFormat format) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path));
  return std::unique_ptr<PathSink>(std::make_unique<WriterSink>(g, std::move(file), format));
}

Result<std::vector<std::vector<uint64_t>>> ReadBinaryWalks(Env* env, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->MapFile(path));
  const std::string_view data = file->data();
  if (data.size() < 8 || std::memcmp(data.data(), kBinaryWalkMagic, 8) != 0) {
    return CorruptionError(path + ": not a binary walk file (bad magic)");
  }
  std::vector<std::vector<uint64_t>> walks;
  size_t pos = 8;
  while (pos < data.size()) {
    uint32_t n;
    if (data.size() - pos < sizeof(n)) {
      return CorruptionError(path + ": truncated walk header at byte " + std::to_string(pos));
    }
    std::memcpy(&n, data.data() + pos, sizeof(n));
    pos += sizeof(n);
    if (n == 0 || (data.size() - pos) / sizeof(uint64_t) < n) {
      return CorruptionError(path + ": walk " + std::to_string(walks.size()) + " of " +
                             std::to_string(n) + " vertices is truncated or empty");
    }
    std::vector<uint64_t> walk(n);
    std::memcpy(walk.data(), data.data() + pos, n * sizeof(uint64_t));
    pos += n * sizeof(uint64_t);
    walks.push_back(std::move(walk));
  }
  return walks;
}

Result<std::vector<std::vector<uint64_t>>> ReadTextWalks(Env* env, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->MapFile(path));
  const std::string_view data = file->data();
  std::vector<std::vector<uint64_t>> walks;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t end = data.find('\n', pos);
    if (end == std::string_view::npos) end = data.size();
    std::vector<uint64_t> walk;
    uint64_t value = 0;
    bool in_number = false;
    for (size_t i = pos; i < end; ++i) {
      const char c = data[i];
      if (c >= '0' && c <= '9') {
        value = value * 10 + static_cast<uint64_t>(c - '0');
        in_number = true;
      } else if (c == ' ' && in_number) {
        walk.push_back(value);
        value = 0;
        in_number = false;
      } else {
        return InvalidArgumentError(path + ": walk " + std::to_string(walks.size() + 1) +
                                    ": unexpected character '" + std::string(1, c) + "'");
      }
    }
    if (in_number) walk.push_back(value);
    walks.push_back(std::move(walk));
    pos = end + 1;
  }
  return walks;
}

}  // namespace syskit::walk
