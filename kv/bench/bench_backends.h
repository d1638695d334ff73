// kv_bench's stores under test: syskit, RocksDB and LevelDB behind one
// interface, opened with comparable options, optionally on an emulated
// device (every file of the database charged to it; see emulated_device.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"
#include "syskit/kv/db.h"
#include "syskit/kv/emulated_device.h"

namespace syskit::kv::bench_driver {

struct Config {
  size_t block_cache_bytes = 0;
  int bloom_bits = 10;
  size_t write_buffer_bytes = 8 << 20;
  CompressionType compression = CompressionType::kNone;  // the same codec for every backend
  // Emulated devices: files under `dir/subdir` ("" = the whole database
  // directory) are charged to the device; the first matching entry wins.
  std::vector<std::pair<std::string, EmulatedDevice*>> placement;
  // RocksDB only: db_paths = {dir/fast up to this many bytes, dir/slow}
  // (0 = one path). WAL and manifest stay in dir.
  uint64_t fast_path_bytes = 0;
  // syskit only: the PrismDB two-tier store (kv::TieringOptions) with a fast
  // tier of this many bytes in dir/fast (0 = one tier).
  uint64_t fast_tier_bytes = 0;
  bool popularity = true;  // false: the recency-only ablation
  double pin_threshold = 0.7;
  size_t tracker_keys = 0;  // CLOCK capacity (0 = the store's default)
};

// `placement` as absolute directory prefixes for DeviceEnv and the wrappers.
std::vector<std::pair<std::string, EmulatedDevice*>> DevicePrefixes(const std::string& dir,
                                                                    const Config& config);

// One key-value store under test.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual Status Open(const std::string& dir, const Config& config) = 0;
  virtual Status Put(std::string_view key, std::string_view value) = 0;
  // OK, NotFound, or an error.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  // Reads up to `count` entries from `start`; returns how many it read.
  virtual Result<int> Scan(std::string_view start, int count) = 0;
  // Engine statistics (stalls, compactions) for --print_stats; may be empty.
  virtual std::string Stats() { return ""; }
  // The tiered store's "kv.tier-stats" line; empty for other stores.
  virtual std::string TierStats() { return ""; }
  virtual void Close() = 0;
};

// "syskit", "rocksdb" or "leveldb"; InvalidArgument for other names,
// FailedPrecondition when the library was not found at build time.
Result<std::unique_ptr<Backend>> MakeBackend(const std::string& name);

}  // namespace syskit::kv::bench_driver
