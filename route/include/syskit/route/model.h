// The Taiji traffic model (Chou et al., SOSP 2019): edges (PoPs) carrying
// load, datacenters (DCs) with capacity and a measured utilization that is
// linear in load within an epoch, edge->DC latency, sticky (unmovable)
// traffic, and the routing table {edge: {dc: fraction}} the runtime
// produces every epoch. Also the policy knobs and the two validators: one for
// the measured state before it is used, one for a solved table before it is
// published (the last known good table stays in force when either fails).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit::route {

struct Datacenter {
  std::string name;
  double capacity = 0;     // load (RPS or sessions) at 100 % utilization; > 0
  double utilization = 0;  // measured utilization this epoch, >= 0
  bool drained = false;    // an operator drain: the solver only moves load off it
};

struct Edge {
  std::string name;
  double load = 0;    // t_e, >= 0
  double sticky = 0;  // fraction of this edge's load in established sessions, [0, 1]
};

// Fractions x[e][d]: row e sums to 1.
using Fractions = std::vector<std::vector<double>>;

struct State {
  std::vector<Edge> edges;
  std::vector<Datacenter> dcs;
  Fractions current;                            // x_{e,d} in force now
  std::vector<std::vector<double>> latency_ms;  // l_{e,d}

  int num_edges() const { return static_cast<int>(edges.size()); }
  int num_dcs() const { return static_cast<int>(dcs.size()); }
};

enum class PolicyKind { kBalance, kClosestFirst };
enum class SolverKind { kLocalSearch, kLp };

struct Policy {
  PolicyKind kind = PolicyKind::kBalance;
  SolverKind solver = SolverKind::kLocalSearch;
  double onload_step = 0.04;     // M: max utilization increase of a DC per epoch
  double max_utilization = 1.0;  // u'_d <= this (capacity guard)
  double max_dc_fraction = 1.0;  // a DC receives at most this share of all load
  double min_shift = 0.01;       // an edge whose table moves less than this keeps its row
  double dampening = 0.8;        // apply this share of the step towards the target
  int objects_per_edge = 1000;   // N traffic objects per edge (local search)
  // Closest-first: utilization a DC may be filled to with nearer traffic.
  double closest_threshold = 0.8;
  // Local search, balance phase: find each source's best move through the
  // receivers sorted by latency per edge (true), or by the full O(E*D) scan
  // of every (edge, receiver) pair (false; the reference, same moves).
  bool indexed_balance = true;
};

// Per-DC linear utilization model: u'_d = u_d + slope_d * (L'_d - L_d).
struct LoadModel {
  std::vector<double> load;   // L_d = sum_e t_e x_{e,d}
  std::vector<double> slope;  // u_d / L_d when both are positive, else 1 / capacity
};
LoadModel ComputeLoadModel(const State& state);

// The loads and predicted utilizations of `fractions` under the state's model.
std::vector<double> PredictUtilization(const State& state, const LoadModel& model,
                                       const Fractions& fractions);

// Checks a measured state before use: names unique and known, sizes match,
// loads and capacities finite with capacity > 0 (zero capacity is an error:
// drain the DC instead), utilization >= 0, sticky in [0,1], latencies finite
// and >= 0, each row of `current` non-negative and summing to 1 (within
// 1e-6), and total load below the total capacity of non-drained DCs
// (infeasible otherwise). InvalidArgument naming the offending item.
Status ValidateState(const State& state);

// Checks a table produced for `state` before it is published: shape, every
// fraction >= 0 and rows summing to 1, sticky traffic kept, no load added to
// a drained DC, and per DC: u' - u <= M, u' <= max(max_utilization, u),
// load share <= max(max_dc_fraction, current share). Tolerance 1e-7.
// FailedPrecondition naming the first violation.
Status ValidateTable(const State& state, const Policy& policy, const Fractions& table);

// The objective pieces of a table: max predicted utilization over the
// non-drained DCs and sum_e,d x t l^2 (ms^2 * load).
struct TableScore {
  double max_utilization = 0;
  double latency_cost = 0;
  double avg_latency_ms = 0;  // load-weighted
};
TableScore ScoreTable(const State& state, const Fractions& table);

// Half the L1 distance between two rows: the share of an edge's traffic moved.
double RowShift(const std::vector<double>& a, const std::vector<double>& b);

}  // namespace syskit::route
