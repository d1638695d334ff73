// A discrete-time SIMULATION of Taiji over one day (no fleet: every figure
// it produces is simulated). Five regions with diurnal load (peak at 20:00
// local time, +-40 %, 3 % noise per edge and epoch), four edges per region,
// ten DCs at real-world sites with a 5x capacity spread, RTT from
// great-circle distance (100 km per ms + 2 ms), utilization linear in load
// with 0.5 % measurement noise, 5-minute epochs through the Runtime (last
// known good table kept on a rejected epoch), and connection-aware routing:
// a hierarchical-SBM friendship graph partitioned into a bucket tree, Stable
// Segment Assignment at level L against per-bucket assignment (L = H), and
// requests that read friends' objects through a per-DC LRU cache whose
// misses are backend queries.
//
// Scenarios: day (stateless, then the same day with sticky sessions),
// drain (one DC drained for six hours, then restored), scale (demand grows
// 1.0x -> 1.45x over the day, past the capacity near the end: the runtime
// rejects infeasible epochs and keeps the last good table).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/route/model.h"

namespace syskit::route {

struct SimOptions {
  std::string scenario = "day";  // day | drain | scale
  int epochs = 288;              // 5-minute epochs (288 = one day)
  int warmup_epochs = 12;        // excluded from the summary statistics
  uint64_t seed = 1;
  int32_t users = 20000;
  int height = 14;  // H
  int level = 7;    // L
  int requests_per_epoch = 4000;
  int friends_per_request = 4;
  double cache_share = 0.08;    // LRU capacity per DC, as a share of all users
  double session_minutes = 30;  // sticky run: mean session lifetime
  Policy policy;                // the runtime's policy
  bool sticky_run = true;       // day scenario: also run with sticky sessions
  // L: reassign segments from last epoch's configuration (ReassignSegments)
  // instead of the paper's walk from scratch. Moves fewer buckets but, in
  // this model, loses some locality (README). The baseline (L = H) is
  // always the stateless per-bucket walk.
  bool incremental_segments = false;
};

struct SimEpoch {
  int epoch = 0;
  double total_load = 0;
  std::vector<double> utilization;    // per DC (measured)
  double divergence_max = 0;          // max over non-drained DCs of |u - mean| / mean
  double latency_ms = 0;              // load-weighted average RTT
  double latency_lower_bound_ms = 0;  // closest-DC RTT, load-weighted
  double locality = 0;                // friend reads served in the reader's DC, L
  double baseline_locality = 0;       // the same with L = H
  int64_t backend_queries = 0;        // cache misses, L
  int64_t baseline_backend_queries = 0;
  int64_t buckets_moved = 0;  // vs the previous epoch, all edges, L
  int64_t baseline_buckets_moved = 0;
  int64_t buckets_needed = 0;      // sum |df| / 2 * 2^H over edges: any assignment's minimum
  int64_t hash_buckets_moved = 0;  // weighted per-bucket hashing of the same tables
  bool rejected = false;           // the runtime kept the last good table
};

struct SimResult {
  std::vector<std::string> dc_names;
  std::vector<SimEpoch> epochs;
  std::vector<SimEpoch> sticky_epochs;  // day scenario with sticky_run
  // Summary (after warm-up).
  double divergence_p80 = 0;  // 80th percentile over (DC, epoch) samples
  double divergence_p80_sticky = -1;
  double latency_gap_ms_avg = 0;
  double latency_gap_ms_max = 0;
  double locality = 0, baseline_locality = 0;
  double backend_load_reduction = 0;            // 1 - misses(L) / misses(L = H)
  double buckets_moved_per_epoch = 0;           // all edges, L (after warm-up)
  double baseline_buckets_moved_per_epoch = 0;  // L = H walk from scratch
  double buckets_needed_per_epoch = 0;
  double hash_buckets_moved_per_epoch = 0;
  double users_one_dc_per_hour = 0;  // share of user-hours seeing one DC (L)
  double users_le2_dc_per_hour = 0;
  int64_t rejected_epochs = 0;
  double solve_seconds_avg = 0;
  double partition_seconds = 0;
  std::vector<double> cut_by_level;
};

// InvalidArgument for an unknown scenario or bad sizes.
Result<SimResult> RunSimulation(const SimOptions& options);

// Writes epochs.csv, utilization.csv (and the sticky variants), and SVG plots
// utilization.svg, latency_gap.svg, locality.svg into `dir` (created).
Status WriteSimulationOutputs(const SimResult& result, const std::string& dir);

// The summary as key=value lines, first line "# simulated: ...".
std::string FormatSummary(const SimResult& result, const SimOptions& options);

}  // namespace syskit::route
