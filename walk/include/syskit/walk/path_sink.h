// Where walk paths go. The engine hands each batch's paths to a PathSink in
// walker-id order, one call per walk, from a single thread.
//
// Sinks:
//   DiscardSink       --output=none; wants_paths() is false, so the engine
//                     does not even record paths (only counts steps)
//   CallbackSink      calls a user function per walk (library users)
//   text writer       one walk per line, original vertex ids, space separated
//   binary writer     the format below
//
// Binary walk format (little-endian, version 1):
//   header  8 bytes  magic "SKWALK01"
//   per walk: uint32 n (number of vertices, >= 1), then n uint64 original ids
//   The file ends after the last walk (no trailer); walks are in walker order.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "syskit/core/env.h"
#include "syskit/core/result.h"
#include "syskit/graph/graph.h"

namespace syskit::walk {

class PathSink {
 public:
  virtual ~PathSink() = default;
  // False: the engine skips recording paths; Write is never called.
  virtual bool wants_paths() const { return true; }
  // One finished walk of walker `walker_id`: dense vertex ids, start first.
  virtual Status Write(uint64_t walker_id, std::span<const graph::VertexId> path) = 0;
  // Called once after the last walk; writers flush and close here.
  virtual Status Finish() { return Status::OK(); }
};

class DiscardSink final : public PathSink {
 public:
  bool wants_paths() const override { return false; }
  Status Write(uint64_t, std::span<const graph::VertexId>) override { return Status::OK(); }
};

class CallbackSink final : public PathSink {
 public:
  using Callback = std::function<Status(uint64_t walker_id, std::span<const graph::VertexId>)>;
  explicit CallbackSink(Callback callback) : callback_(std::move(callback)) {}
  Status Write(uint64_t walker_id, std::span<const graph::VertexId> path) override {
    return callback_(walker_id, path);
  }

 private:
  Callback callback_;
};

enum class PathFormat { kText, kBinary };

// Opens a writer for `path` that maps dense ids to `g`'s original ids. `g`
// and `env` must outlive the sink. IOError/NotFound from the Env.
Result<std::unique_ptr<PathSink>> OpenPathWriter(Env* env, const graph::Graph& g,
                                                 const std::string& path, PathFormat format);

inline constexpr char kBinaryWalkMagic[9] = "SKWALK01";

// Readers for tests and tools: every walk, original ids. Corruption for a
// bad magic or truncated record; InvalidArgument for a malformed text line.
Result<std::vector<std::vector<uint64_t>>> ReadBinaryWalks(Env* env, const std::string& path);
Result<std::vector<std::vector<uint64_t>>> ReadTextWalks(Env* env, const std::string& path);

}  // namespace syskit::walk
