// The files TSVD carries from one test run to the next.
//
// Trap file: the dangerous location pairs learned in a run (with each
// location's hit count when the near miss was seen), and the pairs ruled out
// by happens-before inference or retired by decay. The next run plants traps at those locations
// from the start, so a race that can happen only once per run is caught in
// the second run.
//
// Bug file: the location pairs already reported; they are never reported
// again.
//
// Both are JSON and are replaced atomically (temp file + rename), so a crash
// never leaves a half-written file. The trap file is versioned: version 2
// adds each pair's failed-trap count (decay state), so a pair keeps decaying
// across runs instead of starting over; version 1 files are read with zero
// failures. Any other version is an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit::racecheck {

struct TrapPair {
  // kDangerous: planted as a trap in the next run; kHappensBefore and
  // kRetired (decayed after failed traps): never dangerous again.
  enum class State { kDangerous, kHappensBefore, kRetired };
  std::string first;         // call site "file:line:column"
  std::string second;        // call site; may equal first
  uint32_t first_hits = 0;   // local hit count of `first` at the near miss
  uint32_t second_hits = 0;  // local hit count of `second` at the near miss
  State state = State::kDangerous;
  uint32_t failed_traps = 0;  // traps at either location that caught nobody, all runs
};

constexpr int kTrapFileVersion = 2;

struct BugPair {
  std::string first;
  std::string second;
};

// A missing file is an empty list. InvalidArgument names the file and the
// problem for a malformed one.
Result<std::vector<TrapPair>> ReadTrapFile(const std::string& path);
Status WriteTrapFile(const std::string& path, const std::vector<TrapPair>& pairs);

// Replaces `path` with `data` through `path`.tmp and rename(2): readers see
// the old or the new content, never a mix. Not fsynced: the files are hints,
// a lost update after a power cut only costs relearning, and an fsync would
// be paid at the exit of every test run.
Status ReplaceFileAtomically(const std::string& path, const std::string& data);

Result<std::vector<BugPair>> ReadBugFile(const std::string& path);
Status WriteBugFile(const std::string& path, const std::vector<BugPair>& bugs);

}  // namespace syskit::racecheck
