// The Taiji runtime's solvers. Every solver returns a target table that
// satisfies the hard guards (ValidateTable); Solve() then applies dampening
// and the minimum shift and validates again before returning.
//
//   SolveLocalSearch: the paper's production solver. Each edge's traffic is N
//     objects of 1/N; the best single object move (edge e, DC a -> DC b) is
//     applied until none improves. Per-DC loads are updated incrementally, so
//     a candidate move costs O(1).
//   SolveLp: the exact LP (GLPK simplex), the reference: minimise
//     C*z + sum x t l^2 / norm with u'_d <= z, plus the same guards.
//   ClosestFirst: the alternative policy (nearest DC up to a utilization
//     threshold), built on the same move machinery.
#pragma once

#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/route/model.h"

namespace syskit::route {

struct SolveStats {
  int64_t moves = 0;       // object moves applied (local search)
  int64_t candidates = 0;  // candidate moves evaluated
  double seconds = 0;
};

// Target table of the balancing policy by local search. Drained DCs are
// offloaded first (as far as the receivers' guards allow), then the pair
// rule "move an object from a to b when b ends below a's current
// utilization" balances (choosing the lowest-latency such move), then moves
// that only lower latency without raising the maximum utilization.
Result<Fractions> SolveLocalSearch(const State& state, const Policy& policy,
                                   SolveStats* stats = nullptr);

// Target table of the balancing policy by the exact LP (GLPK).
// `latency_weight` 0 gives the pure min-max-utilization optimum.
// Internal error if GLPK does not report an optimal solution.
Result<Fractions> SolveLp(const State& state, const Policy& policy, double latency_weight = 1.0,
                          SolveStats* stats = nullptr);

// Closest-DC-first: every edge's traffic goes to its nearest DCs in latency
// order, each filled up to policy.closest_threshold (guards apply).
Result<Fractions> SolveClosestFirst(const State& state, const Policy& policy,
                                    SolveStats* stats = nullptr);

struct Move {
  int edge;
  int dc;
  double from;
  double to;
};

struct SolveResult {
  Fractions table;          // the table to publish (dampened, min shift applied)
  Fractions target;         // the solver's undampened target
  std::vector<Move> moves;  // rows that changed
  SolveStats stats;
};

// One epoch: validate the state, run the policy's solver, dampen, apply the
// minimum shift, validate the table.
Result<SolveResult> Solve(const State& state, const Policy& policy);

// Keeps the last known good table: Epoch() returns the new table when the
// state and the result validate, else the error, leaving last_good() as it
// was. Not thread-safe.
class Runtime {
 public:
  explicit Runtime(Policy policy) : policy_(policy) {}
  Result<SolveResult> Epoch(const State& state);
  const Fractions& last_good() const { return last_good_; }
  bool has_last_good() const { return !last_good_.empty(); }
  int64_t rejected_epochs() const { return rejected_; }

 private:
  Policy policy_;
  Fractions last_good_;
  int64_t rejected_ = 0;
};

}  // namespace syskit::route
