// The exact LP form of Taiji's balancing policy, solved with GLPK's simplex;
// the reference the local search is tested and benchmarked against.
//
//   min  W_drain * sum_{drained d} load_d / T  +  C * z  +  w * sum x t l^2 / (T l_max^2)
//   s.t. sum_d x_{e,d} = 1                               (every edge)
//        lower_{e,d} <= x_{e,d}  (sticky), x_{e,d} <= x0_{e,d} for drained d
//        u_d + k_d (load'_d - load_d) <= z               (non-drained d)
//        u_d + k_d (load'_d - load_d) <= min(u_d + M, max(U_max, u_d))
//        load'_d <= max(f_max, load_d / T) * T
// W_drain >> C >> the normalised latency term, so draining comes first, then
// the maximum utilization (the paper's C * max u' + secondary).
#include <fmt/format.h>
#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "syskit/core/timer.h"
#include "syskit/route/solver.h"

namespace syskit::route {
namespace {

constexpr double kDrainWeight = 1e5;
constexpr double kBalanceWeight = 1e3;

struct ProblemDeleter {
  void operator()(glp_prob* problem) const { glp_delete_prob(problem); }
};

}  // namespace

Result<Fractions> SolveLp(const State& state, const Policy& policy, double latency_weight,
                          SolveStats* stats) {
  SYSKIT_RETURN_IF_ERROR(ValidateState(state));
  Timer timer;
  const int num_edges = state.num_edges(), num_dcs = state.num_dcs();
  const LoadModel model = ComputeLoadModel(state);
  double total = 0, max_latency = 1e-9;
  for (int e = 0; e < num_edges; ++e) {
    total += state.edges[e].load;
    for (int d = 0; d < num_dcs; ++d) max_latency = std::max(max_latency, state.latency_ms[e][d]);
  }
  const double norm_total = std::max(total, 1e-12);
  std::unique_ptr<glp_prob, ProblemDeleter> lp(glp_create_prob());
  glp_set_obj_dir(lp.get(), GLP_MIN);
  // Columns: x_{e,d} at 1 + e*D + d, z last.
  const int num_x = num_edges * num_dcs;
  glp_add_cols(lp.get(), num_x + 1);
  const int z_col = num_x + 1;
  for (int e = 0; e < num_edges; ++e) {
    for (int d = 0; d < num_dcs; ++d) {
      const int col = 1 + e * num_dcs + d;
      const double lower = state.edges[e].sticky * state.current[e][d];
      const double upper = state.dcs[d].drained ? state.current[e][d] : 1.0;
      if (upper - lower < 1e-15) {
        glp_set_col_bnds(lp.get(), col, GLP_FX, lower, lower);
      } else {
        glp_set_col_bnds(lp.get(), col, GLP_DB, lower, upper);
      }
      const double t = state.edges[e].load, l = state.latency_ms[e][d];
      double cost = latency_weight * t * l * l / (norm_total * max_latency * max_latency);
      if (state.dcs[d].drained) cost += kDrainWeight * t / norm_total;
      glp_set_obj_coef(lp.get(), col, cost);
    }
  }
  glp_set_col_bnds(lp.get(), z_col, GLP_FR, 0, 0);
  glp_set_obj_coef(lp.get(), z_col, kBalanceWeight);

  std::vector<int> rows_i(1), cols_j(1);
  std::vector<double> values(1);
  auto add = [&](int row, int col, double value) {
    rows_i.push_back(row);
    cols_j.push_back(col);
    values.push_back(value);
  };
  int row = glp_add_rows(lp.get(), num_edges);
  for (int e = 0; e < num_edges; ++e, ++row) {
    glp_set_row_bnds(lp.get(), row, GLP_FX, 1.0, 1.0);
    for (int d = 0; d < num_dcs; ++d) add(row, 1 + e * num_dcs + d, 1.0);
  }
  for (int d = 0; d < num_dcs; ++d) {
    const double u = state.dcs[d].utilization, k = model.slope[d];
    const double base = k * model.load[d] - u;  // u' = k*load' - base
    if (!state.dcs[d].drained) {
      row = glp_add_rows(lp.get(), 1);
      glp_set_row_bnds(lp.get(), row, GLP_UP, 0, base);
      for (int e = 0; e < num_edges; ++e) add(row, 1 + e * num_dcs + d, k * state.edges[e].load);
      add(row, z_col, -1.0);
    }
    const double limit = std::min(u + policy.onload_step, std::max(policy.max_utilization, u));
    row = glp_add_rows(lp.get(), 1);
    glp_set_row_bnds(lp.get(), row, GLP_UP, 0, limit + base);
    for (int e = 0; e < num_edges; ++e) add(row, 1 + e * num_dcs + d, k * state.edges[e].load);
    const double share_limit = std::max(policy.max_dc_fraction, model.load[d] / norm_total) * total;
    row = glp_add_rows(lp.get(), 1);
    glp_set_row_bnds(lp.get(), row, GLP_UP, 0, share_limit);
    for (int e = 0; e < num_edges; ++e) add(row, 1 + e * num_dcs + d, state.edges[e].load);
  }
  glp_load_matrix(lp.get(), static_cast<int>(values.size()) - 1, rows_i.data(), cols_j.data(),
                  values.data());
  glp_smcp params;
  glp_init_smcp(&params);
  params.msg_lev = GLP_MSG_OFF;
  params.presolve = GLP_ON;
  const int rc = glp_simplex(lp.get(), &params);
  if (rc != 0 || glp_get_status(lp.get()) != GLP_OPT) {
    return InternalError(fmt::format("glpk: no optimal solution (simplex rc={}, status={})", rc,
                                     glp_get_status(lp.get())));
  }
  Fractions table(num_edges, std::vector<double>(num_dcs, 0.0));
  for (int e = 0; e < num_edges; ++e) {
    double sum = 0;
    for (int d = 0; d < num_dcs; ++d) {
      table[e][d] = std::max(0.0, glp_get_col_prim(lp.get(), 1 + e * num_dcs + d));
      sum += table[e][d];
    }
    for (int d = 0; d < num_dcs; ++d) table[e][d] /= sum;
  }
  if (stats != nullptr) stats->seconds = timer.ElapsedSeconds();
  return table;
}

}  // namespace syskit::route
