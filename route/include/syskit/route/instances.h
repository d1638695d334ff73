// Seeded random instances of the traffic model, shared by the tests, the
// benchmark and the demo: DCs and edges at random points on a sphere, RTT
// from great-circle distance (about 100 km per ms plus 2 ms), DC capacities
// with a 5x spread, current fractions random, utilization exactly linear in
// load (u = L / capacity).
#pragma once

#include <cstdint>

#include "syskit/route/model.h"

namespace syskit::route {

struct InstanceOptions {
  int edges = 30;
  int dcs = 15;
  double load_factor = 0.6;  // total load / total capacity
  double sticky = 0;         // every edge's sticky share
  uint64_t seed = 1;
};

State MakeRandomState(const InstanceOptions& options);

// RTT in ms between two (latitude, longitude) points in degrees.
double RttMs(double lat1, double lon1, double lat2, double lon2);

// Measured utilization of `table` under the exact linear model
// (u = load / capacity); drained DCs included.
std::vector<double> ExactUtilization(const State& state, const Fractions& table);

}  // namespace syskit::route
