// kv_bench's emulated tiers: see bench_tiers.h.
#include "bench_tiers.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>

namespace syskit::kv::bench_driver {

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Status ParseTiers(const std::string& flag, const std::string& config_path,
                  std::vector<Tier>* tiers) {
  std::vector<DeviceSpec> configured;
  if (!config_path.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), config_path));
    auto parsed = ParseDeviceConfig(text);
    if (!parsed.ok()) return InvalidArgumentError(config_path + ": " + parsed.status().message());
    configured = *parsed;
  }
  for (const std::string& item : Split(flag)) {
    Tier tier;
    std::string name = item;
    if (const size_t colon = item.find(':'); colon != std::string::npos) {
      name = item.substr(0, colon);
      try {
        size_t used = 0;
        tier.share = std::stod(item.substr(colon + 1), &used);
        if (used != item.size() - colon - 1) throw std::invalid_argument("trailing");
      } catch (const std::exception&) {
        return InvalidArgumentError("--tiers: bad share in '" + item + "'");
      }
      if (!(tier.share > 0 && tier.share < 1)) {
        return InvalidArgumentError("--tiers: share must be in (0, 1) in '" + item + "'");
      }
    }
    auto found = std::find_if(configured.begin(), configured.end(),
                              [&](const DeviceSpec& d) { return d.name == name; });
    if (found != configured.end()) {
      tier.spec = *found;
    } else {
      SYSKIT_ASSIGN_OR_RETURN(tier.spec, DevicePreset(name));
    }
    for (const Tier& other : *tiers) {
      if (other.spec.name == name) return InvalidArgumentError("--tiers: " + name + " twice");
    }
    tiers->push_back(tier);
  }
  return Status::OK();
}

// "syskit" (with two or more tiers: the PrismDB store, fast tier on the
// first, slow on the last), "syskit-nopop" (the same, placement by recency
// only), "rocksdb-qlc" (all files on tier qlc), "rocksdb-dbpaths" (RocksDB
// db_paths: fast path on the first tier up to its share, slow path on the
// last; WAL and manifest on the first).
Result<Plan> PlanBackend(const std::string& name, const std::vector<Tier>& tiers) {
  Plan plan;
  const size_t dash = name.find('-');
  plan.engine = name.substr(0, dash);
  const std::string where = dash == std::string::npos ? "" : name.substr(dash + 1);
  if (plan.engine == "syskit" && (where.empty() || where == "nopop") && tiers.size() >= 2) {
    if (tiers.front().share <= 0)
      return InvalidArgumentError(name + " needs --tiers=FAST:SHARE,SLOW");
    plan.tiered = true;
    plan.popularity = where.empty();
    plan.placement = {{"fast", 0}, {"", tiers.size() - 1}};
    return plan;
  }
  if (where == "nopop") return InvalidArgumentError(name + " needs --tiers=FAST:SHARE,SLOW");
  if (dash == std::string::npos) return plan;
  if (where == "dbpaths") {
    if (plan.engine != "rocksdb") return InvalidArgumentError(name + ": db_paths is RocksDB's");
    if (tiers.size() < 2 || tiers.front().share <= 0) {
      return InvalidArgumentError(name + " needs --tiers=FAST:SHARE,SLOW");
    }
    plan.dbpaths = true;
    plan.placement = {{"slow", tiers.size() - 1}, {"", 0}};
    return plan;
  }
  for (size_t i = 0; i < tiers.size(); ++i) {
    if (tiers[i].spec.name == where) {
      plan.placement = {{"", i}};
      return plan;
    }
  }
  return InvalidArgumentError(name + ": no tier '" + where + "' in --tiers");
}

// The value of `name=` in a line of space-separated key=value fields ("" if absent).
std::string FieldOf(const std::string& line, const std::string& name) {
  const std::string needle = name + "=";
  size_t at = line.rfind(' ' + needle) != std::string::npos
                  ? line.rfind(' ' + needle) + 1
                  : (line.rfind(needle, 0) == 0 ? 0 : std::string::npos);
  if (at == std::string::npos) return "";
  at += needle.size();
  return line.substr(at, line.find(' ', at) - at);
}

// Per-backend device traffic: bytes and pages each way, read queueing, and
// the endurance the writes would cost at this rate.
void PrintDeviceStats(const std::string& backend, const EmulatedDevice& device, double seconds) {
  const DeviceStats st = device.stats();
  std::printf("device backend=%s name=%s emulated=1 seconds=%.1f bytes_read=%" PRIu64
              " bytes_written=%" PRIu64 " pages_read=%" PRIu64 " pages_written=%" PRIu64
              " read_wait_us_avg=%.1f read_queue_us_avg=%.1f drive_writes_per_day=%.1f "
              "endurance_use=%.2f (1.0 = wears out at the rated %g DWPD)\n",
              backend.c_str(), device.spec().name.c_str(), seconds, st.bytes_read, st.bytes_written,
              st.pages_read, st.pages_written,
              st.reads ? st.read_wait_ns / 1e3 / static_cast<double>(st.reads) : 0.0,
              st.reads ? st.read_queue_ns / 1e3 / static_cast<double>(st.reads) : 0.0,
              device.DriveWritesPerDay(seconds), device.EnduranceUse(seconds),
              device.spec().rated_dwpd);
}

}  // namespace syskit::kv::bench_driver
