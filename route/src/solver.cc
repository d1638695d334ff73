// One Taiji epoch: solve, dampen, apply the minimum shift, validate.
// Dampening moves every row a fixed share of the way from the current table
// to the target; since every guard is a linear constraint and the current
// table satisfies them, the dampened table satisfies them too.
#include "syskit/route/solver.h"

#include <cmath>

#include "syskit/core/timer.h"

namespace syskit::route {

Result<SolveResult> Solve(const State& state, const Policy& policy) {
  SYSKIT_RETURN_IF_ERROR(ValidateState(state));
  if (!(policy.dampening > 0 && policy.dampening <= 1)) {
    return InvalidArgumentError("policy: dampening must be in (0, 1]");
  }
  if (!(policy.onload_step > 0) || !(policy.max_utilization > 0) || !(policy.max_dc_fraction > 0) ||
      policy.objects_per_edge < 1 || !(policy.min_shift >= 0)) {
    return InvalidArgumentError(
        "policy: onload step, max utilization, max dc fraction must be positive, objects >= 1, "
        "min shift >= 0");
  }
  Timer timer;
  SolveResult result;
  if (policy.kind == PolicyKind::kClosestFirst) {
    SYSKIT_ASSIGN_OR_RETURN(result.target, SolveClosestFirst(state, policy, &result.stats));
  } else if (policy.solver == SolverKind::kLp) {
    SYSKIT_ASSIGN_OR_RETURN(result.target, SolveLp(state, policy, 1.0, &result.stats));
  } else {
    SYSKIT_ASSIGN_OR_RETURN(result.target, SolveLocalSearch(state, policy, &result.stats));
  }
  SYSKIT_RETURN_IF_ERROR(ValidateTable(state, policy, result.target));
  auto drained_share = [&](const std::vector<double>& row) {
    double share = 0;
    for (int d = 0; d < state.num_dcs(); ++d) share += state.dcs[d].drained ? row[d] : 0;
    return share;
  };
  // Pass 0: every row dampened. Pass 1 also finishes drains: a row whose
  // drained share would fall under the minimum shift takes its target row,
  // so a drain ends instead of leaving a geometric tail behind; if that mix
  // breaks a guard, pass 0 stands.
  for (int pass = 1; pass >= 0; --pass) {
    result.table = state.current;
    result.moves.clear();
    for (int e = 0; e < state.num_edges(); ++e) {
      std::vector<double> row(state.num_dcs());
      for (int d = 0; d < state.num_dcs(); ++d) {
        row[d] =
            state.current[e][d] + policy.dampening * (result.target[e][d] - state.current[e][d]);
      }
      const double drained_before = drained_share(state.current[e]);
      if (pass == 1 && drained_share(row) < policy.min_shift) row = result.target[e];
      // Offloading a drained DC is never held back by the minimum shift.
      const bool drains = drained_share(row) < drained_before - 1e-12;
      if (!drains && RowShift(row, state.current[e]) < policy.min_shift) continue;
      for (int d = 0; d < state.num_dcs(); ++d) {
        if (std::abs(row[d] - state.current[e][d]) > 1e-12) {
          result.moves.push_back({e, d, state.current[e][d], row[d]});
        }
      }
      result.table[e] = std::move(row);
    }
    if (pass == 0 || ValidateTable(state, policy, result.table).ok()) break;
  }
  SYSKIT_RETURN_IF_ERROR(ValidateTable(state, policy, result.table));
  result.stats.seconds = timer.ElapsedSeconds();
  return result;
}

Result<SolveResult> Runtime::Epoch(const State& state) {
  Result<SolveResult> result = Solve(state, policy_);
  if (!result.ok()) {
    ++rejected_;
    return result;
  }
  last_good_ = result->table;
  return result;
}

}  // namespace syskit::route
