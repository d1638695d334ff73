// TSVD runtime (Li, Lu, Musuvathi, Nath, Padhye, "Efficient Scalable
// Thread-Safety-Violation Detection", SOSP 2019): the algorithm.
//
// Every instrumented call goes through OnCall, which
//   1. reports a violation if another thread is held in a trap on the same
//      object and either call writes (both calls are then in flight at once,
//      so a report is never a false positive, short of a contract error);
//   2. in a concurrent phase (the global ring of recent calls holds more than
//      one thread), records near misses: a conflicting access to the object by
//      another thread within the window; their two call sites become a
//      dangerous pair;
//   3. at a location of a live dangerous pair, sets a trap on the object and
//      sleeps, so a conflicting call from another thread overlaps it.
// Delays that fail to overlap lower the location's trap probability
// (p = 0.99 - 0.1 * failures) and retire the pair after `retire_after_traps`;
// a thread that stalls for most of another thread's delay is taken as blocked
// by it (happens-before inference) and the pair of the two locations is
// dropped. carry.cc writes the pairs, with their decay state, to the trap
// file for the next run.
//
// Invariant: a report is only made while the trapped thread is inside its
// delay, i.e. before its call, and the arriving thread is at its call.
//
// Hot path (no delay): a thread-local site cache, one relaxed add on the
// site's hit count, one clock read, a ring slot written only when it holds
// another thread, and the object's shard mutex around a fixed-size history
// ring. No allocation and no other lock unless a near miss or trap is found.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "runtime_internal.h"

namespace syskit::racecheck {
namespace internal {
namespace {

std::atomic<bool> g_enabled{false};
std::mutex g_start_mu;
State* g_state = nullptr;  // owned; replaced only by Start (no OnCall in flight)
std::atomic<uint64_t> g_epoch{0};

struct ThreadState {
  int id = 0;
  uint64_t epoch = ~uint64_t{0};
  int64_t last_call_us = -1;
  int credit = 0;
  uint32_t credit_site = 0;
  uint32_t ring_pos = 0;
  int64_t random_budget_us = 0;
  std::mt19937_64 rng;
  std::atomic<bool>* exited = nullptr;  // this run's exit flag (State::thread_exited)
  // Direct-mapped cache of interned sites, so the hot path takes no lock.
  struct CachedSite {
    const char* file = nullptr;
    uint32_t line = 0, column = 0, id = 0;
  };
  std::array<CachedSite, 256> site_cache{};
  // Pairs this thread already knows are registered (any status), so repeated
  // near misses of the same pair skip the global pair table.
  std::unordered_set<uint64_t> known_pairs;
  // At thread exit: its recent accesses can no longer be caught by a trap in
  // this run. (Its ring slots stay: a near miss with it still goes to the
  // trap file, which is how a once-per-run race is caught in run 2.)
  ~ThreadState() {
    // Under g_start_mu: Start may otherwise free g_state between our load
    // of the pointer and the epoch check (a pool thread of the previous run
    // exiting while the next run starts).
    std::lock_guard<std::mutex> start_lock(g_start_mu);
    State* state = g_state;
    if (!g_enabled.load(std::memory_order_acquire) || state == nullptr || state->epoch != epoch) {
      return;
    }
    exited->store(true, std::memory_order_release);
  }
};

ThreadState& Tls(State& state) {
  thread_local ThreadState t;
  if (t.id == 0) t.id = CurrentThreadId();
  if (t.epoch != state.epoch) {
    {
      std::lock_guard<std::mutex> lock(state.threads_mu);
      t.exited = &state.thread_exited.emplace_back(false);
    }
    t.epoch = state.epoch;
    t.last_call_us = -1;
    t.credit = 0;
    t.ring_pos = static_cast<uint32_t>(t.id) * 7;
    t.random_budget_us = state.options.max_delay_per_thread_us;
    t.rng.seed(state.options.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(t.id));
    t.known_pairs.clear();
    t.site_cache.fill({});  // per-run site state is set up on first sight
  }
  return t;
}

// Sets up a site's per-run state from the trap file the first time this run
// sees it (the maps are read-only after Start).
void PlanSite(State& state, uint32_t id) {
  SiteInfo& info = state.info[id];
  if (info.planned_set.exchange(true)) return;
  const std::string& key = SiteOf(id).key;
  if (auto it = state.planned.find(key); it != state.planned.end()) {
    info.planned_hits.store(it->second, std::memory_order_relaxed);
  }
  if (auto it = state.planned_budget.find(key); it != state.planned_budget.end()) {
    info.planned_budget.store(it->second, std::memory_order_relaxed);
  }
  if (auto it = state.carried_failures.find(key); it != state.carried_failures.end()) {
    info.failed_traps.store(it->second, std::memory_order_relaxed);
  }
}

uint32_t InternSite(State& state, ThreadState& t, const SiteRef& location) {
  const size_t slot =
      (reinterpret_cast<uintptr_t>(location.file) / 8 + location.line * 31 + location.column) %
      t.site_cache.size();
  ThreadState::CachedSite& cached = t.site_cache[slot];
  if (cached.file == location.file && cached.line == location.line &&
      cached.column == location.column) {
    return cached.id;
  }
  const uint32_t id = LookupSite(location);
  PlanSite(state, id);
  cached = {location.file, location.line, location.column, id};
  return id;
}

// A concurrent phase: the ring of recent calls holds another thread. Each
// thread writes its own run of slots, so after `global_history` calls by one
// thread alone every other thread has been overwritten.
bool ConcurrentPhase(State& state, int thread) {
  const int size = std::min(state.options.global_history, kMaxRing);
  for (int slot = 0; slot < size; ++slot) {
    const int other = state.ring[slot].load(std::memory_order_relaxed);
    if (other != 0 && other != thread) return true;
  }
  return false;
}

void NoteInRing(State& state, ThreadState& t) {
  const int size = std::min(state.options.global_history, kMaxRing);
  std::atomic<int>& slot = state.ring[t.ring_pos++ % static_cast<uint32_t>(size)];
  // Written only when it changes: a thread running alone keeps the line clean.
  if (slot.load(std::memory_order_relaxed) != t.id) slot.store(t.id, std::memory_order_relaxed);
}

// Moves a dangerous pair to `status`; pairs_mu held.
void LeaveDangerous(State& state, PairState& pair, PairStatus status) {
  if (pair.status != PairStatus::kDangerous) return;
  pair.status = status;
  for (uint32_t site : {pair.a, pair.b}) {
    // Settled in this run: no planned traps for it either.
    state.info[site].planned_budget.store(0, std::memory_order_relaxed);
  }
  if (pair.deferred) return;
  state.info[pair.a].live_pairs.fetch_sub(1);
  if (pair.b != pair.a) state.info[pair.b].live_pairs.fetch_sub(1);
}

void MakeLive(State& state, PairState& pair) {
  pair.deferred = false;
  state.info[pair.a].live_pairs.fetch_add(1);
  if (pair.b != pair.a) state.info[pair.b].live_pairs.fetch_add(1);
}

// A near miss between `earlier` and this call; `live` if the earlier thread
// is still running.
void AddDangerousPair(State& state, const AccessRecord& earlier, uint32_t site, uint32_t hits,
                      bool live) {
  state.near_misses.fetch_add(1, std::memory_order_relaxed);
  const uint64_t key = PairKey(earlier.site, site);
  KeyPair keys = OrderedKeys(SiteOf(earlier.site).key, SiteOf(site).key);
  bool found;
  {
    std::lock_guard<std::mutex> lock(state.reports_mu);
    found = state.found.count(keys) > 0;
  }
  std::lock_guard<std::mutex> lock(state.pairs_mu);
  if (auto it = state.pairs.find(key); it != state.pairs.end()) {
    if (live && it->second.status == PairStatus::kDangerous && it->second.deferred) {
      MakeLive(state, it->second);
    }
    return;
  }
  PairState pair;
  pair.a = earlier.site;
  pair.b = site;
  pair.a_hits = earlier.site_hits;
  pair.b_hits = hits;
  if (auto carried = state.carried.find(keys); carried != state.carried.end()) {
    // Decay goes on from the last run, and counts this run's planned traps
    // at either location so far.
    pair.failed_traps = carried->second.failed_traps + state.info[pair.a].planned_failed.load();
    if (pair.b != pair.a) pair.failed_traps += state.info[pair.b].planned_failed.load();
  }
  if (found) {
    pair.status = PairStatus::kFound;
  } else if (state.hb_keys.count(keys)) {
    pair.status = PairStatus::kHappensBefore;
  } else if (state.retired_keys.count(keys) ||
             pair.failed_traps >= state.options.retire_after_traps) {
    pair.status = PairStatus::kRetired;
  } else {
    state.dangerous.fetch_add(1, std::memory_order_relaxed);
    pair.deferred = true;
    if (live) MakeLive(state, pair);
  }
  state.pairs.emplace(key, pair);
}

void PruneHappensBefore(State& state, uint32_t first, uint32_t second) {
  std::lock_guard<std::mutex> lock(state.pairs_mu);
  auto [it, inserted] = state.pairs.try_emplace(PairKey(first, second));
  PairState& pair = it->second;
  if (inserted) {
    pair.a = first;
    pair.b = second;
    pair.status = PairStatus::kHappensBefore;
    return;
  }
  if (pair.status == PairStatus::kDangerous) {
    LeaveDangerous(state, pair, PairStatus::kHappensBefore);
    state.hb_pruned.fetch_add(1, std::memory_order_relaxed);
  }
}

// Happens-before inference: was this thread held up by another thread's
// delay? If it made no call for at least `hb_block_fraction` of a delay that
// was running meanwhile, and resumed once the delay ended, the delayed location
// probably happens-before this one, and the next hb_credit calls too.
void InferHappensBefore(State& state, ThreadState& t, uint32_t site, int64_t now) {
  if (t.credit > 0) {
    --t.credit;
    PruneHappensBefore(state, t.credit_site, site);
    return;
  }
  if (t.last_call_us < 0 || !state.options.hb_inference) return;
  const int64_t idle = now - t.last_call_us;
  if (idle < static_cast<int64_t>(state.options.hb_block_fraction * state.options.delay_us)) {
    return;
  }
  std::lock_guard<std::mutex> lock(state.delays_mu);
  for (auto d = state.delays.rbegin(); d != state.delays.rend(); ++d) {
    if (d->thread == t.id || t.last_call_us >= d->end_us || now < d->end_us) continue;
    if (now - d->end_us > d->delay_us) continue;
    const int64_t blocked = now - std::max(t.last_call_us, d->start_us);
    if (blocked < static_cast<int64_t>(state.options.hb_block_fraction * d->delay_us)) continue;
    t.credit_site = d->site;
    t.credit = std::max(0, state.options.hb_credit - 1);
    PruneHappensBefore(state, d->site, site);
    return;
  }
}

void Record(State& state, Report report) {
  KeyPair keys = OrderedKeys(report.trapped.site.key, report.arriving.site.key);
  std::lock_guard<std::mutex> lock(state.reports_mu);
  if (!state.found.insert(keys).second) return;
  state.reports.push_back(report);
  state.report_count.fetch_add(1);
  if (state.options.report_file.empty()) return;
  // Appended as it happens, so a target that crashes later keeps its reports.
  const std::string line = ReportToJson(report) + "\n";
  const int fd = ::open(state.options.report_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ssize_t written = ::write(fd, line.data(), line.size());
    (void)written;
    ::close(fd);
  }
}

ReportSide MakeSide(uint32_t site, OpId op, bool is_write, int thread, std::vector<Frame> stack) {
  return ReportSide{SiteOf(site), OpName(op), is_write, thread, std::move(stack)};
}

Shard& ShardOf(State& state, uintptr_t address) { return state.shards[(address >> 4) % kShards]; }

// Decay: a trap that caught nothing lowers the location's probability and
// counts against every live pair of the location.
void RecordFailedTrap(State& state, uint32_t site, bool planned) {
  if (planned) {
    state.info[site].planned_failed.fetch_add(1);
    state.info[site].planned_budget.fetch_sub(1);
  }
  state.info[site].failed_traps.fetch_add(1);
  std::lock_guard<std::mutex> lock(state.pairs_mu);
  for (auto& [key, pair] : state.pairs) {
    if (pair.status != PairStatus::kDangerous || (pair.a != site && pair.b != site)) continue;
    if (++pair.failed_traps >= state.options.retire_after_traps) {
      LeaveDangerous(state, pair, PairStatus::kRetired);
      state.retired.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

// Whether the pair of sites was reported already (this run or the bug file).
// Called with a shard lock held (lock order: shard, then pairs, then reports).
bool AlreadyFound(State& state, uint32_t a, uint32_t b) {
  {
    std::lock_guard<std::mutex> lock(state.pairs_mu);
    auto it = state.pairs.find(PairKey(a, b));
    if (it != state.pairs.end()) return it->second.status == PairStatus::kFound;
  }
  KeyPair keys = OrderedKeys(SiteOf(a).key, SiteOf(b).key);
  std::lock_guard<std::mutex> lock(state.reports_mu);
  return state.found.count(keys) > 0;
}

void MarkFound(State& state, uint32_t a, uint32_t b) {
  std::lock_guard<std::mutex> lock(state.pairs_mu);
  auto [it, inserted] = state.pairs.try_emplace(PairKey(a, b));
  if (inserted) {
    // A pair carried from the trap file (not seen as a near miss in this
    // run yet): its planned traps are spent too, as LeaveDangerous does for
    // a registered pair, so the arriving thread does not sit out a planned
    // delay after its report.
    it->second.a = a;
    it->second.b = b;
    it->second.status = PairStatus::kFound;
    for (uint32_t site : {a, b})
      state.info[site].planned_budget.store(0, std::memory_order_relaxed);
    return;
  }
  LeaveDangerous(state, it->second, PairStatus::kFound);
}

// One recent access of `record`'s object that conflicts with this call.
struct Conflict {
  int thread;
  uint32_t site;
  OpId op;
  bool is_write;
  bool planned;
  std::vector<Frame> stack;
};

// Marks and collects the traps on `object_state` that a call (thread, site,
// is_write) conflicts with: another thread is held before a conflicting call
// on the object, so both calls are in flight at once. A known bug is not
// reported again, and catching it again teaches nothing: for decay such a
// trap counts as failed. Shard lock held.
void CollectConflicts(State& state, ObjectState& object_state, int thread, uint32_t site,
                      bool is_write, std::vector<Conflict>* conflicts) {
  for (Trap* trap : object_state.traps) {
    if (trap->thread == thread || !(trap->is_write || is_write)) continue;
    if (AlreadyFound(state, trap->site, site)) continue;
    trap->hit = true;
    conflicts->push_back(
        {trap->thread, trap->site, trap->op, trap->is_write, trap->planned, trap->stack});
  }
}

// Reports each conflict against the arriving call (no lock held).
void ReportConflicts(State& state, std::vector<Conflict>& conflicts, uint32_t site, OpId op,
                     bool is_write, int thread, const std::vector<Frame>& stack,
                     uint64_t generation) {
  for (Conflict& conflict : conflicts) {
    Report report;
    report.trapped = MakeSide(conflict.site, conflict.op, conflict.is_write, conflict.thread,
                              std::move(conflict.stack));
    report.arriving = MakeSide(site, op, is_write, thread, stack);
    report.object_generation = generation;
    report.from_trap_file = conflict.planned;
    MarkFound(state, conflict.site, site);
    Record(state, std::move(report));
  }
}

// Sleeps `delay_us` with a trap on the object; returns whether another
// thread arrived at a conflicting call meanwhile. Several threads may be
// trapped at once (parallel traps), on the same object or others.
//
// The trap check in OnCall runs before the call decides to delay, so two
// threads that come to conflicting dangerous calls together can both pass
// it before either has set its trap, and then sleep side by side unseen
// (with planned traps in run 2 of a once-per-run race, that was the usual
// outcome when the threads arrived within a few microseconds). So the traps
// already set are checked again, under the same lock as setting this one:
// a conflicting trap there is another thread held before its call while
// this thread is at its own, which is a report, and no delay is needed.
bool Delay(State& state, ThreadState& t, uintptr_t address, uint32_t site, OpId op, bool is_write,
           int64_t delay_us, bool planned) {
  Trap trap{t.id, site, op, is_write, planned, CaptureStack(1)};
  Shard& shard = ShardOf(state, address);
  std::vector<Conflict> conflicts;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    ObjectState& object_state = shard.objects[address];
    generation = object_state.generation;
    CollectConflicts(state, object_state, t.id, site, is_write, &conflicts);
    if (conflicts.empty()) object_state.traps.push_back(&trap);
  }
  if (!conflicts.empty()) {
    ReportConflicts(state, conflicts, site, op, is_write, t.id, trap.stack, generation);
    return true;
  }
  state.active_delays.fetch_add(1);
  const int64_t start = NowUs();
  {
    std::unique_lock<std::mutex> lock(state.wake_mu);
    state.wake_cv.wait_for(lock, std::chrono::microseconds(delay_us),
                           [&] { return state.stopping; });
  }
  const int64_t end = NowUs();
  state.active_delays.fetch_sub(1);
  bool hit;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto& traps = shard.objects[address].traps;
    traps.erase(std::find(traps.begin(), traps.end(), &trap));
    hit = trap.hit;
  }
  state.delays_done.fetch_add(1, std::memory_order_relaxed);
  state.delay_us.fetch_add(static_cast<uint64_t>(end - start), std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(state.delays_mu);
    state.delays.push_back(DelayEvent{t.id, site, start, end, delay_us});
    if (state.delays.size() > kMaxDelayEvents) state.delays.pop_front();
  }
  return hit;
}

// Whether this call should be delayed, and for how long.
int64_t ChooseDelay(State& state, ThreadState& t, const SiteInfo& info, uint32_t hits,
                    bool* planned) {
  const Options& options = state.options;
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  if (options.mode == Mode::kTsvd) {
    if (info.live_pairs.load(std::memory_order_relaxed) > 0) {
      const double p = 0.99 - 0.1 * info.failed_traps.load(std::memory_order_relaxed);
      return coin(t.rng) < p ? options.delay_us : 0;
    }
    const int64_t target = info.planned_hits.load(std::memory_order_relaxed);
    if (target >= 0 &&
        std::llabs(static_cast<int64_t>(hits) - target) <= options.planned_hit_slack &&
        info.planned_budget.load(std::memory_order_relaxed) > 0) {
      *planned = true;
      return options.delay_us;
    }
    return 0;
  }
  if (options.mode == Mode::kRandom && t.random_budget_us > 0 &&
      coin(t.rng) < options.random_probability) {
    const int64_t delay_us = std::min<int64_t>(
        t.random_budget_us,
        static_cast<int64_t>(coin(t.rng) * static_cast<double>(options.random_max_delay_us)));
    t.random_budget_us -= delay_us;
    return delay_us;
  }
  return 0;
}

void OnCallEnabled(State& state, const void* object, OpId op, bool is_write,
                   const SiteRef& location) {
  ThreadState& t = Tls(state);
  const Options& options = state.options;
  const bool tsvd = options.mode == Mode::kTsvd;
  const uint32_t site = InternSite(state, t, location);
  SiteInfo& info = state.info[site];
  const uint32_t hits = info.hits.fetch_add(1, std::memory_order_relaxed) + 1;
  const int64_t now = NowUs();
  state.calls_by_thread[static_cast<size_t>(t.id) % kShards].value.fetch_add(
      1, std::memory_order_relaxed);
  if (tsvd) {
    NoteInRing(state, t);
    InferHappensBefore(state, t, site, now);
  }

  const uintptr_t address = reinterpret_cast<uintptr_t>(object);
  Shard& shard = ShardOf(state, address);
  std::vector<Conflict> conflicts;
  std::array<AccessRecord, kMaxObjectHistory> near;
  int near_count = 0;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    ObjectState& object_state = shard.objects[address];
    generation = object_state.generation;
    CollectConflicts(state, object_state, t.id, site, is_write, &conflicts);
    if (tsvd) {
      for (int r = 0; r < object_state.recent_count; ++r) {
        const AccessRecord& record = object_state.recent[static_cast<size_t>(r)];
        if (record.thread == t.id || !(record.is_write || is_write)) continue;
        if (options.window_us > 0 && now - record.time_us > options.window_us) {
          // Outside delta: still a (deferred) near miss if the other thread
          // has exited, within the wider exited window.
          const int64_t exited_window = std::max(options.window_us, options.exited_window_us);
          if (now - record.time_us > exited_window ||
              !record.exited->load(std::memory_order_acquire)) {
            continue;
          }
        }
        near[static_cast<size_t>(near_count++)] = record;
      }
      object_state.recent[static_cast<size_t>(object_state.recent_next)] = {
          t.id, CurrentClock(), t.exited, site, is_write, now, hits};
      object_state.recent_next = (object_state.recent_next + 1) % options.object_history;
      object_state.recent_count = std::min(object_state.recent_count + 1, options.object_history);
    }
  }
  if (!conflicts.empty()) {
    ReportConflicts(state, conflicts, site, op, is_write, t.id, CaptureStack(1), generation);
  }
  bool concurrent = false, checked = false;
  for (int n = 0; n < near_count; ++n) {
    const AccessRecord& record = near[static_cast<size_t>(n)];
    const uint64_t key = PairKey(record.site, site);
    if (t.known_pairs.count(key)) continue;
    // Ordered by thread creation or join: not a near miss. (Checked here,
    // outside the shard lock and after the known-pair filter, which skips
    // most records on a hot path.)
    if (options.thread_hb && OrderedBefore(record.thread, record.clock)) continue;
    if (!checked) {
      concurrent = ConcurrentPhase(state, t.id);
      checked = true;
    }
    if (!concurrent) break;
    const bool live = !record.exited->load(std::memory_order_acquire);
    AddDangerousPair(state, record, site, hits, live);
    if (live) t.known_pairs.insert(key);
  }

  bool planned = false;
  const int64_t delay_us = ChooseDelay(state, t, info, hits, &planned);
  if (delay_us > 0) {
    const bool hit = Delay(state, t, address, site, op, is_write, delay_us, planned);
    if (!hit && tsvd) RecordFailedTrap(state, site, planned);
  }
  t.last_call_us = delay_us > 0 ? NowUs() : now;
}

void OnCallSite(const void* object, OpId op, bool is_write, const SiteRef& location) {
  if (!EnvironmentChecked()) {
    static std::once_flag once;
    std::call_once(once, [] {
      Status status = StartFromEnvironment();
      if (!status.ok()) {
        std::fprintf(stderr, "syskit racecheck: error: %s\n", status.message().c_str());
        std::_Exit(2);
      }
    });
  }
  if (!g_enabled.load(std::memory_order_acquire)) return;
  OnCallEnabled(*g_state, object, op, is_write, location);
}

}  // namespace
}  // namespace internal

using internal::g_enabled;
using internal::g_start_mu;
using internal::g_state;

void OnCall(const void* object, OpId op, bool is_write, const std::source_location& location) {
  internal::OnCallSite(object, op, is_write,
                       internal::SiteRef{location.file_name(), location.line(), location.column(),
                                         location.function_name()});
}

void OnCallAt(const void* object, OpId op, bool is_write, const char* file, uint32_t line,
              const char* function) {
  internal::OnCallSite(object, op, is_write, internal::SiteRef{file, line, 0, function});
}

void OnCall(const void* object, OpId op, const std::source_location& location) {
  if (!g_enabled.load(std::memory_order_relaxed) && internal::EnvironmentChecked()) return;
  OnCall(object, op, IsWriteOp(op), location);
}

void OnDestroy(const void* object) {
  if (!g_enabled.load(std::memory_order_acquire)) return;
  internal::State& state = *g_state;
  const uintptr_t address = reinterpret_cast<uintptr_t>(object);
  internal::Shard& shard = internal::ShardOf(state, address);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.objects.find(address);
  if (it == shard.objects.end()) return;
  ++it->second.generation;
  it->second.recent_count = 0;
  it->second.recent_next = 0;
}

Status Start(const Options& options, const Contract& contract) {
  std::lock_guard<std::mutex> start_lock(g_start_mu);
  internal::MarkEnvironmentChecked();
  if (g_enabled.load()) return FailedPreconditionError("racecheck runtime already started");
  if (options.delay_us < 0 || options.window_us < 0 || options.exited_window_us < 0 ||
      options.object_history < 1 || options.object_history > internal::kMaxObjectHistory ||
      options.global_history < 1 || options.global_history > internal::kMaxRing) {
    return InvalidArgumentError(
        "racecheck options out of range (delay, window >= 0; object history 1..8; global "
        "history 1..64)");
  }
  auto state = std::make_unique<internal::State>();
  state->options = options;
  state->epoch = internal::g_epoch.fetch_add(1) + 1;
  SYSKIT_RETURN_IF_ERROR(internal::LoadCarriedState(*state));
  internal::InstallContract(contract);
  delete g_state;
  g_state = state.release();
  g_enabled.store(options.mode != Mode::kOff, std::memory_order_release);
  return Status::OK();
}

Result<Stats> Stop() {
  std::lock_guard<std::mutex> start_lock(g_start_mu);
  if (!g_enabled.exchange(false)) return Stats{};
  internal::State& state = *g_state;
  {
    std::lock_guard<std::mutex> lock(state.wake_mu);
    state.stopping = true;
  }
  state.wake_cv.notify_all();
  Stats stats;
  SYSKIT_RETURN_IF_ERROR(internal::WriteCarriedState(state, &stats));
  return stats;
}

std::vector<Report> TakeReports() {
  std::lock_guard<std::mutex> start_lock(g_start_mu);
  if (g_state == nullptr) return {};
  std::lock_guard<std::mutex> lock(g_state->reports_mu);
  std::vector<Report> reports = std::move(g_state->reports);
  g_state->reports.clear();
  return reports;
}

Stats CurrentStats() {
  if (g_state == nullptr) return {};
  const internal::State& s = *g_state;
  uint64_t calls = 0;
  for (const auto& counter : s.calls_by_thread) calls += counter.value.load();
  return Stats{calls,
               s.near_misses.load(),
               s.dangerous.load(),
               s.delays_done.load(),
               s.delay_us.load(),
               s.hb_pruned.load(),
               s.retired.load(),
               s.report_count.load()};
}

bool Enabled() { return g_enabled.load(); }

}  // namespace syskit::racecheck
