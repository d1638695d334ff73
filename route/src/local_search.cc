// Best-single-move local search (Taiji, SOSP'19, section 4.2).
//
// Each edge's traffic is N objects of 1/N of its load (the last object of a
// cell may be partial so that a drained DC can be emptied exactly). A move
// sends one object of edge e from DC a to DC b. Per-DC loads and predicted
// utilizations are kept up to date after each move, so every candidate is
// checked against the guards and scored in O(1).
//
// Phases, each run to a fixed point:
//   0. drain: objects leave drained DCs for the receiver that ends lowest.
//   1. balance: from the most utilized DC a, the lowest-latency move a -> b
//      such that b ends strictly below a's current utilization. The sorted
//      utilization vector decreases lexicographically with every move, so the
//      phase terminates; at its fixed point no single object can lower the
//      maximum, which is the LP optimum up to one object.
//      Indexed search (Policy::indexed_balance): a receiver's guards are
//      monotone in the load it receives, so (i) a receiver that cannot take
//      the source's smallest object can take none of its objects (pruned
//      once per source, O(D)), and (ii) whether a blocked DC could move to a
//      DC that just lost load is decided by its smallest object alone (O(1)
//      instead of O(E)). For each edge the receivers are visited in latency
//      order and the walk stops at the first feasible latency (the cost of a
//      move from a fixed source rises with the receiver's latency), instead
//      of scoring all E*D pairs. Same moves as the full scan (tested).
//   2. latency: moves that lower sum x t l^2 while no DC ends above the
//      phase-1 maximum (the primary objective never gets worse), swept edge
//      by edge, alternated with equal-load exchanges between DC pairs (two
//      edges trade traffic; no utilization changes), which single moves
//      cannot express once every DC sits at the maximum.
// Invariant: every intermediate table satisfies the hard guards.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "syskit/core/timer.h"
#include "syskit/route/solver.h"

namespace syskit::route {
namespace {

constexpr double kEps = 1e-12;

class MoveEngine {
 public:
  MoveEngine(const State& state, const Policy& policy) : state_(state), policy_(policy) {
    num_edges_ = state.num_edges();
    num_dcs_ = state.num_dcs();
    x_ = state.current;
    lower_.assign(num_edges_, std::vector<double>(num_dcs_, 0.0));
    for (int e = 0; e < num_edges_; ++e) {
      for (int d = 0; d < num_dcs_; ++d) lower_[e][d] = state.edges[e].sticky * x_[e][d];
      total_load_ += state.edges[e].load;
    }
    model_ = ComputeLoadModel(state);
    load_ = model_.load;
    util_.resize(num_dcs_);
    limit_.resize(num_dcs_);
    load_limit_.resize(num_dcs_);
    for (int d = 0; d < num_dcs_; ++d) {
      const double u = state.dcs[d].utilization;
      util_[d] = u;
      limit_[d] = std::min(u + policy.onload_step, std::max(policy.max_utilization, u));
      load_limit_[d] =
          std::max(policy.max_dc_fraction, model_.load[d] / std::max(total_load_, kEps)) *
          total_load_;
    }
    quantum_ = 1.0 / std::max(1, policy.objects_per_edge);
    by_latency_.resize(num_edges_);
    for (int e = 0; e < num_edges_; ++e) {
      by_latency_[e].resize(num_dcs_);
      std::iota(by_latency_[e].begin(), by_latency_[e].end(), 0);
      const auto& latency = state.latency_ms[e];
      std::stable_sort(by_latency_[e].begin(), by_latency_[e].end(),
                       [&](int a, int b) { return latency[a] < latency[b]; });
    }
  }

  // Amount of edge e's fraction an object move off DC a carries (0 if none).
  double Movable(int e, int a) const {
    const double room = x_[e][a] - lower_[e][a];
    return room > kEps ? std::min(quantum_, room) : 0.0;
  }

  // Utilization of c after receiving `amount` of edge e, or +inf when a
  // guard forbids it (also `cap` on the resulting utilization).
  double Receive(int e, int c, double amount, double cap) const {
    if (state_.dcs[c].drained) return std::numeric_limits<double>::infinity();
    const double added = state_.edges[e].load * amount;
    const double u = util_[c] + model_.slope[c] * added;
    if (u > std::min(limit_[c], cap) + kEps) return std::numeric_limits<double>::infinity();
    if (load_[c] + added > load_limit_[c] * (1 + kEps) + kEps) {
      return std::numeric_limits<double>::infinity();
    }
    return u;
  }

  void Apply(int e, int a, int c, double amount) {
    const double added = state_.edges[e].load * amount;
    x_[e][a] -= amount;
    x_[e][c] += amount;
    load_[a] -= added;
    load_[c] += added;
    util_[a] -= model_.slope[a] * added;
    util_[c] += model_.slope[c] * added;
    ++moves_;
  }

  double LatencyDelta(int e, int a, int c, double amount) const {
    const double la = state_.latency_ms[e][a], lc = state_.latency_ms[e][c];
    return state_.edges[e].load * amount * (lc * lc - la * la);
  }

  void DrainPhase() {
    for (;;) {
      int best_e = -1, best_a = -1, best_c = -1;
      double best_u = std::numeric_limits<double>::infinity(), best_amount = 0;
      for (int a = 0; a < num_dcs_; ++a) {
        if (!state_.dcs[a].drained) continue;
        for (int e = 0; e < num_edges_; ++e) {
          const double amount = Movable(e, a);
          if (amount <= 0 || state_.edges[e].load <= 0) continue;
          for (int c = 0; c < num_dcs_; ++c) {
            if (c == a) continue;
            ++candidates_;
            const double u = Receive(e, c, amount, std::numeric_limits<double>::infinity());
            if (u < best_u) {
              best_u = u;
              best_e = e, best_a = a, best_c = c, best_amount = amount;
            }
          }
        }
      }
      if (best_e < 0) return;
      Apply(best_e, best_a, best_c, best_amount);
    }
  }

  // Moves from sources above `source_floor` to receivers that end at or
  // below `cap` and below the source's utilization, lowest latency first.
  void BalancePhase(double cap, double source_floor) {
    if (policy_.indexed_balance) {
      IndexedBalancePhase(cap, source_floor);
    } else {
      ScanBalancePhase(cap, source_floor);
    }
  }

  // The reference: every (edge, receiver) pair of the source is scored.
  void ScanBalancePhase(double cap, double source_floor) {
    std::vector<int> order(num_dcs_);
    // blocked[a]: a full scan found no improving move from a. Only a move
    // can unblock a: its source becomes a better receiver (checked for a in
    // O(E)), and its receiver's own utilization rises. Skipping blocked DCs
    // gives the same sequence of moves as rescanning them.
    std::vector<char> blocked(num_dcs_, 0);
    for (;;) {
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](int a, int b) { return Before(a, b); });
      bool moved = false;
      for (int a : order) {
        if (blocked[a] || state_.dcs[a].drained || util_[a] <= source_floor) continue;
        int best_e = -1, best_c = -1;
        double best_cost = std::numeric_limits<double>::infinity(), best_u = 0, best_amount = 0;
        for (int e = 0; e < num_edges_; ++e) {
          const double amount = Movable(e, a);
          if (amount <= 0 || state_.edges[e].load <= 0) continue;
          for (int c = 0; c < num_dcs_; ++c) {
            if (c == a) continue;
            ++candidates_;
            const double u = Receive(e, c, amount, cap);
            if (!(u < util_[a] - kEps)) continue;
            const double cost = LatencyDelta(e, a, c, amount);
            if (cost < best_cost || (cost == best_cost && u < best_u)) {
              best_cost = cost, best_u = u;
              best_e = e, best_c = c, best_amount = amount;
            }
          }
        }
        if (best_e < 0) {
          blocked[a] = 1;
          continue;
        }
        Apply(best_e, a, best_c, best_amount);
        blocked[best_c] = 0;
        for (int b = 0; b < num_dcs_; ++b) {
          if (blocked[b] && b != a && CanMoveTo(b, a, cap)) blocked[b] = 0;
        }
        moved = true;
        break;
      }
      if (!moved) return;
    }
  }

  // The smallest object (edge, amount) that DC d could send, or e = -1.
  // Receive() is monotone in the load received (t_e * amount), so this
  // object decides whether d can send anything to a given receiver.
  struct Smallest {
    int e = -1;
    double amount = 0, added = std::numeric_limits<double>::infinity();
  };
  Smallest SmallestObject(int d) const {
    Smallest smallest;
    for (int e = 0; e < num_edges_; ++e) {
      const double amount = Movable(e, d);
      if (amount <= 0 || state_.edges[e].load <= 0) continue;
      const double added = state_.edges[e].load * amount;
      if (added < smallest.added) smallest = {e, amount, added};
    }
    return smallest;
  }

  // The same moves as ScanBalancePhase (see the header comment).
  void IndexedBalancePhase(double cap, double source_floor) {
    std::vector<int> order(num_dcs_);
    std::vector<char> blocked(num_dcs_, 0), live(num_dcs_, 0);
    std::vector<int> live_list;
    std::vector<Smallest> smallest(num_dcs_);
    for (int d = 0; d < num_dcs_; ++d) smallest[d] = SmallestObject(d);
    for (;;) {
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](int a, int b) { return Before(a, b); });
      bool moved = false;
      for (int a : order) {
        if (blocked[a] || state_.dcs[a].drained || util_[a] <= source_floor) continue;
        // Receivers that can take a's smallest object; no other can take any.
        live_list.clear();
        if (smallest[a].e >= 0) {
          for (int c = 0; c < num_dcs_; ++c) {
            ++candidates_;
            live[c] =
                c != a && Receive(smallest[a].e, c, smallest[a].amount, cap) < util_[a] - kEps;
            if (live[c]) live_list.push_back(c);
          }
        }
        int best_e = -1, best_c = -1;
        double best_cost = std::numeric_limits<double>::infinity(), best_u = 0, best_amount = 0;
        const auto consider = [&](int e, int c, double amount) {
          ++candidates_;
          const double u = Receive(e, c, amount, cap);
          if (!(u < util_[a] - kEps)) return false;
          const double cost = LatencyDelta(e, a, c, amount);
          if (cost < best_cost || (cost == best_cost && u < best_u)) {
            best_cost = cost, best_u = u;
            best_e = e, best_c = c, best_amount = amount;
          }
          return true;
        };
        // Few live receivers: score each edge's move to each of them (the
        // scan's order, restricted). Many: walk each edge's receivers by
        // latency up to the first feasible latency.
        const bool few = live_list.size() * 4 <= static_cast<size_t>(num_dcs_);
        for (int e = 0; !live_list.empty() && e < num_edges_; ++e) {
          const double amount = Movable(e, a);
          if (amount <= 0 || state_.edges[e].load <= 0) continue;
          if (few) {
            for (int c : live_list) consider(e, c, amount);
            continue;
          }
          const auto& latency = state_.latency_ms[e];
          bool found = false;
          double found_latency = 0;
          for (int c : by_latency_[e]) {
            if (!live[c]) continue;
            if (found && latency[c] != found_latency) break;  // only dearer ones remain
            if (consider(e, c, amount) && !found) {
              found = true;
              found_latency = latency[c];
            }
          }
        }
        if (best_e < 0) {
          blocked[a] = 1;
          continue;
        }
        Apply(best_e, a, best_c, best_amount);
        smallest[a] = SmallestObject(a);
        smallest[best_c] = SmallestObject(best_c);
        blocked[best_c] = 0;
        for (int b = 0; b < num_dcs_; ++b) {
          if (!blocked[b] || b == a || smallest[b].e < 0) continue;
          ++candidates_;
          if (Receive(smallest[b].e, a, smallest[b].amount, cap) < util_[b] - kEps) blocked[b] = 0;
        }
        moved = true;
        break;
      }
      if (!moved) return;
    }
  }

  // The balance phase's source order: higher utilization first, then index.
  bool Before(int a, int b) const { return util_[a] > util_[b] || (util_[a] == util_[b] && a < b); }

  // Whether some edge has an improving balance move from a to c.
  bool CanMoveTo(int a, int c, double cap) {
    for (int e = 0; e < num_edges_; ++e) {
      const double amount = Movable(e, a);
      if (amount <= 0 || state_.edges[e].load <= 0) continue;
      ++candidates_;
      if (Receive(e, c, amount, cap) < util_[a] - kEps) return true;
    }
    return false;
  }

  // Moves that strictly lower the latency cost with receivers ending <= cap:
  // edge by edge, the edge's best move (largest gain) until it has none;
  // sweeps repeat until a whole sweep moves nothing. A move costs O(D^2)
  // rather than O(E D^2) for a global best, with the same fixed point.
  void LatencyPhase(double cap) {
    for (bool moved = true; moved;) {
      moved = false;
      for (int e = 0; e < num_edges_; ++e) {
        if (state_.edges[e].load <= 0) continue;
        for (;;) {
          int best_a = -1, best_c = -1;
          double best_cost = -kEps, best_amount = 0;
          for (int a = 0; a < num_dcs_; ++a) {
            const double amount = Movable(e, a);
            if (amount <= 0) continue;
            const double la = state_.latency_ms[e][a];
            for (int c = 0; c < num_dcs_; ++c) {
              if (c == a || state_.latency_ms[e][c] >= la) continue;
              ++candidates_;
              const double cost = LatencyDelta(e, a, c, amount);
              if (cost >= best_cost) continue;
              if (!std::isfinite(Receive(e, c, amount, cap))) continue;
              best_cost = cost;
              best_a = a, best_c = c, best_amount = amount;
            }
          }
          if (best_a < 0) break;
          Apply(e, best_a, best_c, best_amount);
          moved = true;
        }
      }
    }
  }

  // Exchanges of equal load between two DCs: edge e1 moves from a to c and
  // edge e2 from c to a. Loads, and so every utilization guard, stay as they
  // are. DC pair by DC pair, the exchange with the largest latency gain per
  // unit load moves as much as both cells allow, until the pair has none;
  // sweeps repeat until nothing moves. Returns whether anything moved.
  bool SwapPhase() {
    bool any = false;
    for (bool moved = true; moved;) {
      moved = false;
      for (int a = 0; a < num_dcs_; ++a) {
        for (int c = a + 1; c < num_dcs_; ++c) {
          if (state_.dcs[a].drained || state_.dcs[c].drained) continue;
          while (SwapPair(a, c) || SwapPair(c, a)) moved = any = true;
        }
      }
    }
    return any;
  }

  // One exchange between a (giving via e1) and c (giving via e2), if it gains.
  bool SwapPair(int a, int c) {
    double g1 = std::numeric_limits<double>::infinity(), g2 = g1;
    int e1 = -1, e2 = -1;
    for (int e = 0; e < num_edges_; ++e) {
      if (state_.edges[e].load <= 0) continue;
      ++candidates_;
      const double la = state_.latency_ms[e][a], lc = state_.latency_ms[e][c];
      const double to_c = lc * lc - la * la;
      if (to_c < g1 && x_[e][a] - lower_[e][a] > kEps) g1 = to_c, e1 = e;
      if (-to_c < g2 && x_[e][c] - lower_[e][c] > kEps) g2 = -to_c, e2 = e;
    }
    if (e1 < 0 || e2 < 0 || e1 == e2 || g1 + g2 >= -1e-9) return false;
    const double t1 = state_.edges[e1].load, t2 = state_.edges[e2].load;
    const double load =
        std::min((x_[e1][a] - lower_[e1][a]) * t1, (x_[e2][c] - lower_[e2][c]) * t2);
    x_[e1][a] -= load / t1;
    x_[e1][c] += load / t1;
    x_[e2][c] -= load / t2;
    x_[e2][a] += load / t2;
    if (x_[e1][a] - lower_[e1][a] < kEps) x_[e1][a] = lower_[e1][a];
    if (x_[e2][c] - lower_[e2][c] < kEps) x_[e2][c] = lower_[e2][c];
    ++moves_;
    return true;
  }

  double MaxUtilization() const {
    double max_u = 0;
    for (int d = 0; d < num_dcs_; ++d) {
      if (!state_.dcs[d].drained) max_u = std::max(max_u, util_[d]);
    }
    return max_u;
  }

  Fractions TakeTable() {
    // Clean rounding residue so rows stay exact.
    for (auto& row : x_) {
      for (double& v : row) v = std::max(0.0, v);
    }
    return std::move(x_);
  }
  int64_t moves() const { return moves_; }
  int64_t candidates() const { return candidates_; }

 private:
  const State& state_;
  const Policy& policy_;
  int num_edges_ = 0, num_dcs_ = 0;
  Fractions x_;
  std::vector<std::vector<double>> lower_;
  LoadModel model_;
  std::vector<double> load_, util_, limit_, load_limit_;
  double total_load_ = 0;
  double quantum_ = 0.001;
  std::vector<std::vector<int>> by_latency_;  // per edge: DCs by latency, then index
  int64_t moves_ = 0, candidates_ = 0;
};

}  // namespace

Result<Fractions> SolveLocalSearch(const State& state, const Policy& policy, SolveStats* stats) {
  SYSKIT_RETURN_IF_ERROR(ValidateState(state));
  Timer timer;
  MoveEngine engine(state, policy);
  engine.DrainPhase();
  engine.BalancePhase(std::numeric_limits<double>::infinity(),
                      -std::numeric_limits<double>::infinity());
  const double max_utilization = engine.MaxUtilization();
  do {
    engine.LatencyPhase(max_utilization);
  } while (engine.SwapPhase());
  if (stats != nullptr) {
    stats->moves = engine.moves();
    stats->candidates = engine.candidates();
    stats->seconds = timer.ElapsedSeconds();
  }
  return engine.TakeTable();
}

Result<Fractions> SolveClosestFirst(const State& state, const Policy& policy, SolveStats* stats) {
  SYSKIT_RETURN_IF_ERROR(ValidateState(state));
  Timer timer;
  MoveEngine engine(state, policy);
  engine.DrainPhase();
  const double threshold = std::min(policy.closest_threshold, policy.max_utilization);
  // Offload DCs above the threshold to the nearest DC with room, then pull
  // traffic to nearer DCs while they stay under the threshold.
  engine.BalancePhase(threshold, threshold);
  engine.LatencyPhase(threshold);
  if (stats != nullptr) {
    stats->moves = engine.moves();
    stats->candidates = engine.candidates();
    stats->seconds = timer.ElapsedSeconds();
  }
  return engine.TakeTable();
}

}  // namespace syskit::route
