// Happens-before from thread creation and join: a vector clock per thread.
//
// The runtime defines pthread_create, pthread_join (and the tryjoin,
// timedjoin and clockjoin variants) and pthread_detach, and forwards them to the next definition
// (libc's) through dlsym(RTLD_NEXT, ...). Because the definitions are in the
// program (or in the LD_PRELOAD shim), they also catch the calls std::thread
// makes from libstdc++.
//
//   create   the child starts with the parent's clock (everything the parent
//            did so far happens-before the child); the parent then ticks its
//            own component, so its later accesses are not ordered.
//   join     the joiner merges the clock the joined thread had when it
//            finished (everything the child did happens-before the joiner's
//            next access).
//
// An access is recorded with (thread id, the thread's own component). A later
// access by thread U is ordered after it iff U's clock knows that thread at
// least up to that component. Only the owning thread reads or writes its
// clock; the clock a finished thread leaves behind is read by its joiner
// after pthread_join returned, which orders the two.
//
// The per-thread state is trivially destructible (a pointer to the known
// components, freed by a separate thread_local reaper), so accesses made by
// other thread_local destructors still find a valid, possibly empty, clock.
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "runtime_internal.h"

#ifdef SYSKIT_RACECHECK_NO_THREAD_HOOKS
// Built without the wrappers (the TSan kernels: TSan intercepts these calls
// itself); the clock helpers below are then unused.
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

namespace syskit::racecheck::internal {
namespace {

// One known component: thread `id` is known up to `clock`; `finished` when
// the thread is known to have exited (its clock can no longer grow).
struct Component {
  int id;
  uint32_t clock;
  bool finished;
};
using Components = std::vector<Component>;  // sorted by id

// A clock keeps at most this many components, so a program that creates and
// joins many threads does not pay O(threads) per creation. Past the cap the
// oldest finished threads are forgotten first: forgetting only makes the
// runtime treat more pairs as concurrent (conservative).
constexpr size_t kMaxComponents = 1024;

std::atomic<int> g_next_thread{0};

struct ClockTls {
  int id = 0;
  uint32_t own = 1;
  Components* known = nullptr;  // other threads' components this thread knows
};
thread_local ClockTls tls_clock;

// Frees the known components at thread exit (registered on first allocation).
struct ClockReaper {
  ~ClockReaper() {
    delete tls_clock.known;
    tls_clock.known = nullptr;
  }
};
thread_local ClockReaper tls_reaper;

Components& Known() {
  if (tls_clock.known == nullptr) {
    (void)&tls_reaper;  // constructs it, so its destructor runs at exit
    tls_clock.known = new Components();
  }
  return *tls_clock.known;
}

auto Find(Components& components, int id) {
  return std::lower_bound(components.begin(), components.end(), id,
                          [](const Component& c, int key) { return c.id < key; });
}

void Trim(Components& components) {
  if (components.size() <= kMaxComponents) return;
  size_t excess = components.size() - kMaxComponents;
  // Oldest (smallest id) finished threads first, then the oldest of the rest.
  for (bool finished_only : {true, false}) {
    std::erase_if(components, [&](const Component& c) {
      if (excess == 0 || (finished_only && !c.finished)) return false;
      --excess;
      return true;
    });
  }
}

// Sets `into`[id] = max(into[id], clock).
void Raise(Components& into, int id, uint32_t clock, bool finished) {
  auto it = Find(into, id);
  if (it != into.end() && it->id == id) {
    it->clock = std::max(it->clock, clock);
    it->finished = it->finished || finished;
  } else {
    into.insert(it, Component{id, clock, finished});
    Trim(into);
  }
}

void Merge(Components& into, const Components& from) {
  Components merged;
  merged.reserve(into.size() + from.size());
  Components::const_iterator a = into.begin(), b = from.begin();
  while (a != into.end() || b != from.end()) {
    if (b == from.end() || (a != into.end() && a->id < b->id)) {
      merged.push_back(*a++);
    } else if (a == into.end() || b->id < a->id) {
      merged.push_back(*b++);
    } else {
      merged.push_back(Component{a->id, std::max(a->clock, b->clock), a->finished || b->finished});
      ++a;
      ++b;
    }
  }
  Trim(merged);
  into.swap(merged);
}

// The clock a thread created through pthread_create leaves for its joiner.
struct ExitClock {
  Components components;
  std::atomic<bool> published{false};
};

// Joinable threads created through the wrapper, by pthread_t, until joined
// or detached.
std::mutex g_registry_mu;
std::unordered_map<pthread_t, std::shared_ptr<ExitClock>>& Registry() {
  static auto* registry = new std::unordered_map<pthread_t, std::shared_ptr<ExitClock>>();
  return *registry;
}

std::shared_ptr<ExitClock> TakeExitClock(pthread_t thread) {
  std::lock_guard<std::mutex> lock(g_registry_mu);
  auto it = Registry().find(thread);
  if (it == Registry().end()) return nullptr;
  std::shared_ptr<ExitClock> exit = std::move(it->second);
  Registry().erase(it);
  return exit;
}

struct StartArgs {
  void* (*start)(void*);
  void* arg;
  Components inherited;
  std::shared_ptr<ExitClock> exit;
};

// Publishes the finishing thread's clock, also when it leaves through
// pthread_exit or cancellation (both unwind this frame).
struct PublishAtExit {
  std::shared_ptr<ExitClock> exit;
  ~PublishAtExit() {
    Components components = tls_clock.known != nullptr ? std::move(*tls_clock.known) : Components();
    if (tls_clock.known != nullptr) tls_clock.known->clear();
    Raise(components, CurrentThreadId(), tls_clock.own, /*finished=*/true);
    exit->components = std::move(components);
    exit->published.store(true, std::memory_order_release);
  }
};

void* Trampoline(void* raw) {
  std::unique_ptr<StartArgs> args(static_cast<StartArgs*>(raw));
  Known() = std::move(args->inherited);
  tls_clock.own = 1;
  void* (*start)(void*) = args->start;
  void* arg = args->arg;
  PublishAtExit publish{std::move(args->exit)};
  args.reset();
  return start(arg);
}

template <class Fn>
Fn Next(const char* name) {
  Fn next = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
  if (next == nullptr) {
    static const char kMessage[] = "syskit racecheck: error: cannot find the next pthread symbol\n";
    (void)!::write(2, kMessage, sizeof(kMessage) - 1);
    std::abort();
  }
  return next;
}

// Joins through `join`. The exit clock is taken out of the registry before
// the join: until then `thread` cannot name another thread (a joinable
// thread's id is reused only after it was joined), so a thread created
// meanwhile with a reused id cannot replace the entry.
template <class Join>
int JoinAndMerge(pthread_t thread, Join join) {
  std::shared_ptr<ExitClock> exit = TakeExitClock(thread);
  const int result = join();
  if (result != 0) {
    if (exit != nullptr) {  // not joined after all (EBUSY, ETIMEDOUT, ...): keep it
      std::lock_guard<std::mutex> lock(g_registry_mu);
      Registry().emplace(thread, std::move(exit));
    }
    return result;
  }
  if (exit != nullptr && exit->published.load(std::memory_order_acquire)) {
    Merge(Known(), exit->components);
  }
  return result;
}

}  // namespace

int CurrentThreadId() {
  if (tls_clock.id == 0) tls_clock.id = g_next_thread.fetch_add(1) + 1;
  return tls_clock.id;
}

uint32_t CurrentClock() { return tls_clock.own; }

bool OrderedBefore(int thread, uint32_t clock) {
  if (tls_clock.known == nullptr) return false;
  Components& known = *tls_clock.known;
  auto it = Find(known, thread);
  return it != known.end() && it->id == thread && it->clock >= clock;
}

}  // namespace syskit::racecheck::internal

#ifndef SYSKIT_RACECHECK_NO_THREAD_HOOKS

using syskit::racecheck::internal::Components;
using syskit::racecheck::internal::CurrentThreadId;
using syskit::racecheck::internal::ExitClock;
using syskit::racecheck::internal::g_registry_mu;
using syskit::racecheck::internal::JoinAndMerge;
using syskit::racecheck::internal::Known;
using syskit::racecheck::internal::Next;
using syskit::racecheck::internal::Raise;
using syskit::racecheck::internal::Registry;
using syskit::racecheck::internal::StartArgs;
using syskit::racecheck::internal::tls_clock;
using syskit::racecheck::internal::Trampoline;

extern "C" {

int pthread_create(pthread_t* __restrict thread, const pthread_attr_t* __restrict attr,
                   void* (*start)(void*), void* __restrict arg) noexcept {
  using Fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static const Fn next = Next<Fn>("pthread_create");
  int detach_state = PTHREAD_CREATE_JOINABLE;
  if (attr != nullptr) pthread_attr_getdetachstate(attr, &detach_state);
  auto* args = new (std::nothrow) StartArgs{start, arg, {}, nullptr};
  if (args == nullptr) return next(thread, attr, start, arg);
  args->inherited = Known();
  Raise(args->inherited, CurrentThreadId(), tls_clock.own, /*finished=*/false);
  args->exit = std::make_shared<ExitClock>();
  std::shared_ptr<ExitClock> exit = args->exit;
  // The registry lock is held across the real create, so the child cannot
  // detach itself (or be joined by a third thread) before its entry exists.
  // The child never takes the lock while starting, so this cannot deadlock.
  std::unique_lock<std::mutex> lock(g_registry_mu);
  const int result = next(thread, attr, Trampoline, args);
  if (result != 0) {
    lock.unlock();
    delete args;
    return result;
  }
  if (detach_state == PTHREAD_CREATE_JOINABLE) Registry()[*thread] = std::move(exit);
  lock.unlock();
  ++tls_clock.own;  // the parent's later accesses are not ordered before the child
  return 0;
}

int pthread_join(pthread_t thread, void** value) {
  using Fn = int (*)(pthread_t, void**);
  static const Fn next = Next<Fn>("pthread_join");
  return JoinAndMerge(thread, [&] { return next(thread, value); });
}

int pthread_tryjoin_np(pthread_t thread, void** value) noexcept {
  using Fn = int (*)(pthread_t, void**);
  static const Fn next = Next<Fn>("pthread_tryjoin_np");
  return JoinAndMerge(thread, [&] { return next(thread, value); });
}

int pthread_timedjoin_np(pthread_t thread, void** value, const struct timespec* abstime) {
  using Fn = int (*)(pthread_t, void**, const struct timespec*);
  static const Fn next = Next<Fn>("pthread_timedjoin_np");
  return JoinAndMerge(thread, [&] { return next(thread, value, abstime); });
}

int pthread_clockjoin_np(pthread_t thread, void** value, clockid_t clock,
                         const struct timespec* abstime) {
  using Fn = int (*)(pthread_t, void**, clockid_t, const struct timespec*);
  static const Fn next = Next<Fn>("pthread_clockjoin_np");
  return JoinAndMerge(thread, [&] { return next(thread, value, clock, abstime); });
}

int pthread_detach(pthread_t thread) noexcept {
  using Fn = int (*)(pthread_t);
  static const Fn next = Next<Fn>("pthread_detach");
  const int result = next(thread);
  if (result == 0) {
    std::lock_guard<std::mutex> lock(g_registry_mu);
    Registry().erase(thread);
  }
  return result;
}

}  // extern "C"

#endif  // SYSKIT_RACECHECK_NO_THREAD_HOOKS
