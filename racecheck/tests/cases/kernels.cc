// Kernel suite: see kernels.h. Every kernel starts two threads behind a
// latch, so they run concurrently, and spaces its calls with a little
// simulated work so calls are near misses, not overlaps, until TSVD's delays
// make them overlap. Buggy kernels are written so that an overlap never
// corrupts the container badly enough to crash (e.g. a thief only steals when
// the deque holds several tasks), so the suite can also run untrapped and
// under ThreadSanitizer.
#include "kernels.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <latch>
#include <mutex>
#include <random>
#include <thread>

#include "syskit/racecheck/containers.h"

namespace syskit::racecheck::kernels {
namespace {

// Simulated work between calls: a jittered busy wait (sleeping would hand
// the core to the other thread and serialise the kernel on 2 cores).
class Work {
 public:
  Work(const KernelConfig& config, uint64_t stream)
      : spacing_us_(config.spacing_us), rng_(config.seed * 1000003 + stream) {}
  void operator()() {
    if (spacing_us_ <= 0) return;
    std::uniform_int_distribution<int64_t> jitter(spacing_us_ / 2, spacing_us_ * 3 / 2);
    const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(jitter(rng_));
    while (std::chrono::steady_clock::now() < until) {
    }
  }

 private:
  int64_t spacing_us_;
  std::mt19937_64 rng_;
};

// Strict alternation of two threads, by a condition variable or an atomic
// flag: each handoff is a happens-before edge.
class Turns {
 public:
  explicit Turns(bool use_atomic) : use_atomic_(use_atomic) {}
  void Wait(int me) {
    if (use_atomic_) {
      while (turn_atomic_.load(std::memory_order_acquire) != me) std::this_thread::yield();
      return;
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return turn_ == me; });
  }
  void Pass(int next) {
    if (use_atomic_) {
      turn_atomic_.store(next, std::memory_order_release);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      turn_ = next;
    }
    cv_.notify_all();
  }

 private:
  bool use_atomic_;
  std::atomic<int> turn_atomic_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  int turn_ = 0;
};

// Releases two threads together. std::latch is not used where the start
// skew matters: libstdc++ 12 wakes a thread blocked in arrive_and_wait 1-3 ms
// (at times 10-40 ms) after the last arrival (measured), so "the thread that
// arrived first" starts milliseconds late. Here both threads spin until both
// have arrived, and leave within microseconds of each other.
class StartGate {
 public:
  void ArriveAndWait() {
    arrived_.fetch_add(1, std::memory_order_acq_rel);
    while (arrived_.load(std::memory_order_acquire) < 2) std::this_thread::yield();
  }

 private:
  std::atomic<int> arrived_{0};
};

// Runs body(thread, work) on two threads. kLocked wraps each step in one
// mutex; kOrdered alternates the threads with `turns`, or with join when
// `join_ordered` (thread 1 starts after thread 0 has finished).
template <class Step>
void TwoThreads(Variant variant, const KernelConfig& config, bool use_atomic, bool join_ordered,
                Step step) {
  std::mutex mu;
  Turns turns(use_atomic);
  std::latch start(2);
  auto body = [&](int thread) {
    Work work(config, static_cast<uint64_t>(thread));
    if (!(variant == Variant::kOrdered && join_ordered)) start.arrive_and_wait();
    for (int i = 0; i < config.iterations; ++i) {
      work();
      if (variant == Variant::kLocked) {
        std::lock_guard<std::mutex> lock(mu);
        step(thread, i);
      } else if (variant == Variant::kOrdered && !join_ordered) {
        turns.Wait(thread);
        step(thread, i);
        turns.Pass(1 - thread);
      } else {
        step(thread, i);
      }
    }
  };
  if (variant == Variant::kOrdered && join_ordered) {
    std::thread first(body, 0);
    first.join();
    std::thread second(body, 1);
    second.join();
    return;
  }
  std::thread first(body, 0);
  std::thread second(body, 1);
  first.join();
  second.join();
}

// Unsynchronised push_back from two threads (e.g. a shared result vector,
// sized up front). The capacity is reserved, so two push_backs that really
// overlap race on the end pointer (a lost or doubled element) but never
// reallocate together: without it, an overlap that the schedule produced by
// itself ended in "double free or corruption" in 1 of 60 harness runs.
void PushBack(Variant variant, const KernelConfig& config) {
  racecheck::vector<int> results;
  results.unchecked().reserve(static_cast<size_t>(std::max(0, config.iterations)) * 2);
  TwoThreads(variant, config, false, false, [&](int thread, int i) { results.push_back(i); });
}

// Check-then-act on a map: count(), then operator[] or erase.
void CheckThenAct(Variant variant, const KernelConfig& config) {
  racecheck::unordered_map<int, int> cache;
  TwoThreads(variant, config, true, false, [&](int thread, int i) {
    const int key = i % 4;
    if (cache.count(key) == 0) {
      cache[key] = i;
    } else if (thread == 1) {
      cache.erase(key);
    }
  });
}

// Lazy initialisation of a shared table that one thread invalidates now
// and then: `if (table.empty()) fill(table)` races with lookups.
void LazyInit(Variant variant, const KernelConfig& config) {
  racecheck::map<int, int> table;
  TwoThreads(variant, config, false, true, [&](int thread, int i) {
    if (table.empty()) {
      for (int key = 0; key < 4; ++key) table.insert({key, key * key});
    }
    auto found = table.find(i % 4);
    (void)found;
    if (thread == 0 && i % 3 == 2) table.clear();
  });
}

// Iterating over a list while another thread appends to it. The writer only
// appends: trimming the front as well (pop_front) freed the node the
// reader's un-instrumented traversal stood on, and the unit test process
// crashed whenever the race really happened (seen in CI). The violation the
// detector must find, begin() against push_back(), is the same.
void IterateWhileModify(Variant variant, const KernelConfig& config) {
  racecheck::list<int> items;
  std::atomic<long> sum{0};
  TwoThreads(variant, config, false, false, [&](int thread, int i) {
    if (thread == 0) {
      long local = 0;
      for (int item : items) local += item;
      sum += local;
    } else {
      items.push_back(i);
    }
  });
}

// StringBuffer-style append: sb.append(other) reads other's length and then
// copies it while another thread modifies `other`.
void StringAppend(Variant variant, const KernelConfig& config) {
  racecheck::string buffer;
  racecheck::string other;
  other.append(std::string_view("seed"));
  TwoThreads(variant, config, true, false, [&](int thread, int i) {
    if (thread == 0) {
      buffer.append(other);
      if (buffer.size() > 4096) buffer.clear();
    } else {
      other += "x";
      if (other.size() > 32) other.clear();
    }
  });
}

// Work-stealing deque without the lock: the owner pushes and pops at the
// back, a thief steals from the front.
void WorkStealing(Variant variant, const KernelConfig& config) {
  racecheck::deque<int> tasks;
  for (int task = 0; task < 8; ++task) tasks.push_back(task);
  TwoThreads(variant, config, false, false, [&](int thread, int i) {
    if (thread == 0) {
      tasks.push_back(i);
      if (i % 2 == 1) tasks.pop_back();
    } else if (tasks.size() > 4) {
      tasks.pop_front();
    }
  });
}

// Readers and writers each hold a lock, but not the same one.
void WrongLock(Variant variant, const KernelConfig& config) {
  racecheck::map<int, int> index;
  std::mutex reader_mu, writer_mu;
  TwoThreads(variant, config, false, true, [&](int thread, int i) {
    if (thread == 0) {
      std::lock_guard<std::mutex> lock(reader_mu);
      auto found = index.find(i % 8);
      (void)found;
    } else {
      std::lock_guard<std::mutex> lock(writer_mu);
      index[i % 8] = i;
    }
  });
}

// A race that can happen at most once per run, and only in a rare
// interleaving: the writer inserts once and then logs under a mutex; the
// reader logs under the same mutex and then looks up. Usually the log mutex
// orders the two calls (so ThreadSanitizer sees no race), but nothing
// guarantees the writer goes first. Found in run 2 from the trap file.
void OncePerRun(Variant variant, const KernelConfig& config) {
  racecheck::map<int, int> settings;
  std::mutex log_mu;
  std::mutex mu;
  std::atomic<bool> published{false};
  StartGate start;
  int log_lines = 0;
  std::thread writer([&] {
    start.ArriveAndWait();
    {
      std::unique_lock<std::mutex> lock(mu, std::defer_lock);
      if (variant == Variant::kLocked) lock.lock();
      settings.insert({1, 42});
    }
    published.store(true, std::memory_order_release);
    std::lock_guard<std::mutex> lock(log_mu);
    ++log_lines;
  });
  std::thread reader([&] {
    start.ArriveAndWait();
    Work work(config, 7);
    // The writer usually wins by milliseconds: its insert and log line come
    // within microseconds of the start, the reader's log line after about
    // 16 * spacing_us (4.8 ms by default) of other work. (With 4 steps and a
    // std::latch start, the writer, woken 1-40 ms late from the latch, lost
    // the race in 8-9 of 20 runs under ThreadSanitizer.)
    for (int step = 0; step < 16; ++step) work();
    {
      std::lock_guard<std::mutex> lock(log_mu);
      ++log_lines;
    }
    if (variant == Variant::kOrdered) {
      while (!published.load(std::memory_order_acquire)) std::this_thread::yield();
    }
    std::unique_lock<std::mutex> lock(mu, std::defer_lock);
    if (variant == Variant::kLocked) lock.lock();
    auto found = settings.find(1);
    (void)found;
  });
  writer.join();
  reader.join();
}

// Lazy initialisation during a short startup phase (the plugin-registry
// pattern): a loader thread fills three plugin tables, one every few
// milliseconds, while a worker thread already polls each table until its
// plugin appears (`find` until found). Both threads write a log line, under
// an unrelated log mutex, before and after each step, so in the usual
// schedule the log orders every poll and the insert and a happens-before
// detector sees no race; only when a poll lands inside the insert do the two
// calls overlap. After startup the worker keeps looking up at the same call
// site, correctly published, so the location is hot but the race is rare in
// time.
void StartupRegistry(Variant variant, const KernelConfig& config) {
  constexpr int kPlugins = 3;
  std::array<racecheck::unordered_map<int, int>, kPlugins> tables;
  std::mutex log_mu, mu;
  int log_lines = 0;
  std::atomic<int> ready{0};        // kOrdered: plugins published so far
  std::atomic<bool> loaded{false};  // end of startup, always published
  std::latch start(2);
  auto log = [&] {
    std::lock_guard<std::mutex> lock(log_mu);
    ++log_lines;
  };
  auto lookup = [&](int plugin) {
    std::unique_lock<std::mutex> lock(mu, std::defer_lock);
    if (variant == Variant::kLocked) lock.lock();
    auto& table = tables[static_cast<size_t>(plugin)];
    return table.find(plugin) != table.end();
  };
  std::thread loader([&] {
    Work work(config, 21);
    start.arrive_and_wait();
    for (int plugin = 0; plugin < kPlugins; ++plugin) {
      for (int step = 0; step < 8; ++step) work();  // loading the plugin
      log();
      {
        std::unique_lock<std::mutex> lock(mu, std::defer_lock);
        if (variant == Variant::kLocked) lock.lock();
        tables[static_cast<size_t>(plugin)].insert({plugin, plugin * 10});
      }
      ready.store(plugin + 1, std::memory_order_release);
      log();
    }
    loaded.store(true, std::memory_order_release);
  });
  std::thread worker([&] {
    Work work(config, 22);
    start.arrive_and_wait();
    for (int plugin = 0; plugin < kPlugins; ++plugin) {
      while (true) {
        work();
        log();
        if (variant == Variant::kOrdered) {
          while (ready.load(std::memory_order_acquire) <= plugin) std::this_thread::yield();
        }
        const bool found = lookup(plugin);
        log();
        if (found) break;
      }
    }
    // Steady state: the same lookup site, after startup has been published.
    while (!loaded.load(std::memory_order_acquire)) std::this_thread::yield();
    for (int i = 0; i < config.iterations; ++i) {
      work();
      lookup(i % kPlugins);
    }
  });
  loader.join();
  worker.join();
}

// Two workers each process a few batches of real work and add each batch's
// result to a shared totals map without a lock. The two updates are
// separated by milliseconds of work, so the threads rarely make them at the
// same moment.
void BatchTotals(Variant variant, const KernelConfig& config) {
  // Each worker's first update inserts its key, so the calls race on the
  // tree itself (a memory race too, not only a contract violation).
  racecheck::map<int, long> totals;
  KernelConfig batches = config;
  batches.iterations = 4;
  batches.spacing_us = config.spacing_us * 8;  // one batch of work
  TwoThreads(variant, batches, false, false,
             [&](int thread, int i) { totals[thread] += static_cast<long>(i) + 1; });
}

// A producer hands each update to a consumer through a condition variable
// and waits for the consumer's acknowledgement, but both waits are bounded
// (`wait_for`, so that a stalled peer cannot hang the pipeline) and their
// result is ignored: after a timeout the thread goes on as if the handoff
// had happened. In the usual schedule every handoff takes microseconds, the
// timeouts never fire, and the condition variable's mutex orders every
// update before the read and every read before the next update (a
// happens-before detector sees no race). When one thread stalls for longer
// than the timeout (a page fault, preemption on a loaded machine), the
// other reads or writes the shared value while it is being used. Modelled on
// "frame pipeline" and "watchdog-tolerant handshake" code that treats
// `cv_status::timeout` like a notification. kLocked also holds one mutex
// around the calls; kOrdered waits without a timeout.
void TimedHandoff(Variant variant, const KernelConfig& config) {
  constexpr auto kTimeout = std::chrono::milliseconds(8);
  racecheck::map<int, long> latest;
  latest.unchecked().insert({0, 0});  // the key exists before the threads
  std::mutex handoff_mu, mu;
  std::condition_variable handoff_cv;
  int produced = 0, consumed = 0;
  std::latch start(2);
  auto wait = [&](const std::function<bool()>& done) {
    std::unique_lock<std::mutex> lock(handoff_mu);
    if (variant == Variant::kOrdered) {
      handoff_cv.wait(lock, done);
    } else {
      handoff_cv.wait_for(lock, kTimeout, done);  // result ignored: the bug
    }
  };
  auto signal = [&](int& counter) {
    {
      std::lock_guard<std::mutex> lock(handoff_mu);
      ++counter;
    }
    handoff_cv.notify_all();
  };
  std::thread producer([&] {
    Work work(config, 31);
    start.arrive_and_wait();
    for (int i = 0; i < config.iterations; ++i) {
      for (int step = 0; step < 2; ++step) work();  // preparing the update
      {
        std::unique_lock<std::mutex> lock(mu, std::defer_lock);
        if (variant == Variant::kLocked) lock.lock();
        latest[0] = i + 1;
      }
      signal(produced);
      wait([&] { return consumed > i; });  // the consumer's acknowledgement
    }
  });
  std::thread consumer([&] {
    start.arrive_and_wait();
    long sum = 0;
    for (int i = 0; i < config.iterations; ++i) {
      wait([&] { return produced > i; });
      {
        std::unique_lock<std::mutex> lock(mu, std::defer_lock);
        if (variant == Variant::kLocked) lock.lock();
        auto found = latest.find(0);
        if (found != latest.end()) sum += found->second;
      }
      signal(consumed);
    }
    (void)sum;
  });
  producer.join();
  consumer.join();
}

// Two periodic tasks scheduled at a fixed rate from a common start (a
// settings refresher and a metrics reporter), offset by half a period so
// that "they never run at the same time": timing used as mutual exclusion.
// Each tick writes a log line under a log mutex when it starts and when it
// ends, so in the usual schedule the log orders every refresh before the
// next report and every report before the next refresh, and a
// happens-before detector sees no race. A task that starts half a period
// late (preempted, or a slow tick) runs into the other one. kLocked holds
// one mutex around the calls; kOrdered also hands a turn between the tasks.
void PeriodicTasks(Variant variant, const KernelConfig& config) {
  const auto period = std::chrono::microseconds(std::max<int64_t>(1, config.spacing_us * 32));
  const int ticks = std::min(config.iterations, 12);
  racecheck::map<int, long> settings;
  settings.unchecked().insert({0, 0});  // the key exists before the threads
  std::mutex log_mu, mu;
  int log_lines = 0;
  Turns turns(/*use_atomic=*/false);
  auto log = [&] {
    std::lock_guard<std::mutex> lock(log_mu);
    ++log_lines;
  };
  const auto start = std::chrono::steady_clock::now() + std::chrono::milliseconds(1);
  auto task = [&](int thread) {
    long sum = 0;
    for (int i = 0; i < ticks; ++i) {
      std::this_thread::sleep_until(start + period * i + (thread == 1 ? period / 2 : period * 0));
      if (variant == Variant::kOrdered) turns.Wait(thread);
      log();  // tick start
      {
        std::unique_lock<std::mutex> lock(mu, std::defer_lock);
        if (variant == Variant::kLocked) lock.lock();
        if (thread == 0) {
          settings[0] = i + 1;
        } else {
          auto found = settings.find(0);
          if (found != settings.end()) sum += found->second;
        }
      }
      log();  // tick end
      if (variant == Variant::kOrdered) turns.Pass(1 - thread);
    }
    (void)sum;
  };
  std::thread refresher(task, 0);
  std::thread reporter(task, 1);
  refresher.join();
  reporter.join();
}

}  // namespace

const std::vector<Kernel>& AllKernels() {
  static const std::vector<Kernel> kernels = {
      {"push_back", "unsynchronised push_back from two threads", "condition-variable handshake",
       &PushBack},
      {"check_then_act", "check-then-act on unordered_map (count, then operator[])",
       "atomic flag handshake", &CheckThenAct},
      {"lazy_init", "lazy initialisation of a shared table", "join", &LazyInit},
      {"iterate_while_modify", "iterating a list while another thread modifies it",
       "condition-variable handshake", &IterateWhileModify},
      {"string_append", "StringBuffer-style append(other) while other changes",
       "atomic flag handshake", &StringAppend},
      {"work_stealing", "work-stealing deque: owner pop_back vs thief pop_front",
       "condition-variable handshake", &WorkStealing},
      {"wrong_lock", "readers and writers holding different locks", "join", &WrongLock},
      {"once_per_run", "a once-per-run race hidden by an incidental lock order", "atomic flag",
       &OncePerRun},
      {"startup_registry", "lazy initialisation in a short startup phase, hidden by a log lock",
       "release/acquire counter", &StartupRegistry},
      {"batch_totals", "shared totals updated after long batches of work (rare overlap)",
       "condition-variable handshake", &BatchTotals},
      {"timed_handoff",
       "producer/consumer handoff with bounded waits whose timeout is ignored, hidden by the "
       "condition variable's mutex",
       "unbounded condition-variable waits", &TimedHandoff},
      {"periodic_tasks",
       "fixed-rate tasks offset by half a period (timing as mutual exclusion), hidden by a log "
       "lock",
       "condition-variable turns", &PeriodicTasks},
  };
  return kernels;
}

Status RunKernel(const std::string& name, Variant variant, const KernelConfig& config) {
  for (const Kernel& kernel : AllKernels()) {
    if (name == kernel.name) {
      kernel.run(variant, config);
      return Status::OK();
    }
  }
  return InvalidArgumentError("unknown kernel \"" + name + "\"");
}

Status ParseVariant(const std::string& text, Variant* variant) {
  if (text == "buggy") {
    *variant = Variant::kBuggy;
  } else if (text == "locked") {
    *variant = Variant::kLocked;
  } else if (text == "ordered") {
    *variant = Variant::kOrdered;
  } else {
    return InvalidArgumentError("unknown variant \"" + text +
                                "\" (expected buggy, locked, ordered)");
  }
  return Status::OK();
}

const char* VariantName(Variant variant) {
  switch (variant) {
    case Variant::kBuggy:
      return "buggy";
    case Variant::kLocked:
      return "locked";
    case Variant::kOrdered:
      return "ordered";
  }
  return "?";
}

}  // namespace syskit::racecheck::kernels
