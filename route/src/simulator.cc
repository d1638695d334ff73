// The Taiji day SIMULATION (see simulator.h). Everything here is a model:
// diurnal demand, linear utilization, great-circle RTT, an SBM friendship
// graph and LRU caches stand in for the production fleet of the paper.
#include "syskit/route/simulator.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <filesystem>
#include <numbers>

#include "svg_plot.h"
#include "syskit/core/env.h"
#include "syskit/core/random.h"
#include "syskit/core/timer.h"
#include "syskit/route/bucket_tree.h"
#include "syskit/route/instances.h"
#include "syskit/route/segment_assignment.h"
#include "syskit/route/social_graph.h"
#include "syskit/route/solver.h"

namespace syskit::route {
namespace {

struct Region {
  const char* name;
  double lat, lon, utc_offset, weight;
};
constexpr Region kRegions[] = {
    {"na-east", 40, -75, -5, 0.25},        {"na-west", 37, -120, -8, 0.15},
    {"europe", 50, 10, 1, 0.25},           {"asia", 25, 115, 8, 0.25},
    {"south-america", -20, -50, -3, 0.10},
};
constexpr int kEdgesPerRegion = 4;

struct Site {
  const char* name;
  double lat, lon, capacity;  // relative capacity: a 5x spread
};
constexpr Site kSites[] = {
    {"oregon", 45.6, -121.2, 3.0},    {"virginia", 38.9, -77.5, 5.0},  {"iowa", 41.3, -95.9, 4.0},
    {"texas", 32.8, -96.8, 2.0},      {"ireland", 53.3, -6.3, 3.0},    {"sweden", 65.6, 22.1, 1.0},
    {"denmark", 55.4, 10.4, 2.0},     {"singapore", 1.35, 103.8, 2.5}, {"tokyo", 35.7, 139.7, 1.5},
    {"sao-paulo", -23.5, -46.6, 1.0},
};

// Fixed-capacity LRU over user ids (the objects friends read).
class LruCache {
 public:
  LruCache(int32_t universe, int64_t capacity)
      : capacity_(std::max<int64_t>(1, capacity)),
        prev_(universe, -1),
        next_(universe, -1),
        present_(universe, 0) {}

  // True on a hit; a miss inserts the object, evicting the least recent.
  bool Access(int32_t key) {
    if (present_[key]) {
      Unlink(key);
      PushFront(key);
      return true;
    }
    present_[key] = 1;
    PushFront(key);
    if (++size_ > capacity_) {
      const int32_t victim = tail_;
      Unlink(victim);
      present_[victim] = 0;
      --size_;
    }
    return false;
  }

 private:
  void Unlink(int32_t key) {
    if (prev_[key] >= 0)
      next_[prev_[key]] = next_[key];
    else
      head_ = next_[key];
    if (next_[key] >= 0)
      prev_[next_[key]] = prev_[key];
    else
      tail_ = prev_[key];
    prev_[key] = next_[key] = -1;
  }
  void PushFront(int32_t key) {
    prev_[key] = -1;
    next_[key] = head_;
    if (head_ >= 0) prev_[head_] = key;
    head_ = key;
    if (tail_ < 0) tail_ = key;
  }
  int64_t capacity_, size_ = 0;
  int32_t head_ = -1, tail_ = -1;
  std::vector<int32_t> prev_, next_;
  std::vector<uint8_t> present_;
};

struct World {
  State state;  // loads and utilization filled per epoch
  std::vector<int> edge_region;
  std::vector<double> edge_share;  // share of its region's demand
};

World MakeWorld(uint64_t seed) {
  Random rng(seed, 0xed6e);
  World world;
  for (const Site& site : kSites) world.state.dcs.push_back({site.name, site.capacity, 0, false});
  int region_index = 0;
  for (const Region& region : kRegions) {
    std::vector<double> shares(kEdgesPerRegion);
    double sum = 0;
    for (double& s : shares) sum += (s = 0.7 + 0.6 * rng.NextDouble());
    for (int k = 0; k < kEdgesPerRegion; ++k) {
      const double lat = region.lat + 12 * (rng.NextDouble() - 0.5);
      const double lon = region.lon + 16 * (rng.NextDouble() - 0.5);
      world.state.edges.push_back({fmt::format("{}-{}", region.name, k), 0, 0});
      std::vector<double> latency;
      for (const Site& site : kSites) latency.push_back(RttMs(lat, lon, site.lat, site.lon));
      world.state.latency_ms.push_back(latency);
      world.edge_region.push_back(region_index);
      world.edge_share.push_back(shares[k] / sum);
    }
    ++region_index;
  }
  return world;
}

// Demand of a region at `hour` (UTC): peak at 20:00 local time.
double RegionDemand(const Region& region, double hour) {
  const double local = hour + region.utc_offset;
  return region.weight * (0.6 + 0.4 * std::cos(2 * std::numbers::pi * (local - 20) / 24));
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

struct RunOutput {
  std::vector<SimEpoch> epochs;
  double solve_seconds = 0;
  double one_dc = 0, le2_dc = 0;
  double partition_seconds = 0;
  std::vector<double> cut_by_level;
};

Result<RunOutput> RunOnce(const SimOptions& options, bool sticky, bool with_locality) {
  World world = MakeWorld(options.seed);
  State& state = world.state;
  const int num_edges = state.num_edges(), num_dcs = state.num_dcs();
  Random rng(options.seed, sticky ? 2 : 1);
  // Capacity: 1.25x the peak of the unscaled day's total demand.
  double peak = 0;
  for (int epoch = 0; epoch < 288; ++epoch) {
    double total = 0;
    for (const Region& region : kRegions) total += RegionDemand(region, epoch / 12.0);
    peak = std::max(peak, total);
  }
  const double kDemandUnit = 100000;  // requests per second at weight 1
  double capacity_sum = 0;
  for (const Site& site : kSites) capacity_sum += site.capacity;
  for (int d = 0; d < num_dcs; ++d) {
    state.dcs[d].capacity = kSites[d].capacity / capacity_sum * 1.25 * peak * kDemandUnit;
  }
  const double sticky_share = sticky ? std::exp(-5.0 / options.session_minutes) : 0.0;
  const int drained_dc = 0;  // oregon
  const int drain_begin = 96, drain_end = 168;

  auto demand_multiplier = [&](int epoch) {
    return options.scenario == "scale" ? 1.0 + 0.45 * epoch / std::max(1, options.epochs - 1) : 1.0;
  };
  auto set_loads = [&](int epoch) {
    for (int e = 0; e < num_edges; ++e) {
      const double noise = 1 + 0.03 * (2 * rng.NextDouble() - 1);
      state.edges[e].load = RegionDemand(kRegions[world.edge_region[e]], epoch / 12.0) *
                            world.edge_share[e] * kDemandUnit * noise * demand_multiplier(epoch);
      state.edges[e].sticky = sticky_share;
    }
  };
  auto measure = [&](const Fractions& table) {
    std::vector<double> util = ExactUtilization(state, table);
    return util;
  };

  // Yesterday's table: the balanced optimum without pacing.
  set_loads(0);
  state.current.assign(num_edges, std::vector<double>(num_dcs, 1.0 / num_dcs));
  {
    const auto util = measure(state.current);
    for (int d = 0; d < num_dcs; ++d) state.dcs[d].utilization = util[d];
    Policy warm = options.policy;
    warm.onload_step = 10;
    warm.dampening = 1;
    warm.min_shift = 0;
    warm.max_utilization = 10;
    SYSKIT_ASSIGN_OR_RETURN(SolveResult first, Solve(state, warm));
    state.current = first.table;
  }

  // Connection-aware routing inputs.
  SocialGraph graph;
  BucketTree tree;
  std::vector<int> user_edge;
  std::vector<std::vector<int32_t>> edge_users(num_edges);
  RunOutput out;
  if (with_locality) {
    SbmOptions sbm;
    sbm.users = options.users;
    sbm.regions = static_cast<int>(std::size(kRegions));
    sbm.seed = options.seed;
    graph = GenerateHierarchicalSbm(sbm);
    Timer partition_timer;
    SYSKIT_ASSIGN_OR_RETURN(
        tree, BuildBucketTree(graph, {.height = options.height, .seed = options.seed}));
    out.partition_seconds = partition_timer.ElapsedSeconds();
    out.cut_by_level = tree.cut_by_level;
    user_edge.resize(graph.num_users());
    for (int32_t u = 0; u < graph.num_users(); ++u) {
      const int region = graph.region[u];
      // Friends live near each other: a whole SBM group enters at the same
      // edge of its region (a hash of the group, weighted by edge shares).
      Random group_rng(options.seed ^ 0x9e37, static_cast<uint64_t>(region) * 65536 +
                                                  static_cast<uint64_t>(graph.group[u]));
      double point = group_rng.NextDouble(), cumulative = 0;
      int chosen = region * kEdgesPerRegion;
      for (int k = 0; k < kEdgesPerRegion; ++k) {
        cumulative += world.edge_share[region * kEdgesPerRegion + k];
        chosen = region * kEdgesPerRegion + k;
        if (point < cumulative) break;
      }
      user_edge[u] = chosen;
      edge_users[chosen].push_back(u);
    }
  }
  const int64_t cache_capacity = static_cast<int64_t>(options.cache_share * options.users);
  std::vector<LruCache> caches, baseline_caches;
  for (int d = 0; d < num_dcs && with_locality; ++d) {
    caches.emplace_back(graph.num_users(), cache_capacity);
    baseline_caches.emplace_back(graph.num_users(), cache_capacity);
  }
  RoutingConfig previous, previous_baseline;
  Fractions previous_table;
  std::vector<std::vector<int16_t>> previous_hash;
  std::vector<uint16_t> hour_mask(with_locality ? graph.num_users() : 0, 0);
  int64_t user_hours = 0, one_dc = 0, le2_dc = 0;

  Runtime runtime(options.policy);
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    set_loads(epoch);
    // Measured utilization of the table in force, with 0.5 % noise.
    const auto util = measure(state.current);
    for (int d = 0; d < num_dcs; ++d) {
      state.dcs[d].utilization = util[d] * (1 + 0.005 * (2 * rng.NextDouble() - 1));
      state.dcs[d].drained = options.scenario == "drain" && d == drained_dc &&
                             epoch >= drain_begin && epoch < drain_end;
    }
    SimEpoch record;
    record.epoch = epoch;
    Timer solve_timer;
    Result<SolveResult> solved = runtime.Epoch(state);
    out.solve_seconds += solve_timer.ElapsedSeconds();
    if (solved.ok()) {
      state.current = solved->table;
    } else {
      record.rejected = true;  // last known good table stays
    }
    const Fractions& table = state.current;
    record.utilization = measure(table);
    double total = 0, mean = 0, latency = 0, lower = 0;
    int live = 0;
    for (int e = 0; e < num_edges; ++e) {
      total += state.edges[e].load;
      const auto& l = state.latency_ms[e];
      lower += state.edges[e].load * *std::min_element(l.begin(), l.end());
      for (int d = 0; d < num_dcs; ++d) latency += state.edges[e].load * table[e][d] * l[d];
    }
    record.total_load = total;
    record.latency_ms = latency / total;
    record.latency_lower_bound_ms = lower / total;
    for (int d = 0; d < num_dcs; ++d) {
      if (state.dcs[d].drained) continue;
      mean += record.utilization[d];
      ++live;
    }
    mean /= std::max(1, live);
    for (int d = 0; d < num_dcs; ++d) {
      if (state.dcs[d].drained) continue;
      record.divergence_max =
          std::max(record.divergence_max, std::abs(record.utilization[d] - mean) / mean);
    }
    if (with_locality) {
      SYSKIT_ASSIGN_OR_RETURN(
          RoutingConfig config,
          BuildRoutingConfig(state, table, {options.height, options.level, 0},
                             options.incremental_segments && !previous.dc_of_bucket.empty()
                                 ? &previous
                                 : nullptr));
      SYSKIT_ASSIGN_OR_RETURN(
          RoutingConfig baseline,
          BuildRoutingConfig(state, table, {options.height, options.height, 0}));
      std::vector<std::vector<int16_t>> hash(num_edges);
      for (int e = 0; e < num_edges; ++e)
        hash[e] = AssignPerBucketHash(table[e], options.height, 1);
      if (!previous.dc_of_bucket.empty()) {
        for (int e = 0; e < num_edges; ++e) {
          double shift = 0;
          for (int d = 0; d < num_dcs; ++d) shift += std::abs(table[e][d] - previous_table[e][d]);
          record.buckets_needed +=
              static_cast<int64_t>(std::floor(shift / 2 * double(1u << options.height)));
          record.hash_buckets_moved += BucketMoves(previous_hash[e], hash[e]);
          record.buckets_moved += BucketMoves(previous.dc_of_bucket[e], config.dc_of_bucket[e]);
          record.baseline_buckets_moved +=
              BucketMoves(previous_baseline.dc_of_bucket[e], baseline.dc_of_bucket[e]);
        }
      }
      auto dc_of = [&](const RoutingConfig& c, int32_t u) {
        return c.dc_of_bucket[user_edge[u]][tree.bucket[u]];
      };
      int64_t reads = 0, local = 0, baseline_local = 0;
      for (int request = 0; request < options.requests_per_epoch; ++request) {
        double point = rng.NextDouble() * total, cumulative = 0;
        int e = 0;
        for (; e + 1 < num_edges; ++e) {
          cumulative += state.edges[e].load;
          if (point < cumulative) break;
        }
        if (edge_users[e].empty()) continue;
        const int32_t u = edge_users[e][rng.Uniform(edge_users[e].size())];
        const int dc = dc_of(config, u), baseline_dc = dc_of(baseline, u);
        const int64_t degree = graph.degree(u);
        for (int k = 0; k < options.friends_per_request && degree > 0; ++k) {
          const int32_t f = graph.neighbors[graph.offsets[u] + rng.Uniform(degree)];
          ++reads;
          local += dc_of(config, f) == dc;
          baseline_local += dc_of(baseline, f) == baseline_dc;
          record.backend_queries += !caches[dc].Access(f);
          record.baseline_backend_queries += !baseline_caches[baseline_dc].Access(f);
        }
      }
      record.locality = reads > 0 ? double(local) / reads : 0;
      record.baseline_locality = reads > 0 ? double(baseline_local) / reads : 0;
      for (int32_t u = 0; u < graph.num_users(); ++u) hour_mask[u] |= 1u << dc_of(config, u);
      if (epoch % 12 == 11) {
        for (uint16_t& mask : hour_mask) {
          const int seen = std::popcount(mask);
          one_dc += seen <= 1;
          le2_dc += seen <= 2;
          ++user_hours;
          mask = 0;
        }
      }
      previous = std::move(config);
      previous_baseline = std::move(baseline);
      previous_table = table;
      previous_hash = std::move(hash);
    }
    out.epochs.push_back(std::move(record));
  }
  out.one_dc = user_hours > 0 ? double(one_dc) / user_hours : 0;
  out.le2_dc = user_hours > 0 ? double(le2_dc) / user_hours : 0;
  return out;
}

double DivergenceP80(const std::vector<SimEpoch>& epochs, int warmup, const SimOptions& options) {
  std::vector<double> samples;
  for (const auto& record : epochs) {
    if (record.epoch < warmup) continue;
    double mean = 0;
    int live = 0;
    for (size_t d = 0; d < record.utilization.size(); ++d) {
      const bool drained =
          options.scenario == "drain" && d == 0 && record.epoch >= 96 && record.epoch < 168;
      if (drained) continue;
      mean += record.utilization[d];
      ++live;
    }
    mean /= std::max(1, live);
    for (size_t d = 0; d < record.utilization.size(); ++d) {
      const bool drained =
          options.scenario == "drain" && d == 0 && record.epoch >= 96 && record.epoch < 168;
      if (!drained) samples.push_back(std::abs(record.utilization[d] - mean) / mean);
    }
  }
  return Percentile(samples, 0.8);
}

}  // namespace

Result<SimResult> RunSimulation(const SimOptions& options) {
  if (options.scenario != "day" && options.scenario != "drain" && options.scenario != "scale") {
    return InvalidArgumentError(
        fmt::format("unknown scenario \"{}\" (expected day, drain or scale)", options.scenario));
  }
  if (options.epochs < 1 || options.users < 64 || options.requests_per_epoch < 0 ||
      options.height < 1 || options.height > 16 || options.level < 0 ||
      options.level > options.height || options.session_minutes <= 0) {
    return InvalidArgumentError(
        "simulation: need epochs >= 1, users >= 64, 1 <= H <= 16, 0 <= L <= H, session > 0");
  }
  SimResult result;
  for (const Site& site : kSites) result.dc_names.push_back(site.name);
  SYSKIT_ASSIGN_OR_RETURN(RunOutput main, RunOnce(options, false, true));
  result.epochs = std::move(main.epochs);
  result.partition_seconds = main.partition_seconds;
  result.cut_by_level = main.cut_by_level;
  result.users_one_dc_per_hour = main.one_dc;
  result.users_le2_dc_per_hour = main.le2_dc;
  result.solve_seconds_avg = main.solve_seconds / options.epochs;
  result.divergence_p80 = DivergenceP80(result.epochs, options.warmup_epochs, options);
  if (options.scenario == "day" && options.sticky_run) {
    SYSKIT_ASSIGN_OR_RETURN(RunOutput sticky, RunOnce(options, true, false));
    result.sticky_epochs = std::move(sticky.epochs);
    result.divergence_p80_sticky =
        DivergenceP80(result.sticky_epochs, options.warmup_epochs, options);
  }
  double gap = 0, locality = 0, baseline_locality = 0;
  int64_t misses = 0, baseline_misses = 0, moved = 0, baseline_moved = 0, needed = 0,
          hash_moved = 0;
  int counted = 0;
  for (const auto& record : result.epochs) {
    result.rejected_epochs += record.rejected;
    if (record.epoch < options.warmup_epochs) continue;
    const double g = record.latency_ms - record.latency_lower_bound_ms;
    gap += g;
    result.latency_gap_ms_max = std::max(result.latency_gap_ms_max, g);
    locality += record.locality;
    baseline_locality += record.baseline_locality;
    misses += record.backend_queries;
    baseline_misses += record.baseline_backend_queries;
    moved += record.buckets_moved;
    baseline_moved += record.baseline_buckets_moved;
    needed += record.buckets_needed;
    hash_moved += record.hash_buckets_moved;
    ++counted;
  }
  if (counted > 0) {
    result.latency_gap_ms_avg = gap / counted;
    result.locality = locality / counted;
    result.baseline_locality = baseline_locality / counted;
    result.buckets_moved_per_epoch = double(moved) / counted;
    result.baseline_buckets_moved_per_epoch = double(baseline_moved) / counted;
    result.buckets_needed_per_epoch = double(needed) / counted;
    result.hash_buckets_moved_per_epoch = double(hash_moved) / counted;
  }
  result.backend_load_reduction =
      baseline_misses > 0 ? 1 - double(misses) / double(baseline_misses) : 0;
  return result;
}

std::string FormatSummary(const SimResult& r, const SimOptions& o) {
  std::string text = fmt::format(
      "# simulated: Taiji {} scenario, {} epochs of 5 min, {} users, H={} L={}, seed={} "
      "(a model, not a fleet)\n",
      o.scenario, o.epochs, o.users, o.height, o.level, o.seed);
  text += fmt::format("scenario={}\nseed={}\nepochs={}\n", o.scenario, o.seed, o.epochs);
  text += fmt::format("divergence_p80={:.4f}\n", r.divergence_p80);
  if (r.divergence_p80_sticky >= 0) {
    text += fmt::format("divergence_p80_sticky={:.4f}\n", r.divergence_p80_sticky);
  }
  text += fmt::format("latency_gap_ms_avg={:.2f}\nlatency_gap_ms_max={:.2f}\n",
                      r.latency_gap_ms_avg, r.latency_gap_ms_max);
  text +=
      fmt::format("locality={:.4f}\nbaseline_locality={:.4f}\n", r.locality, r.baseline_locality);
  text += fmt::format("backend_load_reduction={:.4f}\n", r.backend_load_reduction);
  text += fmt::format(
      "buckets_needed_per_epoch={:.1f}\nbuckets_moved_per_epoch={:.1f}\n"
      "baseline_buckets_moved_per_epoch={:.1f}\nhash_buckets_moved_per_epoch={:.1f}\n",
      r.buckets_needed_per_epoch, r.buckets_moved_per_epoch, r.baseline_buckets_moved_per_epoch,
      r.hash_buckets_moved_per_epoch);
  text += fmt::format("users_one_dc_per_hour={:.4f}\nusers_le2_dc_per_hour={:.4f}\n",
                      r.users_one_dc_per_hour, r.users_le2_dc_per_hour);
  text += fmt::format("rejected_epochs={}\nsolve_seconds_avg={:.5f}\npartition_seconds={:.3f}\n",
                      r.rejected_epochs, r.solve_seconds_avg, r.partition_seconds);
  return text;
}

Status WriteSimulationOutputs(const SimResult& result, const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return IOError(fmt::format("{}: cannot create: {}", dir, error.message()));
  auto write = [&](const std::string& name, const std::string& text) -> Status {
    return WriteStringToFile(Env::Default(), text, dir + "/" + name);
  };
  auto epochs_csv = [&](const std::vector<SimEpoch>& epochs) {
    std::string csv =
        "epoch,hour,total_load,divergence_max,latency_ms,latency_lower_bound_ms,latency_gap_ms,"
        "locality,baseline_locality,backend_queries,baseline_backend_queries,buckets_moved,"
        "baseline_buckets_moved,buckets_needed,hash_buckets_moved,rejected\n";
    for (const auto& r : epochs) {
      csv += fmt::format(
          "{},{:.4f},{:.1f},{:.5f},{:.3f},{:.3f},{:.3f},{:.4f},{:.4f},{},{},{},{},{},{},{}\n",
          r.epoch, r.epoch / 12.0, r.total_load, r.divergence_max, r.latency_ms,
          r.latency_lower_bound_ms, r.latency_ms - r.latency_lower_bound_ms, r.locality,
          r.baseline_locality, r.backend_queries, r.baseline_backend_queries, r.buckets_moved,
          r.baseline_buckets_moved, r.buckets_needed, r.hash_buckets_moved, r.rejected ? 1 : 0);
    }
    return csv;
  };
  auto util_csv = [&](const std::vector<SimEpoch>& epochs) {
    std::string csv = "epoch";
    for (const auto& name : result.dc_names) csv += "," + name;
    csv += "\n";
    for (const auto& r : epochs) {
      csv += std::to_string(r.epoch);
      for (double u : r.utilization) csv += fmt::format(",{:.5f}", u);
      csv += "\n";
    }
    return csv;
  };
  SYSKIT_RETURN_IF_ERROR(write("epochs.csv", epochs_csv(result.epochs)));
  SYSKIT_RETURN_IF_ERROR(write("utilization.csv", util_csv(result.epochs)));
  if (!result.sticky_epochs.empty()) {
    SYSKIT_RETURN_IF_ERROR(write("epochs_sticky.csv", epochs_csv(result.sticky_epochs)));
    SYSKIT_RETURN_IF_ERROR(write("utilization_sticky.csv", util_csv(result.sticky_epochs)));
  }
  std::vector<double> hours;
  for (const auto& r : result.epochs) hours.push_back(r.epoch / 12.0);
  std::vector<internal::SvgSeries> util_series(result.dc_names.size());
  for (size_t d = 0; d < result.dc_names.size(); ++d) {
    util_series[d].label = result.dc_names[d];
    for (const auto& r : result.epochs) util_series[d].y.push_back(r.utilization[d]);
  }
  SYSKIT_RETURN_IF_ERROR(
      write("utilization.svg", internal::RenderLineChart("DC utilization (simulated)", "hour (UTC)",
                                                         "utilization", hours, util_series)));
  internal::SvgSeries gap{"avg RTT - closest-DC bound", {}}, lat{"avg RTT", {}},
      lb{"closest-DC bound", {}};
  internal::SvgSeries local{"segments (L)", {}}, base{"per-bucket (L=H)", {}};
  internal::SvgSeries misses{"backend queries (L)", {}}, base_misses{"backend (L=H)", {}};
  for (const auto& r : result.epochs) {
    gap.y.push_back(r.latency_ms - r.latency_lower_bound_ms);
    lat.y.push_back(r.latency_ms);
    lb.y.push_back(r.latency_lower_bound_ms);
    local.y.push_back(r.locality);
    base.y.push_back(r.baseline_locality);
    misses.y.push_back(static_cast<double>(r.backend_queries));
    base_misses.y.push_back(static_cast<double>(r.baseline_backend_queries));
  }
  SYSKIT_RETURN_IF_ERROR(write(
      "latency_gap.svg", internal::RenderLineChart("Latency vs closest-DC bound (simulated)",
                                                   "hour (UTC)", "ms", hours, {lat, lb, gap})));
  SYSKIT_RETURN_IF_ERROR(
      write("locality.svg",
            internal::RenderLineChart("Connection locality (simulated)", "hour (UTC)",
                                      "friend reads in the same DC", hours, {local, base})));
  SYSKIT_RETURN_IF_ERROR(
      write("backend.svg",
            internal::RenderLineChart("Backend queries (cache misses, simulated)", "hour (UTC)",
                                      "queries per epoch", hours, {misses, base_misses})));
  return Status::OK();
}

}  // namespace syskit::route
