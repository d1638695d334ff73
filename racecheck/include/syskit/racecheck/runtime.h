// The TSVD runtime: the hook every instrumented call goes through.
//
//   racecheck::OnCall(&container, op, /*is_write=*/true, std::source_location::current());
//
// It finds thread-safety violations (two threads inside conflicting calls on
// the same object at once) by spotting near misses, injecting delays at the
// dangerous call sites, and reporting when a second thread arrives at a
// conflicting call while the first is held in a delay. See README.md for the
// algorithm.
//
// The runtime is process-global. It starts disabled; OnCall then costs one
// relaxed atomic load. It is enabled either from the environment (the first
// OnCall reads RACECHECK_MODE and friends, see StartFromEnvironment) or
// programmatically with Start()/Stop() (tests, benchmarks). Thread-safety:
// OnCall/OnDestroy/RegisterOp may be called from any thread at any time;
// Start/Stop must not race with OnCall (call them with no instrumented
// threads running).
#pragma once

#include <cstdint>
#include <source_location>
#include <string>
#include <string_view>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"
#include "syskit/racecheck/contract.h"

namespace syskit::racecheck {

enum class Mode {
  kOff,     // hooks return at once
  kTsvd,    // near misses, learned delays, HB inference, decay, trap file
  kRandom,  // DataCollider-style baseline: random delays, same trap check
};

struct Options {
  Mode mode = Mode::kTsvd;
  int64_t delay_us = 100'000;  // delay at a dangerous location (paper: 100 ms)
  // Near-miss window delta; 0 = "among the last few accesses" of the object
  // (the released code's behaviour), whatever their age.
  int64_t window_us = 10'000;
  // The window for a near miss with an access by a thread that has already
  // exited (a pair that is only deferred to the trap file, at no delay in
  // this run): 10 delta, so that a thread preempted for a few scheduler
  // ticks on a loaded machine still records a once-per-run race. 0 = the
  // same as window_us. Ignored when window_us is 0.
  int64_t exited_window_us = 100'000;
  int object_history = 5;    // recent accesses kept per object
  int global_history = 32;   // ring used to detect concurrent phases
  bool hb_inference = true;  // happens-before inference on (off only to measure it)
  // Thread creation and join order accesses (a vector clock per thread,
  // from the pthread_create/pthread_join wrappers); off only to measure it.
  bool thread_hb = true;
  int hb_credit = 5;                      // calls of a blocked thread attributed to the delay
  double hb_block_fraction = 0.5;         // blocked if idle >= this fraction of a delay
  int retire_after_traps = 10;            // failed traps before a pair is retired
  int planned_hit_slack = 5;              // trap-file traps fire within +-this local hit count
  double random_probability = 0.05;       // kRandom: delay probability per call
  int64_t random_max_delay_us = 100'000;  // kRandom: delay drawn from [0, this]
  int64_t max_delay_per_thread_us = 20'000'000;  // kRandom: budget per thread
  uint64_t seed = 1;
  std::string trap_file;    // read at Start, written atomically at Stop ("" = none)
  std::string bug_file;     // pairs already found: never reported again ("" = none)
  std::string report_file;  // reports appended as JSON lines as they happen
  std::string stats_file;   // Stats as JSON, written at Stop
};

// One call site, stable across runs: "file:line:column".
struct CallSite {
  std::string key;
  std::string function;
};

// A raw stack frame: module path and offset inside it (symbolised later with
// addr2line, see symbolize.h).
struct Frame {
  std::string module;
  uint64_t offset = 0;
  std::string function;  // filled by Symbolize(), "" before
  std::string source;    // "file:line", filled by Symbolize()
};

struct ReportSide {
  CallSite site;
  std::string op;  // "std::vector::push_back"
  bool is_write = false;
  int thread = 0;  // runtime thread index, 1-based
  std::vector<Frame> stack;
};

// Two calls in flight on the same object at once, at least one a write.
struct Report {
  ReportSide trapped;   // the thread held in a delay
  ReportSide arriving;  // the thread that arrived meanwhile
  uint64_t object_generation = 0;
  bool from_trap_file = false;  // the trap came from the previous run
};

struct Stats {
  uint64_t calls = 0;
  uint64_t near_misses = 0;
  uint64_t dangerous_pairs = 0;  // pairs ever marked dangerous (incl. trap file)
  uint64_t delays = 0;
  uint64_t delay_us_total = 0;
  uint64_t hb_pruned_pairs = 0;
  uint64_t retired_pairs = 0;
  uint64_t reports = 0;
};

using OpId = uint32_t;

// Registers `type::method` and returns its id (idempotent, thread-safe).
OpId RegisterOp(std::string_view type, std::string_view method);
// Whether `op` writes under the active contract (defaults until Start or
// StartFromEnvironment installs another). Ops the contract does not know
// count as writes, so a missing rule never hides a conflict.
bool IsWriteOp(OpId op);

// The hook. `object` is the receiver; `op` from RegisterOp.
void OnCall(const void* object, OpId op, bool is_write,
            const std::source_location& location = std::source_location::current());
// The same, classifying `op` with the contract.
void OnCall(const void* object, OpId op,
            const std::source_location& location = std::source_location::current());
// The same with an explicit call site, for hooks that have no
// source_location (the LD_PRELOAD shim: file = module, line = offset).
// `file` and `function` must stay valid for the life of the process.
void OnCallAt(const void* object, OpId op, bool is_write, const char* file, uint32_t line,
              const char* function);
// Called when the object at `object` is destroyed: bumps its generation, so a
// new object at the same address is a different object.
void OnDestroy(const void* object);

// Starts the runtime with `options` and `contract`. InvalidArgument/
// Corruption if the trap or bug file exists but is malformed.
Status Start(const Options& options, const Contract& contract = Contract::Defaults());
// Stops it: wakes any delayed thread, writes the trap and stats files, and
// returns the statistics. OK and empty stats if it was not running.
Result<Stats> Stop();
// Reports found since Start (also written to report_file).
std::vector<Report> TakeReports();
// Statistics so far.
Stats CurrentStats();
bool Enabled();

// Reads RACECHECK_MODE (off|tsvd|random), RACECHECK_DELAY_MS,
// RACECHECK_WINDOW_US, RACECHECK_EXITED_WINDOW_US, RACECHECK_SEED, RACECHECK_THREAD_HB (1, or 0 to
// ignore thread creation and join), RACECHECK_TRAP_FILE, RACECHECK_BUG_FILE, RACECHECK_REPORT_FILE,
// RACECHECK_STATS_FILE, RACECHECK_CONFIG and starts the runtime; Stop runs at exit. Runs before
// main when RACECHECK_MODE is set, else lazily on the first OnCall; only the first call (or a
// Start) counts, later calls return OK. InvalidArgument for a bad value.
Status StartFromEnvironment();

// JSON (one object) for a report, as written to report_file.
std::string ReportToJson(const Report& report);
Result<Report> ReportFromJson(std::string_view json);

}  // namespace syskit::racecheck
