// kv_bench's emulated tiers: the --tiers flag, how each --backends entry is
// placed on the tiers, and the per-device statistics lines.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"
#include "syskit/kv/emulated_device.h"

namespace syskit::kv::bench_driver {

// Comma-separated items, empty ones dropped.
std::vector<std::string> Split(const std::string& text);

// An emulated tier from --tiers: its device model and, for the first tier,
// its share of the data (the fast path of rocksdb-dbpaths, the fast tier of
// the tiered syskit store).
struct Tier {
  DeviceSpec spec;
  double share = 0;
};

// Parses --tiers (e.g. "optane:0.11,qlc"; names are presets or sections of
// the --device_config file). InvalidArgument for a bad flag.
Status ParseTiers(const std::string& flag, const std::string& config_path,
                  std::vector<Tier>* tiers);

// How a --backends entry runs: engine, and which tier holds which files.
struct Plan {
  std::string engine;
  std::vector<std::pair<std::string, size_t>> placement;  // subdir ("" = all), tier index
  bool dbpaths = false;
  bool tiered = false;  // syskit's two-tier store (fast tier = first, slow = last)
  bool popularity = true;
};

// "syskit" (with two or more tiers: the PrismDB store, fast tier on the
// first, slow on the last), "syskit-nopop" (the same, placement by recency
// only), "rocksdb-qlc" (all files on tier qlc), "rocksdb-dbpaths" (RocksDB
// db_paths: fast path on the first tier up to its share, slow path on the
// last; WAL and manifest on the first).
Result<Plan> PlanBackend(const std::string& name, const std::vector<Tier>& tiers);

// The value of `name=` in a line of space-separated key=value fields ("" if absent).
std::string FieldOf(const std::string& line, const std::string& name);

// Per-backend device traffic: bytes and pages each way, read queueing, and
// the endurance the writes would cost at this rate.
void PrintDeviceStats(const std::string& backend, const EmulatedDevice& device, double seconds);

}  // namespace syskit::kv::bench_driver
