// Internals shared by the runtime's source files (not installed):
//   sites.cc        call-site and op tables, stack capture (process-wide)
//   runtime.cc      the TSVD algorithm: OnCall, traps, near misses, delays,
//                   happens-before inference, decay, Start/Stop
//   carry.cc        what crosses runs: loading and writing the trap, bug and
//                   stats files
//   runtime_env.cc  starting from RACECHECK_* variables, report JSON
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "syskit/racecheck/runtime.h"

namespace syskit::racecheck::internal {

constexpr uint32_t kMaxSites = 1 << 16;
constexpr uint32_t kMaxOps = 1 << 12;
constexpr int kShards = 64;
constexpr int kMaxRing = 64;
constexpr int kMaxObjectHistory = 8;
constexpr size_t kMaxDelayEvents = 64;
constexpr int kStackDepth = 24;

inline int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// ---- sites.cc: call sites and ops, process-wide, never reset ---------------

// A call site as the hook receives it: a std::source_location, or the
// pieces of one (OnCallAt). `file` and `function` must outlive the process.
struct SiteRef {
  const char* file;
  uint32_t line;
  uint32_t column;
  const char* function;
};

// The id of `location` (interned on first sight; takes a lock).
uint32_t LookupSite(const SiteRef& location);
const CallSite& SiteOf(uint32_t id);
// Sites interned so far, as (id, key) pairs (for Start: planned traps).
std::vector<std::pair<uint32_t, std::string>> AllSiteKeys();
std::string OpName(OpId op);
// Installs the contract that IsWriteOp classifies with.
void InstallContract(const Contract& contract);
// The caller's stack, `skip` frames dropped (backtrace + dladdr).
std::vector<Frame> CaptureStack(int skip);

// ---- threads.cc: happens-before from thread creation and join ------------

// This thread's runtime id (1-based, process-wide, never reused).
int CurrentThreadId();
// This thread's own vector-clock component, recorded with each access.
uint32_t CurrentClock();
// Whether this thread is ordered after `thread`'s access made at `clock`
// through a chain of thread creations and joins.
bool OrderedBefore(int thread, uint32_t clock);

// ---- per-run state ----------------------------------------------------------

struct SiteInfo {
  std::atomic<uint32_t> hits{0};
  std::atomic<int> live_pairs{0};
  std::atomic<int> failed_traps{0};
  std::atomic<int64_t> planned_hits{-1};
  std::atomic<int> planned_budget{0};    // planned traps left (decay carried over)
  std::atomic<int> planned_failed{0};    // planned traps that caught nobody this run
  std::atomic<bool> planned_set{false};  // the trap file's state was applied
};

struct AccessRecord {
  int thread;
  uint32_t clock;                   // the thread's own clock component (threads.cc)
  const std::atomic<bool>* exited;  // the thread's exit flag in this run
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
  // The last accesses, a fixed ring (no allocation on the hot path).
  std::array<AccessRecord, kMaxObjectHistory> recent{};
  int recent_count = 0;
  int recent_next = 0;
  std::vector<Trap*> traps;
};

struct Shard {
  std::mutex mu;
  std::unordered_map<uintptr_t, ObjectState> objects;
};

enum class PairStatus { kDangerous, kHappensBefore, kRetired, kFound };

struct PairState {
  uint32_t a = 0, b = 0;
  uint32_t a_hits = 0, b_hits = 0;
  int failed_traps = 0;  // including failures carried from earlier runs
  PairStatus status = PairStatus::kDangerous;
  // Dangerous, but seen only against a thread that had exited: no trap can
  // catch that thread in this run, so the pair sets no traps here and goes
  // to the trap file (until a near miss with a live thread makes it live).
  bool deferred = false;
};

struct DelayEvent {
  int thread;
  uint32_t site;
  int64_t start_us, end_us, delay_us;
};

using KeyPair = std::pair<std::string, std::string>;
inline KeyPair OrderedKeys(std::string a, std::string b) {
  if (b < a) std::swap(a, b);
  return {std::move(a), std::move(b)};
}

// A dangerous pair carried from the trap file.
struct CarriedPair {
  uint32_t first_hits = 0, second_hits = 0;
  int failed_traps = 0;
};

struct State {
  Options options;
  uint64_t epoch = 0;
  std::unique_ptr<SiteInfo[]> info = std::make_unique<SiteInfo[]>(kMaxSites);
  std::array<Shard, kShards> shards;
  std::array<std::atomic<int>, kMaxRing> ring{};
  // One exit flag per thread that made a call in this run (stable addresses).
  std::mutex threads_mu;
  std::deque<std::atomic<bool>> thread_exited;

  std::mutex pairs_mu;
  std::unordered_map<uint64_t, PairState> pairs;
  // From the trap file (read-only after Start):
  std::map<std::string, uint32_t> planned;      // site key -> hits at the near miss
  std::map<std::string, int> planned_budget;    // site key -> planned traps left
  std::map<std::string, int> carried_failures;  // site key -> failed traps so far
  std::map<KeyPair, CarriedPair> carried;       // dangerous pairs
  std::set<KeyPair> hb_keys;                    // happens-before pairs
  std::set<KeyPair> retired_keys;               // pairs retired by decay

  std::mutex delays_mu;
  std::deque<DelayEvent> delays;
  std::atomic<int> active_delays{0};

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

// ---- carry.cc ---------------------------------------------------------------

// Loads the trap and bug files named in state.options into `state`.
Status LoadCarriedState(State& state);
// Writes the trap and bug files at Stop, then fills `stats` and writes the
// stats file (each replaced atomically).
Status WriteCarriedState(State& state, Stats* stats);

inline uint64_t PairKey(uint32_t a, uint32_t b) {
  if (b < a) std::swap(a, b);
  return (static_cast<uint64_t>(a) << 32) | b;
}

// ---- runtime_env.cc ---------------------------------------------------------

// Whether StartFromEnvironment (or Start) has run; Start marks it.
bool EnvironmentChecked();
void MarkEnvironmentChecked();

}  // namespace syskit::racecheck::internal
