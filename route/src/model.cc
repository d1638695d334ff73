// Validation and scoring of the Taiji traffic model (see model.h).
#include "syskit/route/model.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <string>

namespace syskit::route {
namespace {
constexpr double kRowTolerance = 1e-6;
constexpr double kGuardTolerance = 1e-7;
}  // namespace

LoadModel ComputeLoadModel(const State& state) {
  LoadModel model;
  model.load.assign(state.num_dcs(), 0.0);
  model.slope.assign(state.num_dcs(), 0.0);
  for (int e = 0; e < state.num_edges(); ++e) {
    for (int d = 0; d < state.num_dcs(); ++d) {
      model.load[d] += state.edges[e].load * state.current[e][d];
    }
  }
  for (int d = 0; d < state.num_dcs(); ++d) {
    const auto& dc = state.dcs[d];
    model.slope[d] = (model.load[d] > 0 && dc.utilization > 0) ? dc.utilization / model.load[d]
                                                               : 1.0 / dc.capacity;
  }
  return model;
}

std::vector<double> PredictUtilization(const State& state, const LoadModel& model,
                                       const Fractions& fractions) {
  std::vector<double> util(state.num_dcs());
  for (int d = 0; d < state.num_dcs(); ++d) {
    double load = 0;
    for (int e = 0; e < state.num_edges(); ++e) load += state.edges[e].load * fractions[e][d];
    util[d] = state.dcs[d].utilization + model.slope[d] * (load - model.load[d]);
  }
  return util;
}

double RowShift(const std::vector<double>& a, const std::vector<double>& b) {
  double shift = 0;
  for (size_t d = 0; d < a.size(); ++d) shift += std::abs(a[d] - b[d]);
  return shift / 2;
}

Status ValidateState(const State& state) {
  if (state.dcs.empty()) return InvalidArgumentError("state has no datacenters");
  if (state.edges.empty()) return InvalidArgumentError("state has no edges");
  std::set<std::string> names;
  for (const auto& dc : state.dcs) {
    if (dc.name.empty()) return InvalidArgumentError("datacenter with an empty name");
    if (!names.insert(dc.name).second) {
      return InvalidArgumentError(fmt::format("datacenter \"{}\" listed twice", dc.name));
    }
    if (!std::isfinite(dc.capacity) || dc.capacity <= 0) {
      return InvalidArgumentError(fmt::format(
          "datacenter \"{}\": capacity must be positive and finite, got {} (drain it instead)",
          dc.name, dc.capacity));
    }
    if (!std::isfinite(dc.utilization) || dc.utilization < 0) {
      return InvalidArgumentError(
          fmt::format("datacenter \"{}\": utilization must be >= 0 and finite, got {}", dc.name,
                      dc.utilization));
    }
  }
  names.clear();
  const size_t dcs = state.dcs.size();
  if (state.current.size() != state.edges.size() || state.latency_ms.size() != state.edges.size()) {
    return InvalidArgumentError(
        fmt::format("state has {} edges but {} fraction rows and {} latency rows",
                    state.edges.size(), state.current.size(), state.latency_ms.size()));
  }
  double total_load = 0;
  for (int e = 0; e < state.num_edges(); ++e) {
    const auto& edge = state.edges[e];
    if (edge.name.empty()) return InvalidArgumentError("edge with an empty name");
    if (!names.insert(edge.name).second) {
      return InvalidArgumentError(fmt::format("edge \"{}\" listed twice", edge.name));
    }
    if (!std::isfinite(edge.load) || edge.load < 0) {
      return InvalidArgumentError(
          fmt::format("edge \"{}\": load must be >= 0 and finite, got {}", edge.name, edge.load));
    }
    if (!(edge.sticky >= 0 && edge.sticky <= 1)) {
      return InvalidArgumentError(
          fmt::format("edge \"{}\": sticky must be in [0, 1], got {}", edge.name, edge.sticky));
    }
    if (state.current[e].size() != dcs || state.latency_ms[e].size() != dcs) {
      return InvalidArgumentError(
          fmt::format("edge \"{}\": expected {} fractions and latencies, got {} and {}", edge.name,
                      dcs, state.current[e].size(), state.latency_ms[e].size()));
    }
    double sum = 0;
    for (size_t d = 0; d < dcs; ++d) {
      const double x = state.current[e][d];
      const double l = state.latency_ms[e][d];
      if (!std::isfinite(x) || x < 0) {
        return InvalidArgumentError(
            fmt::format("edge \"{}\": fraction to \"{}\" is {}", edge.name, state.dcs[d].name, x));
      }
      if (!std::isfinite(l) || l < 0) {
        return InvalidArgumentError(
            fmt::format("edge \"{}\": latency to \"{}\" is {}", edge.name, state.dcs[d].name, l));
      }
      sum += x;
    }
    if (std::abs(sum - 1) > kRowTolerance) {
      return InvalidArgumentError(
          fmt::format("edge \"{}\": fractions sum to {:.9g}, expected 1", edge.name, sum));
    }
    total_load += edge.load;
  }
  double capacity = 0;
  for (const auto& dc : state.dcs) capacity += dc.drained ? 0 : dc.capacity;
  if (total_load > capacity) {
    return InvalidArgumentError(
        fmt::format("infeasible: total load {:.6g} exceeds the capacity {:.6g} of the non-drained "
                    "datacenters",
                    total_load, capacity));
  }
  return Status::OK();
}

Status ValidateTable(const State& state, const Policy& policy, const Fractions& table) {
  if (table.size() != state.edges.size()) {
    return FailedPreconditionError(
        fmt::format("table has {} rows, state has {} edges", table.size(), state.edges.size()));
  }
  double total_load = 0;
  for (int e = 0; e < state.num_edges(); ++e) {
    const auto& edge = state.edges[e];
    total_load += edge.load;
    if (table[e].size() != state.dcs.size()) {
      return FailedPreconditionError(fmt::format("table row \"{}\" has {} entries, expected {}",
                                                 edge.name, table[e].size(), state.dcs.size()));
    }
    double sum = 0;
    for (int d = 0; d < state.num_dcs(); ++d) {
      const double x = table[e][d];
      if (!std::isfinite(x) || x < -kGuardTolerance) {
        return FailedPreconditionError(
            fmt::format("table: {}->{} fraction is {}", edge.name, state.dcs[d].name, x));
      }
      if (x < edge.sticky * state.current[e][d] - kGuardTolerance) {
        return FailedPreconditionError(
            fmt::format("table: {}->{} fraction {:.6g} drops sticky traffic (at least {:.6g})",
                        edge.name, state.dcs[d].name, x, edge.sticky * state.current[e][d]));
      }
      if (state.dcs[d].drained && x > state.current[e][d] + kGuardTolerance) {
        return FailedPreconditionError(
            fmt::format("table: {} adds traffic to drained {}", edge.name, state.dcs[d].name));
      }
      sum += x;
    }
    if (std::abs(sum - 1) > kRowTolerance) {
      return FailedPreconditionError(
          fmt::format("table: row \"{}\" sums to {:.9g}, expected 1", edge.name, sum));
    }
  }
  const LoadModel model = ComputeLoadModel(state);
  const std::vector<double> util = PredictUtilization(state, model, table);
  for (int d = 0; d < state.num_dcs(); ++d) {
    const auto& dc = state.dcs[d];
    if (util[d] - dc.utilization > policy.onload_step + kGuardTolerance) {
      return FailedPreconditionError(
          fmt::format("table: {} onloads {:.6g} utilization, limit {:.6g}", dc.name,
                      util[d] - dc.utilization, policy.onload_step));
    }
    if (util[d] > std::max(policy.max_utilization, dc.utilization) + kGuardTolerance) {
      return FailedPreconditionError(
          fmt::format("table: {} predicted utilization {:.6g} above {:.6g}", dc.name, util[d],
                      policy.max_utilization));
    }
    if (total_load > 0) {
      double load = 0;
      for (int e = 0; e < state.num_edges(); ++e) load += state.edges[e].load * table[e][d];
      const double share = load / total_load;
      const double now = model.load[d] / total_load;
      if (share > std::max(policy.max_dc_fraction, now) + kGuardTolerance) {
        return FailedPreconditionError(
            fmt::format("table: {} receives {:.6g} of all load, cap {:.6g}", dc.name, share,
                        policy.max_dc_fraction));
      }
    }
  }
  return Status::OK();
}

TableScore ScoreTable(const State& state, const Fractions& table) {
  TableScore score;
  const LoadModel model = ComputeLoadModel(state);
  const std::vector<double> util = PredictUtilization(state, model, table);
  for (int d = 0; d < state.num_dcs(); ++d) {
    if (!state.dcs[d].drained) score.max_utilization = std::max(score.max_utilization, util[d]);
  }
  double total = 0, weighted = 0;
  for (int e = 0; e < state.num_edges(); ++e) {
    for (int d = 0; d < state.num_dcs(); ++d) {
      const double traffic = table[e][d] * state.edges[e].load;
      score.latency_cost += traffic * state.latency_ms[e][d] * state.latency_ms[e][d];
      weighted += traffic * state.latency_ms[e][d];
    }
    total += state.edges[e].load;
  }
  score.avg_latency_ms = total > 0 ? weighted / total : 0;
  return score;
}

}  // namespace syskit::route
