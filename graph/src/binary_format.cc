// The .skg binary graph format: a checksummed header and 64-byte aligned
// sections that a mapped file serves in place (no parse, no copy). Integrity:
// XXH3-64 per section plus a header checksum; structure: Graph::Validate, so a
// file that passes never makes an accessor read out of bounds.
#include "syskit/graph/binary_format.h"

#include <xxhash.h>

#include <bit>
#include <cstring>
#include <limits>
#include <string>

namespace syskit::graph {
namespace {

static_assert(std::endian::native == std::endian::little, "the .skg format is little-endian");

constexpr uint32_t kFlagDirected = 1u << 0;
constexpr uint32_t kFlagWeighted = 1u << 1;
constexpr uint32_t kFlagTyped = 1u << 2;
constexpr uint32_t kKnownFlags = kFlagDirected | kFlagWeighted | kFlagTyped;
constexpr uint64_t kAlign = 64;
constexpr int kSections = 5;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t flags;
  uint64_t num_vertices;
  uint64_t num_arcs;
  uint64_t input_edges;
  uint64_t self_loops;
  uint64_t duplicate_edges;
  uint64_t section_checksums[kSections];
  uint64_t file_size;
  uint64_t reserved[2];
  uint64_t header_checksum;
};
static_assert(sizeof(Header) == kBinaryHeaderSize);
static_assert(offsetof(Header, header_checksum) == 120);

uint64_t AlignUp(uint64_t x) { return (x + kAlign - 1) / kAlign * kAlign; }

// Byte sizes of the five sections for the given counts and flags.
struct Layout {
  uint64_t size[kSections];
  uint64_t offset[kSections];
  uint64_t file_size;
};

// Returns false on arithmetic overflow (only possible for a damaged header).
bool ComputeLayout(uint64_t n, uint64_t arcs, uint32_t flags, Layout* layout) {
  if (n > std::numeric_limits<VertexId>::max() || arcs > (uint64_t{1} << 56)) return false;
  layout->size[0] = (n + 1) * sizeof(EdgeIndex);
  layout->size[1] = arcs * sizeof(VertexId);
  layout->size[2] = (flags & kFlagWeighted) ? arcs * sizeof(float) : 0;
  layout->size[3] = (flags & kFlagTyped) ? arcs * sizeof(EdgeType) : 0;
  layout->size[4] = n * sizeof(OriginalId);
  uint64_t at = kBinaryHeaderSize;
  for (int s = 0; s < kSections; ++s) {
    layout->offset[s] = at;
    at = AlignUp(at + layout->size[s]);
  }
  layout->file_size = at;
  return true;
}

std::string_view Bytes(const void* data, uint64_t size) {
  return {static_cast<const char*>(data), size};
}

}  // namespace

Status SaveBinary(Env* env, const Graph& graph, const std::string& path) {
  uint32_t flags = 0;
  if (graph.directed()) flags |= kFlagDirected;
  if (graph.weighted()) flags |= kFlagWeighted;
  if (graph.typed()) flags |= kFlagTyped;
  Layout layout;
  if (!ComputeLayout(graph.num_vertices(), graph.num_arcs(), flags, &layout)) {
    return InvalidArgumentError(path + ": graph too large for the binary format");
  }
  const std::string_view sections[kSections] = {
      Bytes(graph.offsets().data(), layout.size[0]),
      Bytes(graph.targets().data(), layout.size[1]),
      Bytes(graph.all_weights().data(), layout.size[2]),
      Bytes(graph.all_types().data(), layout.size[3]),
      Bytes(graph.original_ids().data(), layout.size[4]),
  };
  Header header{};
  std::memcpy(header.magic, kBinaryMagic, sizeof(header.magic));
  header.version = kBinaryVersion;
  header.flags = flags;
  header.num_vertices = graph.num_vertices();
  header.num_arcs = graph.num_arcs();
  header.input_edges = graph.build_stats().input_edges;
  header.self_loops = graph.build_stats().self_loops;
  header.duplicate_edges = graph.build_stats().duplicate_edges;
  for (int s = 0; s < kSections; ++s) {
    header.section_checksums[s] = XXH3_64bits(sections[s].data(), sections[s].size());
  }
  header.file_size = layout.file_size;
  header.header_checksum = XXH3_64bits(&header, offsetof(Header, header_checksum));

  const std::string tmp = path + ".tmp";
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp));
  SYSKIT_RETURN_IF_ERROR(file->Append(Bytes(&header, sizeof(header))));
  static const char kZeros[kAlign] = {};
  uint64_t written = sizeof(header);
  for (int s = 0; s < kSections; ++s) {
    SYSKIT_RETURN_IF_ERROR(file->Append(std::string_view(kZeros, layout.offset[s] - written)));
    SYSKIT_RETURN_IF_ERROR(file->Append(sections[s]));
    written = layout.offset[s] + layout.size[s];
  }
  SYSKIT_RETURN_IF_ERROR(file->Append(std::string_view(kZeros, layout.file_size - written)));
  SYSKIT_RETURN_IF_ERROR(file->Sync());
  SYSKIT_RETURN_IF_ERROR(file->Close());
  SYSKIT_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  const size_t slash = path.rfind('/');
  return env->SyncDir(slash == std::string::npos ? "." : path.substr(0, slash + 1));
}

Result<Graph> LoadBinary(Env* env, const std::string& path, bool verify_checksums) {
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<MappedFile> mapped, env->MapFile(path));
  const std::string_view data = mapped->data();
  if (data.size() < sizeof(Header)) {
    return CorruptionError(path + ": truncated binary graph (" + std::to_string(data.size()) +
                           " bytes, header needs " + std::to_string(sizeof(Header)) + ")");
  }
  Header header;
  std::memcpy(&header, data.data(), sizeof(header));
  if (std::memcmp(header.magic, kBinaryMagic, sizeof(header.magic)) != 0) {
    return CorruptionError(path + ": not a syskit binary graph (bad magic)");
  }
  if (header.header_checksum != XXH3_64bits(&header, offsetof(Header, header_checksum))) {
    return CorruptionError(path + ": header checksum mismatch");
  }
  if (header.version != kBinaryVersion) {
    return CorruptionError(path + ": unsupported binary graph version " +
                           std::to_string(header.version) + ", expected " +
                           std::to_string(kBinaryVersion));
  }
  if ((header.flags & ~kKnownFlags) != 0) {
    return CorruptionError(path + ": unknown flags " + std::to_string(header.flags));
  }
  Layout layout;
  if (!ComputeLayout(header.num_vertices, header.num_arcs, header.flags, &layout) ||
      layout.file_size != header.file_size) {
    return CorruptionError(path + ": header sizes are inconsistent");
  }
  if (data.size() != layout.file_size) {
    return CorruptionError(path + ": truncated binary graph (" + std::to_string(data.size()) +
                           " bytes, expected " + std::to_string(layout.file_size) + ")");
  }
  static const char* const kSectionNames[kSections] = {"offsets", "targets", "weights", "types",
                                                       "original ids"};
  if (verify_checksums) {
    for (int s = 0; s < kSections; ++s) {
      if (XXH3_64bits(data.data() + layout.offset[s], layout.size[s]) !=
          header.section_checksums[s]) {
        return CorruptionError(path + ": checksum mismatch in section " + kSectionNames[s]);
      }
    }
  }
  auto section = [&]<typename T>(int s, T*) {
    return std::span<const T>(reinterpret_cast<const T*>(data.data() + layout.offset[s]),
                              layout.size[s] / sizeof(T));
  };
  BuildStats stats{header.input_edges, header.self_loops, header.duplicate_edges};
  std::shared_ptr<const MappedFile> keepalive(std::move(mapped));
  Result<Graph> graph = Graph::FromViews(
      section(0, static_cast<EdgeIndex*>(nullptr)), section(1, static_cast<VertexId*>(nullptr)),
      section(2, static_cast<float*>(nullptr)), section(3, static_cast<EdgeType*>(nullptr)),
      section(4, static_cast<OriginalId*>(nullptr)), (header.flags & kFlagDirected) != 0, stats,
      keepalive);
  if (!graph.ok()) return graph.status().WithContext(path);
  return graph;
}

}  // namespace syskit::graph
