// The syskit binary graph format (.skg), for fast reloads.
//
// Layout (little-endian; every section starts on a 64-byte boundary so a
// mapped file can be used in place):
//
//   header, 128 bytes:
//     0   char[8]  magic "SKGRAPH\0"
//     8   u32      version (1)
//     12  u32      flags: bit0 directed, bit1 weighted, bit2 typed
//     16  u64      num_vertices
//     24  u64      num_arcs
//     32  u64      build stats: input_edges
//     40  u64      build stats: self_loops
//     48  u64      build stats: duplicate_edges
//     56  u64[5]   checksums (XXH3-64) of the five sections below, in order
//     96  u64      total file size
//     104 u64[2]   reserved, zero
//     120 u64      XXH3-64 of bytes 0..119
//   sections, each padded to 64 bytes:
//     offsets      u64[num_vertices + 1]
//     targets      u32[num_arcs]
//     weights      f32[num_arcs]      (present iff weighted, else 0 bytes)
//     types        u32[num_arcs]      (present iff typed, else 0 bytes)
//     original_ids u64[num_vertices]
//
// Any damage is a Corruption error: a bad magic, version, header checksum,
// size, section checksum, or a structural violation (Graph::Validate).
#pragma once

#include <cstdint>
#include <string>

#include "syskit/core/env.h"
#include "syskit/core/result.h"
#include "syskit/graph/graph.h"

namespace syskit::graph {

inline constexpr char kBinaryMagic[8] = {'S', 'K', 'G', 'R', 'A', 'P', 'H', '\0'};
inline constexpr uint32_t kBinaryVersion = 1;
inline constexpr size_t kBinaryHeaderSize = 128;

// Writes `graph` to `path` atomically (temporary file, sync, rename).
Status SaveBinary(Env* env, const Graph& graph, const std::string& path);

// Maps `path` and returns a Graph viewing the mapping (no copy). The header
// and the structure (Graph::Validate) are always checked; with
// `verify_checksums` every section is also hashed (a pass at memory speed).
Result<Graph> LoadBinary(Env* env, const std::string& path, bool verify_checksums = true);

}  // namespace syskit::graph
