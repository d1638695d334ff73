// TSVD runtime (Li, Lu, Musuvathi, Nath, Padhye, "Efficient Scalable
// Thread-Safety-Violation Detection", SOSP 2019).
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
// dropped. Live pairs are written to the trap file for the next run.
//
// Invariant: a report is only made while the trapped thread is inside its
// delay, i.e. before its call, and the arriving thread is at its call.
#include "syskit/racecheck/runtime.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "syskit/core/env.h"
#include "syskit/racecheck/trap_file.h"

namespace syskit::racecheck {
namespace {

constexpr uint32_t kMaxSites = 1 << 16;
constexpr uint32_t kMaxOps = 1 << 12;
constexpr int kShards = 64;
constexpr int kMaxRing = 64;
constexpr size_t kMaxDelayEvents = 64;
constexpr int kStackDepth = 24;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// ---- call sites and ops: process-wide, never reset --------------------------

struct SiteTable {
  std::mutex mu;
  std::map<std::tuple<const char*, uint32_t, uint32_t>, uint32_t> by_location;
  std::unordered_map<std::string, uint32_t> by_key;
  std::vector<std::unique_ptr<CallSite>> sites;
  std::array<std::atomic<const CallSite*>, kMaxSites> ptr{};
};

SiteTable& Sites() {
  static auto* table = new SiteTable;
  return *table;
}

struct OpTable {
  std::mutex mu;
  std::unordered_map<std::string, OpId> by_name;
  std::vector<std::pair<std::string, std::string>> names;
  std::array<std::atomic<int8_t>, kMaxOps> is_write;  // -1 unknown
  Contract contract = Contract::Defaults();
  OpTable() {
    for (auto& w : is_write) w.store(-1);
  }
};

OpTable& Ops() {
  static auto* table = new OpTable;
  return *table;
}

std::string OpName(OpId op) {
  OpTable& ops = Ops();
  std::lock_guard<std::mutex> lock(ops.mu);
  if (op >= ops.names.size()) return "op#" + std::to_string(op);
  return ops.names[op].first + "::" + ops.names[op].second;
}

// ---- per-run state -----------------------------------------------------------

struct SiteInfo {
  std::atomic<uint32_t> hits{0};
  std::atomic<int> live_pairs{0};
  std::atomic<int> failed_traps{0};
  std::atomic<int64_t> planned_hits{-1};
  std::atomic<int> planned_failed{0};
  void Reset() {
    hits = 0;
    live_pairs = 0;
    failed_traps = 0;
    planned_hits = -1;
    planned_failed = 0;
  }
};

struct AccessRecord {
  int thread;
  uint32_t site;
  bool is_write;
  int64_t time_us;
  uint32_t site_hits;
};

struct Trap {
  int thread;
  uint32_t site;
  OpId op;
  bool is_write;
  bool planned;
  std::vector<Frame> stack;
  bool hit = false;
};

struct ObjectState {
  uint64_t generation = 0;
  std::deque<AccessRecord> recent;
  std::vector<Trap*> traps;
};

struct Shard {
  std::mutex mu;
  std::unordered_map<uintptr_t, ObjectState> objects;
};

enum class PairStatus { kDangerous, kHappensBefore, kRetired, kFound };

struct PairState {
  uint32_t a, b;
  uint32_t a_hits = 0, b_hits = 0;
  int failed_traps = 0;
  PairStatus status = PairStatus::kDangerous;
};

struct DelayEvent {
  int thread;
  uint32_t site;
  int64_t start_us, end_us, delay_us;
};

using KeyPair = std::pair<std::string, std::string>;
KeyPair OrderedKeys(std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return {std::move(a), std::move(b)};
}

struct State {
  Options options;
  uint64_t epoch = 0;
  std::unique_ptr<SiteInfo[]> info = std::make_unique<SiteInfo[]>(kMaxSites);
  std::array<Shard, kShards> shards;
  std::array<std::atomic<int>, kMaxRing> ring{};
  std::atomic<uint32_t> ring_next{0};

  std::mutex pairs_mu;
  std::unordered_map<uint64_t, PairState> pairs;
  std::map<std::string, uint32_t> planned;  // trap-file site key -> hits
  std::set<KeyPair> hb_keys;                // happens-before pairs from the trap file
  std::set<KeyPair> retired_keys;           // pairs retired by decay in an earlier run

  std::mutex delays_mu;
  std::deque<DelayEvent> delays;

  std::mutex wake_mu;
  std::condition_variable wake_cv;
  bool stopping = false;

  std::mutex reports_mu;
  std::vector<Report> reports;
  std::set<KeyPair> found;  // bug file + found in this run

  // Call counts per thread slot, each on its own cache line.
  struct alignas(64) PaddedCounter {
    std::atomic<uint64_t> value{0};
  };
  std::array<PaddedCounter, kShards> calls_by_thread;
  std::atomic<uint64_t> near_misses{0}, dangerous{0}, delays_done{0}, delay_us{0}, hb_pruned{0},
      retired{0}, report_count{0};
};

std::atomic<bool> g_enabled{false};
std::atomic<bool> g_env_checked{false};
std::mutex g_start_mu;
State* g_state = nullptr;  // owned; replaced only by Start (no OnCall in flight)
std::atomic<uint64_t> g_epoch{0};
std::atomic<int> g_next_thread{0};

struct ThreadState {
  int id = 0;
  uint64_t epoch = ~uint64_t{0};
  int64_t last_call_us = -1;
  int credit = 0;
  uint32_t credit_site = 0;
  int64_t random_budget_us = 0;
  std::mt19937_64 rng;
  // Direct-mapped cache of interned sites, so the hot path takes no lock.
  struct CachedSite {
    const char* file = nullptr;
    uint32_t line = 0, column = 0, id = 0;
  };
  std::array<CachedSite, 256> site_cache{};
  // Pairs this thread already knows are registered (any status), so repeated
  // near misses of the same pair skip the global pair table.
  std::unordered_set<uint64_t> known_pairs;
};

ThreadState& Tls(const State& state) {
  thread_local ThreadState t;
  if (t.id == 0) t.id = g_next_thread.fetch_add(1) + 1;
  if (t.epoch != state.epoch) {
    t.epoch = state.epoch;
    t.last_call_us = -1;
    t.credit = 0;
    t.random_budget_us = state.options.max_delay_per_thread_us;
    t.rng.seed(state.options.seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(t.id));
    t.known_pairs.clear();
  }
  return t;
}

// A call site as the hook receives it: a std::source_location, or the
// pieces of one (OnCallAt). `file` and `function` must outlive the process.
struct SiteRef {
  const char* file;
  uint32_t line;
  uint32_t column;
  const char* function;
};

uint32_t InternSite(State& state, ThreadState& t, const SiteRef& location) {
  const auto key = std::make_tuple(location.file, location.line, location.column);
  const size_t slot =
      (reinterpret_cast<uintptr_t>(location.file) / 8 + location.line * 31 + location.column) %
      t.site_cache.size();
  ThreadState::CachedSite& cached = t.site_cache[slot];
  if (cached.file == location.file && cached.line == location.line &&
      cached.column == location.column) {
    return cached.id;
  }
  SiteTable& table = Sites();
  uint32_t id;
  {
    std::lock_guard<std::mutex> lock(table.mu);
    auto it = table.by_location.find(key);
    if (it != table.by_location.end()) {
      id = it->second;
    } else {
      std::string text = std::string(location.file) + ":" + std::to_string(location.line) + ":" +
                         std::to_string(location.column);
      auto by_key = table.by_key.find(text);
      if (by_key != table.by_key.end()) {
        id = by_key->second;  // same site through another copy of the file name
      } else {
        id = static_cast<uint32_t>(table.sites.size());
        if (id >= kMaxSites)
          id = kMaxSites - 1;  // saturate; shares the last slot
        else {
          table.sites.push_back(std::make_unique<CallSite>(CallSite{text, location.function}));
          table.ptr[id].store(table.sites.back().get(), std::memory_order_release);
          table.by_key.emplace(text, id);
        }
      }
      table.by_location.emplace(key, id);
    }
  }
  {
    std::lock_guard<std::mutex> lock(state.pairs_mu);
    const CallSite* site = table.ptr[id].load(std::memory_order_acquire);
    auto planned = state.planned.find(site->key);
    if (planned != state.planned.end()) state.info[id].planned_hits = planned->second;
  }
  cached = {location.file, location.line, location.column, id};
  return id;
}

const CallSite& SiteOf(uint32_t id) { return *Sites().ptr[id].load(std::memory_order_acquire); }

std::vector<Frame> CaptureStack(int skip) {
  void* addresses[kStackDepth];
  const int depth = backtrace(addresses, kStackDepth);
  std::vector<Frame> frames;
  for (int f = skip; f < depth; ++f) {
    Dl_info dl{};
    Frame frame;
    if (dladdr(addresses[f], &dl) != 0 && dl.dli_fname != nullptr) {
      frame.module = dl.dli_fname;
      frame.offset =
          reinterpret_cast<uintptr_t>(addresses[f]) - reinterpret_cast<uintptr_t>(dl.dli_fbase);
      if (dl.dli_sname != nullptr) frame.function = dl.dli_sname;
    } else {
      frame.module = "?";
      frame.offset = reinterpret_cast<uintptr_t>(addresses[f]);
    }
    frames.push_back(std::move(frame));
  }
  return frames;
}

bool ConcurrentPhase(State& state, int thread) {
  const int size = std::min(state.options.global_history, kMaxRing);
  for (int slot = 0; slot < size; ++slot) {
    const int other = state.ring[slot].load(std::memory_order_relaxed);
    if (other != 0 && other != thread) return true;
  }
  return false;
}

uint64_t PairKey(uint32_t a, uint32_t b) {
  if (b < a) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

// Moves a dangerous pair to `status`; pairs_mu held.
void LeaveDangerous(State& state, PairState& pair, PairStatus status) {
  if (pair.status != PairStatus::kDangerous) return;
  pair.status = status;
  state.info[pair.a].live_pairs.fetch_sub(1);
  if (pair.b != pair.a) state.info[pair.b].live_pairs.fetch_sub(1);
}

void AddDangerousPair(State& state, const AccessRecord& earlier, uint32_t site, uint32_t hits) {
  state.near_misses.fetch_add(1, std::memory_order_relaxed);
  const uint64_t key = PairKey(earlier.site, site);
  KeyPair keys = OrderedKeys(SiteOf(earlier.site).key, SiteOf(site).key);
  bool found;
  {
    std::lock_guard<std::mutex> lock(state.reports_mu);
    found = state.found.count(keys) > 0;
  }
  std::lock_guard<std::mutex> lock(state.pairs_mu);
  if (state.pairs.count(key)) return;
  PairState pair;
  pair.a = earlier.site;
  pair.b = site;
  pair.a_hits = earlier.site_hits;
  pair.b_hits = hits;
  if (found) {
    pair.status = PairStatus::kFound;
  } else if (state.hb_keys.count(keys)) {
    pair.status = PairStatus::kHappensBefore;
  } else if (state.retired_keys.count(keys)) {
    pair.status = PairStatus::kRetired;
  } else {
    state.dangerous.fetch_add(1, std::memory_order_relaxed);
    state.info[pair.a].live_pairs.fetch_add(1);
    if (pair.b != pair.a) state.info[pair.b].live_pairs.fetch_add(1);
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
  if (idle < static_cast<int64_t>(state.options.hb_block_fraction * state.options.delay_us) &&
      state.options.mode == Mode::kTsvd) {
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
  {
    std::lock_guard<std::mutex> lock(state.reports_mu);
    if (!state.found.insert(keys).second) return;
    state.reports.push_back(report);
    state.report_count.fetch_add(1);
    if (!state.options.report_file.empty()) {
      const std::string line = ReportToJson(report) + "\n";
      const int fd = ::open(state.options.report_file.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ssize_t written = ::write(fd, line.data(), line.size());
        (void)written;
        ::close(fd);
      }
    }
  }
}

ReportSide MakeSide(uint32_t site, OpId op, bool is_write, int thread, std::vector<Frame> stack) {
  return ReportSide{SiteOf(site), OpName(op), is_write, thread, std::move(stack)};
}

// Sleeps `delay_us` with a trap on the object; returns whether another
// thread arrived at a conflicting call meanwhile.
bool Delay(State& state, ThreadState& t, uintptr_t address, uint32_t site, OpId op, bool is_write,
           int64_t delay_us, bool planned) {
  Trap trap{t.id, site, op, is_write, planned, CaptureStack(1)};
  Shard& shard = state.shards[(address >> 4) % kShards];
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    shard.objects[address].traps.push_back(&trap);
  }
  const int64_t start = NowUs();
  {
    std::unique_lock<std::mutex> lock(state.wake_mu);
    state.wake_cv.wait_for(lock, std::chrono::microseconds(delay_us),
                           [&] { return state.stopping; });
  }
  const int64_t end = NowUs();
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

// Decay: a trap that caught nothing lowers the location's probability and
// counts against every live pair of the location.
void RecordFailedTrap(State& state, uint32_t site, bool planned) {
  if (planned) state.info[site].planned_failed.fetch_add(1);
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

void MarkFound(State& state, uint32_t a, uint32_t b) {
  std::lock_guard<std::mutex> lock(state.pairs_mu);
  auto [it, inserted] = state.pairs.try_emplace(PairKey(a, b));
  if (inserted) {
    it->second.a = a;
    it->second.b = b;
    it->second.status = PairStatus::kFound;
    return;
  }
  LeaveDangerous(state, it->second, PairStatus::kFound);
}

void OnCallEnabled(State& state, const void* object, OpId op, bool is_write,
                   const SiteRef& location) {
  ThreadState& t = Tls(state);
  const Options& options = state.options;
  const uint32_t site = InternSite(state, t, location);
  SiteInfo& info = state.info[site];
  const uint32_t hits = info.hits.fetch_add(1, std::memory_order_relaxed) + 1;
  const int64_t now = NowUs();
  state.calls_by_thread[static_cast<size_t>(t.id) % kShards].value.fetch_add(
      1, std::memory_order_relaxed);
  const int ring_size = std::min(options.global_history, kMaxRing);
  state.ring[state.ring_next.fetch_add(1, std::memory_order_relaxed) % ring_size].store(
      t.id, std::memory_order_relaxed);
  if (options.mode == Mode::kTsvd) InferHappensBefore(state, t, site, now);

  const uintptr_t address = reinterpret_cast<uintptr_t>(object);
  Shard& shard = state.shards[(address >> 4) % kShards];
  struct Conflict {
    int thread;
    uint32_t site;
    OpId op;
    bool is_write;
    bool planned;
    std::vector<Frame> stack;
  };
  std::vector<Conflict> conflicts;
  std::vector<AccessRecord> near;
  uint64_t generation;
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    ObjectState& object_state = shard.objects[address];
    generation = object_state.generation;
    for (Trap* trap : object_state.traps) {
      if (trap->thread == t.id || !(trap->is_write || is_write)) continue;
      trap->hit = true;
      conflicts.push_back(
          {trap->thread, trap->site, trap->op, trap->is_write, trap->planned, trap->stack});
    }
    if (options.mode == Mode::kTsvd) {
      for (const AccessRecord& record : object_state.recent) {
        if (record.thread == t.id || !(record.is_write || is_write)) continue;
        if (options.window_us > 0 && now - record.time_us > options.window_us) continue;
        near.push_back(record);
      }
      object_state.recent.push_back({t.id, site, is_write, now, hits});
      while (static_cast<int>(object_state.recent.size()) > options.object_history) {
        object_state.recent.pop_front();
      }
    }
  }
  for (Conflict& conflict : conflicts) {
    Report report;
    report.trapped = MakeSide(conflict.site, conflict.op, conflict.is_write, conflict.thread,
                              std::move(conflict.stack));
    report.arriving = MakeSide(site, op, is_write, t.id, CaptureStack(1));
    report.object_generation = generation;
    report.from_trap_file = conflict.planned;
    MarkFound(state, conflict.site, site);
    Record(state, std::move(report));
  }
  if (!near.empty()) {
    bool concurrent = false, checked = false;
    for (const AccessRecord& record : near) {
      const uint64_t key = PairKey(record.site, site);
      if (t.known_pairs.count(key)) continue;
      if (!checked) {
        concurrent = ConcurrentPhase(state, t.id);
        checked = true;
      }
      if (!concurrent) break;
      AddDangerousPair(state, record, site, hits);
      t.known_pairs.insert(key);
    }
  }

  int64_t delay_us = 0;
  bool planned = false;
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  if (options.mode == Mode::kTsvd) {
    if (info.live_pairs.load(std::memory_order_relaxed) > 0) {
      const double p = 0.99 - 0.1 * info.failed_traps.load(std::memory_order_relaxed);
      if (coin(t.rng) < p) delay_us = options.delay_us;
    } else if (const int64_t target = info.planned_hits.load(std::memory_order_relaxed);
               target >= 0 &&
               std::llabs(static_cast<int64_t>(hits) - target) <= options.planned_hit_slack &&
               info.planned_failed.load(std::memory_order_relaxed) < options.retire_after_traps) {
      delay_us = options.delay_us;
      planned = true;
    }
  } else if (options.mode == Mode::kRandom && t.random_budget_us > 0 &&
             coin(t.rng) < options.random_probability) {
    delay_us = std::min<int64_t>(
        t.random_budget_us,
        static_cast<int64_t>(coin(t.rng) * static_cast<double>(options.random_max_delay_us)));
    t.random_budget_us -= delay_us;
  }
  if (delay_us > 0) {
    const bool hit = Delay(state, t, address, site, op, is_write, delay_us, planned);
    if (!hit && options.mode == Mode::kTsvd) RecordFailedTrap(state, site, planned);
  }
  t.last_call_us = delay_us > 0 ? NowUs() : now;
}

std::string EnvOr(const char* name, const std::string& fallback) {
  const char* value = std::getenv(name);
  return value != nullptr ? std::string(value) : fallback;
}

Result<int64_t> EnvInt(const char* name, int64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  const long long parsed = std::strtoll(value, &end, 10);
  if (*end != '\0' || parsed < 0) {
    return InvalidArgumentError(std::string(name) + ": expected a non-negative integer, got \"" +
                                value + "\"");
  }
  return static_cast<int64_t>(parsed);
}

void StopAtExit() {
  Result<Stats> stats = Stop();
  if (!stats.ok()) {
    std::fprintf(stderr, "syskit racecheck: error: %s\n", stats.status().message().c_str());
  }
}

nlohmann::json SideToJson(const ReportSide& side) {
  nlohmann::json stack = nlohmann::json::array();
  for (const Frame& frame : side.stack) {
    stack.push_back({{"module", frame.module},
                     {"offset", frame.offset},
                     {"function", frame.function},
                     {"source", frame.source}});
  }
  return {{"site", side.site.key},  {"function", side.site.function}, {"op", side.op},
          {"write", side.is_write}, {"thread", side.thread},          {"stack", stack}};
}

ReportSide SideFromJson(const nlohmann::json& json) {
  ReportSide side;
  side.site.key = json.at("site").get<std::string>();
  side.site.function = json.value("function", "");
  side.op = json.at("op").get<std::string>();
  side.is_write = json.at("write").get<bool>();
  side.thread = json.at("thread").get<int>();
  for (const nlohmann::json& frame : json.at("stack")) {
    side.stack.push_back(Frame{frame.at("module").get<std::string>(),
                               frame.at("offset").get<uint64_t>(), frame.value("function", ""),
                               frame.value("source", "")});
  }
  return side;
}

// A program linked with the runtime and started with RACECHECK_MODE set
// starts it before main, so the first instrumented call does not pay for
// loading the trap file (which would skew the timing of the first calls).
[[maybe_unused]] const bool g_started_from_environment = [] {
  if (std::getenv("RACECHECK_MODE") == nullptr) return false;
  Status status = StartFromEnvironment();
  if (!status.ok()) {
    std::fprintf(stderr, "syskit racecheck: error: %s\n", status.message().c_str());
    std::_Exit(2);
  }
  return true;
}();

}  // namespace

OpId RegisterOp(std::string_view type, std::string_view method) {
  OpTable& ops = Ops();
  std::string name = std::string(type) + "::" + std::string(method);
  std::lock_guard<std::mutex> lock(ops.mu);
  auto it = ops.by_name.find(name);
  if (it != ops.by_name.end()) return it->second;
  const OpId id = static_cast<OpId>(std::min<size_t>(ops.names.size(), kMaxOps - 1));
  if (ops.names.size() < kMaxOps) ops.names.emplace_back(std::string(type), std::string(method));
  ops.by_name.emplace(std::move(name), id);
  return id;
}

bool IsWriteOp(OpId op) {
  OpTable& ops = Ops();
  const int8_t cached = ops.is_write[op].load(std::memory_order_relaxed);
  if (cached >= 0) return cached == 1;
  std::lock_guard<std::mutex> lock(ops.mu);
  bool write = true;
  if (op < ops.names.size()) {
    Result<Access> access = ops.contract.Classify(ops.names[op].first, ops.names[op].second);
    write = !access.ok() || *access == Access::kWrite;
  }
  ops.is_write[op].store(write ? 1 : 0, std::memory_order_relaxed);
  return write;
}

namespace {

void OnCallSite(const void* object, OpId op, bool is_write, const SiteRef& location) {
  if (!g_env_checked.load(std::memory_order_acquire)) {
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

void OnCall(const void* object, OpId op, bool is_write, const std::source_location& location) {
  OnCallSite(
      object, op, is_write,
      SiteRef{location.file_name(), location.line(), location.column(), location.function_name()});
}

void OnCallAt(const void* object, OpId op, bool is_write, const char* file, uint32_t line,
              const char* function) {
  OnCallSite(object, op, is_write, SiteRef{file, line, 0, function});
}

void OnCall(const void* object, OpId op, const std::source_location& location) {
  if (!g_enabled.load(std::memory_order_relaxed) && g_env_checked.load(std::memory_order_relaxed)) {
    return;
  }
  OnCall(object, op, IsWriteOp(op), location);
}

void OnDestroy(const void* object) {
  if (!g_enabled.load(std::memory_order_acquire)) return;
  State& state = *g_state;
  const uintptr_t address = reinterpret_cast<uintptr_t>(object);
  Shard& shard = state.shards[(address >> 4) % kShards];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.objects.find(address);
  if (it == shard.objects.end()) return;
  ++it->second.generation;
  it->second.recent.clear();
}

Status Start(const Options& options, const Contract& contract) {
  std::lock_guard<std::mutex> start_lock(g_start_mu);
  g_env_checked.store(true, std::memory_order_release);
  if (g_enabled.load()) return FailedPreconditionError("racecheck runtime already started");
  if (options.delay_us < 0 || options.window_us < 0 || options.object_history < 1 ||
      options.global_history < 1 || options.global_history > kMaxRing) {
    return InvalidArgumentError("racecheck options out of range (delay, window >= 0; history " +
                                std::string("1..64)"));
  }
  auto state = std::make_unique<State>();
  state->options = options;
  state->epoch = g_epoch.fetch_add(1) + 1;
  if (!options.trap_file.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(std::vector<TrapPair> pairs, ReadTrapFile(options.trap_file));
    for (const TrapPair& pair : pairs) {
      if (pair.state == TrapPair::State::kHappensBefore) {
        state->hb_keys.insert(OrderedKeys(pair.first, pair.second));
        continue;
      }
      if (pair.state == TrapPair::State::kRetired) {
        state->retired_keys.insert(OrderedKeys(pair.first, pair.second));
        continue;
      }
      for (auto [key, hits] :
           {std::pair{pair.first, pair.first_hits}, std::pair{pair.second, pair.second_hits}}) {
        auto [it, inserted] = state->planned.emplace(key, hits);
        if (!inserted) it->second = std::min(it->second, hits);
      }
    }
  }
  if (!options.bug_file.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(std::vector<BugPair> bugs, ReadBugFile(options.bug_file));
    for (const BugPair& bug : bugs) state->found.insert(OrderedKeys(bug.first, bug.second));
  }
  {
    SiteTable& table = Sites();
    std::lock_guard<std::mutex> lock(table.mu);
    for (size_t id = 0; id < table.sites.size(); ++id) {
      auto planned = state->planned.find(table.sites[id]->key);
      if (planned != state->planned.end()) state->info[id].planned_hits = planned->second;
    }
  }
  {
    OpTable& ops = Ops();
    std::lock_guard<std::mutex> lock(ops.mu);
    ops.contract = contract;
    for (auto& w : ops.is_write) w.store(-1);
  }
  delete g_state;
  g_state = state.release();
  g_enabled.store(options.mode != Mode::kOff, std::memory_order_release);
  return Status::OK();
}

Result<Stats> Stop() {
  std::lock_guard<std::mutex> start_lock(g_start_mu);
  if (!g_enabled.exchange(false)) return Stats{};
  State& state = *g_state;
  {
    std::lock_guard<std::mutex> lock(state.wake_mu);
    state.stopping = true;
  }
  state.wake_cv.notify_all();
  Stats stats = CurrentStats();
  Status status;
  if (!state.options.trap_file.empty()) {
    std::vector<TrapPair> pairs;
    std::set<KeyPair> seen;
    std::lock_guard<std::mutex> lock(state.pairs_mu);
    for (const auto& [key, pair] : state.pairs) {
      if (pair.status == PairStatus::kFound) continue;  // the bug file has it
      TrapPair out{SiteOf(pair.a).key, SiteOf(pair.b).key, pair.a_hits, pair.b_hits,
                   pair.status == PairStatus::kDangerous       ? TrapPair::State::kDangerous
                   : pair.status == PairStatus::kHappensBefore ? TrapPair::State::kHappensBefore
                                                               : TrapPair::State::kRetired};
      seen.insert(OrderedKeys(out.first, out.second));
      pairs.push_back(std::move(out));
    }
    for (const KeyPair& keys : state.hb_keys) {
      if (seen.insert(keys).second) {
        pairs.push_back(TrapPair{keys.first, keys.second, 0, 0, TrapPair::State::kHappensBefore});
      }
    }
    for (const KeyPair& keys : state.retired_keys) {
      if (seen.insert(keys).second) {
        pairs.push_back(TrapPair{keys.first, keys.second, 0, 0, TrapPair::State::kRetired});
      }
    }
    std::sort(pairs.begin(), pairs.end(), [](const TrapPair& x, const TrapPair& y) {
      return std::tie(x.first, x.second) < std::tie(y.first, y.second);
    });
    status = WriteTrapFile(state.options.trap_file, pairs);
  }
  if (status.ok() && !state.options.bug_file.empty()) {
    std::vector<BugPair> bugs;
    std::lock_guard<std::mutex> lock(state.reports_mu);
    for (const KeyPair& keys : state.found) bugs.push_back(BugPair{keys.first, keys.second});
    status = WriteBugFile(state.options.bug_file, bugs);
  }
  if (status.ok() && !state.options.stats_file.empty()) {
    nlohmann::json json = {{"calls", stats.calls},
                           {"near_misses", stats.near_misses},
                           {"dangerous_pairs", stats.dangerous_pairs},
                           {"delays", stats.delays},
                           {"delay_us_total", stats.delay_us_total},
                           {"hb_pruned_pairs", stats.hb_pruned_pairs},
                           {"retired_pairs", stats.retired_pairs},
                           {"reports", stats.reports}};
    status = WriteFileAtomically(Env::Default(), json.dump() + "\n", state.options.stats_file);
  }
  if (!status.ok()) return status;
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
  const State& s = *g_state;
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

Status StartFromEnvironment() {
  // Once per process: a preloaded shim's hook can get here before this
  // file's static initializer does.
  if (g_env_checked.exchange(true)) return Status::OK();
  const std::string mode = EnvOr("RACECHECK_MODE", "off");
  Options options;
  if (mode == "off" || mode.empty()) return Status::OK();
  if (mode == "tsvd") {
    options.mode = Mode::kTsvd;
  } else if (mode == "random") {
    options.mode = Mode::kRandom;
  } else {
    return InvalidArgumentError("RACECHECK_MODE: expected off, tsvd or random, got \"" + mode +
                                "\"");
  }
  SYSKIT_ASSIGN_OR_RETURN(int64_t delay_ms, EnvInt("RACECHECK_DELAY_MS", 100));
  options.delay_us = delay_ms * 1000;
  options.random_max_delay_us = options.delay_us;
  SYSKIT_ASSIGN_OR_RETURN(options.window_us, EnvInt("RACECHECK_WINDOW_US", options.window_us));
  SYSKIT_ASSIGN_OR_RETURN(int64_t seed, EnvInt("RACECHECK_SEED", 1));
  options.seed = static_cast<uint64_t>(seed);
  options.trap_file = EnvOr("RACECHECK_TRAP_FILE", "");
  options.bug_file = EnvOr("RACECHECK_BUG_FILE", "");
  options.report_file = EnvOr("RACECHECK_REPORT_FILE", "");
  options.stats_file = EnvOr("RACECHECK_STATS_FILE", "");
  Contract contract = Contract::Defaults();
  const std::string config = EnvOr("RACECHECK_CONFIG", "");
  if (!config.empty()) {
    SYSKIT_ASSIGN_OR_RETURN(contract, Contract::Load(config));
  }
  SYSKIT_RETURN_IF_ERROR(Start(options, contract));
  std::atexit(StopAtExit);
  return Status::OK();
}

std::string ReportToJson(const Report& report) {
  nlohmann::json json = {{"trapped", SideToJson(report.trapped)},
                         {"arriving", SideToJson(report.arriving)},
                         {"object_generation", report.object_generation},
                         {"from_trap_file", report.from_trap_file}};
  return json.dump();
}

Result<Report> ReportFromJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return InvalidArgumentError("malformed report");
  try {
    Report report;
    report.trapped = SideFromJson(json.at("trapped"));
    report.arriving = SideFromJson(json.at("arriving"));
    report.object_generation = json.value("object_generation", uint64_t{0});
    report.from_trap_file = json.value("from_trap_file", false);
    return report;
  } catch (const nlohmann::json::exception& error) {
    return InvalidArgumentError(std::string("malformed report: ") + error.what());
  }
}

}  // namespace syskit::racecheck
