// JSON forms of the runtime's inputs and outputs (nlohmann-json):
//
// state.json:
//   {"datacenters": [{"name": "dc0", "capacity": 1000, "utilization": 0.5,
//                     "drained": false}, ...],
//    "edges": [{"name": "e0", "load": 300, "sticky": 0.0,
//               "fractions": {"dc0": 0.5, "dc1": 0.5},
//               "latency_ms": {"dc0": 12, "dc1": 40}}, ...],
//    "policy": {"kind": "balance"|"closest", "solver": "local"|"lp",
//               "onload_step": 0.04, "max_utilization": 1, "max_dc_fraction": 1,
//               "min_shift": 0.01, "dampening": 0.8, "objects_per_edge": 1000}}
// A DC missing from an edge's "fractions" gets 0; every DC must appear in
// "latency_ms"; a name not listed in "datacenters" is an error.
#pragma once

#include <string>

#include "syskit/core/result.h"
#include "syskit/route/model.h"
#include "syskit/route/segment_assignment.h"

namespace syskit::route {

// Parses a state (and its optional policy into *policy, else defaults).
// InvalidArgument with the JSON path of the problem.
Result<State> ParseStateJson(const std::string& text, Policy* policy);

// The routing table {edge: {dc: fraction}} (zero fractions omitted).
std::string RoutingTableJson(const State& state, const Fractions& table);

// A state whose current fractions are `table` (for chaining epochs).
std::string StateJson(const State& state, const Policy& policy);

// The routing configuration {"height": H, "edges": {edge: {dc: [[begin, end], ...]}}}.
std::string RoutingConfigJson(const State& state, const RoutingConfig& config);

// Parses a routing configuration back (the edge balancer's input); checks
// that every edge covers each of the 2^H buckets exactly once.
struct ParsedConfig {
  int height = 0;
  std::vector<std::string> edges;
  std::vector<std::string> dcs;
  std::vector<std::vector<int16_t>> dc_of_bucket;  // [edge][bucket] -> index into dcs
};
Result<ParsedConfig> ParseRoutingConfigJson(const std::string& text);

}  // namespace syskit::route
