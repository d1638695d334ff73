// FaultInjectionEnv: an EnvWrapper for tests that fails chosen operations and
// simulates a crash by dropping data that was never synced.
//
//   FaultInjectionEnv env(Env::Default());
//   env.FailNth(FaultInjectionEnv::Op::kSync, 3);   // the 3rd Sync() fails
//   ... run code under test with &env ...
//   env.DropUnsyncedData();   // every file back to its last synced length
//
// Counting: every RandomAccessFile::ReadAt and MapFile counts as a read, every
// WritableFile::Append as a write, every WritableFile::Sync and SyncDir as a
// sync; counts start at 1 and are shared by all files of this Env.
// Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "syskit/core/env.h"

namespace syskit {

class FaultInjectionEnv : public EnvWrapper {
 public:
  enum class Op { kRead = 0, kWrite = 1, kSync = 2 };

  explicit FaultInjectionEnv(Env* target);

  // Makes the `nth` (1-based, counted from now) operation of kind `op` fail
  // with IOError("injected fault: ..."). 0 disarms. A failed write appends
  // nothing; a failed sync makes nothing durable.
  void FailNth(Op op, uint64_t nth);
  // Makes every operation of kind `op` fail from now on (until Reset()).
  void FailAll(Op op);
  // Disarms all faults and zeroes the counters.
  void Reset();
  // Operations of kind `op` seen since construction or Reset().
  uint64_t count(Op op) const;

  // Truncates every file written through this Env to the length it had at its
  // last successful Sync() (0 if never synced), and deletes files created
  // through this Env whose directory was never synced after creation — what
  // survives a power loss. Files must be closed first.
  Status DropUnsyncedData();

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override;
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override;
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status DeleteFile(const std::string& path) override;
  Status RenameFile(const std::string& source, const std::string& target) override;

  // Used by the wrapped files; returns the injected error or OK.
  Status MaybeFail(Op op, const std::string& path);
  void RecordSynced(const std::string& path, uint64_t length);
  void RecordWritten(const std::string& path, uint64_t length);

 private:
  struct FileState {
    uint64_t synced_length = 0;
    uint64_t written_length = 0;
    bool created = false;        // created through this Env
    bool entry_durable = false;  // its directory synced since creation
  };

  mutable std::mutex mu_;
  std::array<uint64_t, 3> counts_{};
  std::array<uint64_t, 3> fail_at_{};  // absolute count to fail at; 0 = off
  std::array<bool, 3> fail_all_{};
  std::map<std::string, FileState> files_;
};

}  // namespace syskit
