// Env: every file, clock and sleep operation goes through this interface so
// tests can inject faults and emulated devices can charge latency (the
// LevelDB Env pattern).
//
//   Env* env = Env::Default();            // POSIX files, steady clock
//   EnvWrapper                            // forwards every call; subclass it
//   FaultInjectionEnv (fault_injection_env.h)  // fails the Nth op, drops unsynced data
//
// Thread-safety: Env implementations are safe to call from many threads.
// File objects are not; each is used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit {

// A file opened for positional reads.
class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to dst.size() bytes at `offset` into dst. Returns the number of
  // bytes read: fewer than requested only at end of file, 0 at or past it.
  virtual Result<size_t> ReadAt(uint64_t offset, std::span<char> dst) const = 0;
  // The file's size in bytes.
  virtual Result<uint64_t> Size() const = 0;
  virtual const std::string& path() const = 0;
};

// A file opened for appending. Data is durable only after Sync() returns OK.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Pushes buffered data to the OS (not necessarily to the device).
  virtual Status Flush() = 0;
  // Makes all appended data durable (fdatasync).
  virtual Status Sync() = 0;
  // Flushes and closes; further calls fail. The destructor closes too, but
  // only Close() reports errors.
  virtual Status Close() = 0;
  virtual const std::string& path() const = 0;
};

// A read-only view of a whole file, memory-mapped where the Env supports it.
class MappedFile {
 public:
  virtual ~MappedFile() = default;
  virtual std::string_view data() const = 0;
  virtual const std::string& path() const = 0;
};

// A held advisory lock on a file (released by destruction or UnlockFile).
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX Env. Never destroyed.
  static Env* Default();

  // Opens an existing regular file. NotFound if missing, InvalidArgument if
  // the path is a directory or not a regular file, IOError otherwise.
  virtual Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(
      const std::string& path) = 0;
  // Creates or truncates `path`.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) = 0;
  // Opens `path` for appending, creating it if missing.
  virtual Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) = 0;
  // Maps an existing regular file read-only (same errors as
  // NewRandomAccessFile). An empty file maps to an empty view.
  virtual Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) = 0;

  virtual bool FileExists(const std::string& path) = 0;
  virtual Result<uint64_t> GetFileSize(const std::string& path) = 0;
  // Names of the entries in `dir`, without "." and "..", sorted.
  virtual Result<std::vector<std::string>> GetChildren(const std::string& dir) = 0;
  virtual Status DeleteFile(const std::string& path) = 0;
  // Atomically replaces `target` with `source` (rename(2)).
  virtual Status RenameFile(const std::string& source, const std::string& target) = 0;
  // Creates `dir` and missing parents; OK if it exists already.
  virtual Status CreateDir(const std::string& dir) = 0;
  // Removes an empty directory.
  virtual Status DeleteDir(const std::string& dir) = 0;
  // Makes a directory's entries (creations, renames) durable.
  virtual Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive advisory lock on `path` (created if missing);
  // FailedPrecondition if another process or Env user holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Monotonic clock.
  virtual uint64_t NowNanos() = 0;
  uint64_t NowMicros() { return NowNanos() / 1000; }
  virtual void SleepForMicros(uint64_t micros) = 0;
};

// Forwards every call to `target`; subclass it and override what you change.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    return target_->NewRandomAccessFile(path);
  }
  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return target_->NewWritableFile(path);
  }
  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return target_->NewAppendableFile(path);
  }
  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    return target_->MapFile(path);
  }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Result<uint64_t> GetFileSize(const std::string& path) override {
    return target_->GetFileSize(path);
  }
  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    return target_->GetChildren(dir);
  }
  Status DeleteFile(const std::string& path) override { return target_->DeleteFile(path); }
  Status RenameFile(const std::string& source, const std::string& target) override {
    return target_->RenameFile(source, target);
  }
  Status CreateDir(const std::string& dir) override { return target_->CreateDir(dir); }
  Status DeleteDir(const std::string& dir) override { return target_->DeleteDir(dir); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return target_->LockFile(path);
  }
  uint64_t NowNanos() override { return target_->NowNanos(); }
  void SleepForMicros(uint64_t micros) override { target_->SleepForMicros(micros); }

 private:
  Env* target_;
};

// Reads a whole file into a string.
Result<std::string> ReadFileToString(Env* env, const std::string& path);
// Writes `data` to `path` (truncating), syncing it when `sync` is true.
Status WriteStringToFile(Env* env, std::string_view data, const std::string& path,
                         bool sync = false);
// Writes `data` to "<path>.tmp", syncs it, renames it over `path` and syncs
// the directory, so readers see the old or the new content, never a mix.
Status WriteFileAtomically(Env* env, std::string_view data, const std::string& path);

}  // namespace syskit
