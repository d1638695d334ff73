// The racecheck kernel suite: small multi-threaded programs modelled on
// well-known thread-safety-violation patterns (names and patterns from the
// classic application bug collections and SCTBench; the code is our own).
// Each kernel has three variants:
//   kBuggy    two threads make conflicting calls on a shared checked
//             container without synchronisation (a real violation);
//   kLocked   the same calls, correctly synchronised with one mutex;
//   kOrdered  the same calls, ordered by happens-before (a condition-variable
//             handshake, an atomic flag, or join), without a lock.
// Twins must never be reported; buggy kernels must be found.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/status.h"

namespace syskit::racecheck::kernels {

enum class Variant { kBuggy, kLocked, kOrdered };

struct KernelConfig {
  int iterations = 24;       // calls per thread (once_per_run ignores it)
  int64_t spacing_us = 300;  // simulated work between calls, jittered +-50%
  uint64_t seed = 1;
};

struct Kernel {
  const char* name;
  const char* pattern;     // the bug pattern it models
  const char* ordered_by;  // what orders the kOrdered twin
  void (*run)(Variant variant, const KernelConfig& config);
};

// Every kernel, in a fixed order.
const std::vector<Kernel>& AllKernels();

// Runs kernel `name`; InvalidArgument for an unknown name.
Status RunKernel(const std::string& name, Variant variant, const KernelConfig& config);

Status ParseVariant(const std::string& text, Variant* variant);
const char* VariantName(Variant variant);

}  // namespace syskit::racecheck::kernels
