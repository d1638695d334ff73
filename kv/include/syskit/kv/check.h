// Offline inspection of a kv database directory, used by `syskit kv check`
// and `syskit kv dump`. Both only read files; neither takes the LOCK, so run
// them on a closed database.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "syskit/core/env.h"
#include "syskit/core/result.h"

namespace syskit::kv {

struct CheckProblem {
  std::string file;       // path of the damaged file
  std::string what;       // e.g. "block at offset 4096 (size 4012): checksum mismatch"
  std::string first_key;  // user-key range of the damaged block, when known
  std::string last_key;
};

struct CheckReport {
  uint64_t tables = 0, blocks = 0, entries = 0, wal_records = 0;
  bool wal_torn_tail = false;
  std::vector<CheckProblem> problems;
};

// Verifies CURRENT, the manifest, every table (footer, whole-file checksum,
// every block checksum) and every WAL record. Damage goes into the report;
// an error is returned only when the directory cannot be read at all.
Result<CheckReport> CheckDatabase(Env* env, const std::string& dir);

// Prints the manifest's files per level and every table entry (internal key,
// sequence, type, value size) to `out`.
Status DumpDatabase(Env* env, const std::string& dir, std::FILE* out);

}  // namespace syskit::kv
