// Seeded random instances (see instances.h).
#include "syskit/route/instances.h"

#include <cmath>
#include <numbers>

#include "syskit/core/random.h"

namespace syskit::route {

double RttMs(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRad = std::numbers::pi / 180;
  const double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  const double h =
      std::sin(dlat / 2) * std::sin(dlat / 2) +
      std::cos(lat1 * kRad) * std::cos(lat2 * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  const double km = 2 * 6371 * std::asin(std::min(1.0, std::sqrt(h)));
  return 2.0 + km / 100.0;
}

std::vector<double> ExactUtilization(const State& state, const Fractions& table) {
  std::vector<double> util(state.num_dcs(), 0.0);
  for (int e = 0; e < state.num_edges(); ++e) {
    for (int d = 0; d < state.num_dcs(); ++d) util[d] += state.edges[e].load * table[e][d];
  }
  for (int d = 0; d < state.num_dcs(); ++d) util[d] /= state.dcs[d].capacity;
  return util;
}

State MakeRandomState(const InstanceOptions& options) {
  Random rng(options.seed, 0x7a1);
  State state;
  auto point = [&](double* lat, double* lon) {
    *lat = std::asin(2 * rng.NextDouble() - 1) * 180 / std::numbers::pi;
    *lon = 360 * rng.NextDouble() - 180;
  };
  std::vector<std::pair<double, double>> dc_pos(options.dcs), edge_pos(options.edges);
  double capacity = 0;
  for (int d = 0; d < options.dcs; ++d) {
    point(&dc_pos[d].first, &dc_pos[d].second);
    Datacenter dc;
    dc.name = "dc" + std::to_string(d);
    dc.capacity = 1000 * (1 + 4 * rng.NextDouble());
    capacity += dc.capacity;
    state.dcs.push_back(dc);
  }
  std::vector<double> weight(options.edges);
  double weight_sum = 0;
  for (int e = 0; e < options.edges; ++e) {
    point(&edge_pos[e].first, &edge_pos[e].second);
    weight[e] = 0.2 + rng.NextDouble();
    weight_sum += weight[e];
  }
  for (int e = 0; e < options.edges; ++e) {
    Edge edge;
    edge.name = "edge" + std::to_string(e);
    edge.load = options.load_factor * capacity * weight[e] / weight_sum;
    edge.sticky = options.sticky;
    state.edges.push_back(edge);
    std::vector<double> latency(options.dcs), row(options.dcs);
    double sum = 0;
    for (int d = 0; d < options.dcs; ++d) {
      latency[d] = RttMs(edge_pos[e].first, edge_pos[e].second, dc_pos[d].first, dc_pos[d].second);
      row[d] = rng.NextDouble();
      sum += row[d];
    }
    for (double& x : row) x /= sum;
    state.latency_ms.push_back(latency);
    state.current.push_back(row);
  }
  const std::vector<double> util = ExactUtilization(state, state.current);
  for (int d = 0; d < options.dcs; ++d) state.dcs[d].utilization = util[d];
  return state;
}

}  // namespace syskit::route
