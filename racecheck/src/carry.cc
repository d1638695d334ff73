// What TSVD carries from one run to the next (paper section 3.4): the trap
// file (dangerous pairs with their hit counts and decay state, and the pairs
// ruled out by happens-before inference or retired by decay) and the bug
// file (pairs already reported). Read at Start, written at Stop, each file
// replaced atomically.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "runtime_internal.h"
#include "syskit/racecheck/trap_file.h"

namespace syskit::racecheck::internal {
namespace {

TrapPair::State ToFileState(PairStatus status) {
  switch (status) {
    case PairStatus::kHappensBefore:
      return TrapPair::State::kHappensBefore;
    case PairStatus::kRetired:
      return TrapPair::State::kRetired;
    default:
      return TrapPair::State::kDangerous;
  }
}

}  // namespace

Status LoadCarriedState(State& state) {
  const Options& options = state.options;
  if (!options.trap_file.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(std::vector<TrapPair> pairs, ReadTrapFile(options.trap_file));
    for (const TrapPair& pair : pairs) {
      KeyPair keys = OrderedKeys(pair.first, pair.second);
      if (pair.state == TrapPair::State::kHappensBefore) {
        state.hb_keys.insert(std::move(keys));
        continue;
      }
      const int failed = static_cast<int>(std::min<uint32_t>(pair.failed_traps, 1 << 20));
      if (pair.state == TrapPair::State::kRetired || failed >= options.retire_after_traps) {
        state.retired_keys.insert(std::move(keys));
        continue;
      }
      // A dangerous pair: both locations become planned traps, each with the
      // traps the pair has left before decay retires it.
      const bool swapped = keys.first != pair.first;
      state.carried[keys] = CarriedPair{swapped ? pair.second_hits : pair.first_hits,
                                        swapped ? pair.first_hits : pair.second_hits, failed};
      for (auto [key, hits] :
           {std::pair{pair.first, pair.first_hits}, std::pair{pair.second, pair.second_hits}}) {
        auto [it, inserted] = state.planned.emplace(key, hits);
        if (!inserted) it->second = std::min(it->second, hits);
        int& budget = state.planned_budget[key];
        budget = std::max(budget, options.retire_after_traps - failed);
        int& failures = state.carried_failures[key];
        failures = std::max(failures, failed);
      }
    }
  }
  if (!options.bug_file.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(std::vector<BugPair> bugs, ReadBugFile(options.bug_file));
    for (const BugPair& bug : bugs) state.found.insert(OrderedKeys(bug.first, bug.second));
  }
  return Status::OK();
}

Status WriteCarriedState(State& state, Stats* stats) {
  const Options& options = state.options;
  if (!options.trap_file.empty()) {
    std::vector<TrapPair> pairs;
    std::set<KeyPair> seen;
    {
      std::lock_guard<std::mutex> lock(state.pairs_mu);
      for (const auto& [key, pair] : state.pairs) {
        if (pair.status == PairStatus::kFound) continue;  // the bug file has it
        TrapPair out{
            SiteOf(pair.a).key, SiteOf(pair.b).key,       pair.a_hits,
            pair.b_hits,        ToFileState(pair.status), static_cast<uint32_t>(pair.failed_traps)};
        seen.insert(OrderedKeys(out.first, out.second));
        pairs.push_back(std::move(out));
      }
    }
    {
      std::lock_guard<std::mutex> lock(state.reports_mu);
      seen.insert(state.found.begin(), state.found.end());
    }
    // Carried pairs this run did not see again: charge them the planned
    // traps that failed at their locations, so decay goes on across runs.
    std::map<std::string, int> planned_failed;
    for (const auto& [id, key] : AllSiteKeys()) {
      const int failed = state.info[id].planned_failed.load();
      if (failed > 0) planned_failed[key] = failed;
    }
    for (const auto& [keys, carried] : state.carried) {
      if (seen.count(keys)) continue;
      int failed = carried.failed_traps + planned_failed[keys.first];
      if (keys.second != keys.first) failed += planned_failed[keys.second];
      const bool retired = failed >= options.retire_after_traps;
      if (retired) state.retired.fetch_add(1, std::memory_order_relaxed);
      pairs.push_back(TrapPair{keys.first, keys.second, carried.first_hits, carried.second_hits,
                               retired ? TrapPair::State::kRetired : TrapPair::State::kDangerous,
                               static_cast<uint32_t>(failed)});
      seen.insert(keys);
    }
    for (const auto* set : {&state.hb_keys, &state.retired_keys}) {
      for (const KeyPair& keys : *set) {
        if (!seen.insert(keys).second) continue;
        pairs.push_back(TrapPair{
            keys.first, keys.second, 0, 0,
            set == &state.hb_keys ? TrapPair::State::kHappensBefore : TrapPair::State::kRetired,
            0});
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const TrapPair& x, const TrapPair& y) {
      return std::tie(x.first, x.second) < std::tie(y.first, y.second);
    });
    SYSKIT_RETURN_IF_ERROR(WriteTrapFile(options.trap_file, pairs));
  }
  if (!options.bug_file.empty()) {
    std::vector<BugPair> bugs;
    {
      std::lock_guard<std::mutex> lock(state.reports_mu);
      for (const KeyPair& keys : state.found) bugs.push_back(BugPair{keys.first, keys.second});
    }
    SYSKIT_RETURN_IF_ERROR(WriteBugFile(options.bug_file, bugs));
  }
  *stats = CurrentStats();  // after the carried pairs' decay
  if (!options.stats_file.empty()) {
    nlohmann::json json = {{"calls", stats->calls},
                           {"near_misses", stats->near_misses},
                           {"dangerous_pairs", stats->dangerous_pairs},
                           {"delays", stats->delays},
                           {"delay_us_total", stats->delay_us_total},
                           {"hb_pruned_pairs", stats->hb_pruned_pairs},
                           {"retired_pairs", stats->retired_pairs},
                           {"reports", stats->reports}};
    SYSKIT_RETURN_IF_ERROR(ReplaceFileAtomically(options.stats_file, json.dump() + "\n"));
  }
  return Status::OK();
}

}  // namespace syskit::racecheck::internal
