// The log format used by the write-ahead log and the manifest.
//
// Record: fixed32 checksum | fixed32 length | payload[length], where checksum
// is Checksum32 over the length field and the payload. Records are appended
// back to back (no block framing).
//
// Reading: a record that extends past the end of the file, or the file's last
// record failing its checksum, is a torn tail (a write cut short by a crash)
// and is ignored; a bad record followed by more data is Corruption.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "syskit/core/env.h"

namespace syskit::kv {

inline constexpr size_t kLogHeaderSize = 8;

class LogWriter {
 public:
  explicit LogWriter(std::unique_ptr<WritableFile> file) : file_(std::move(file)) {}
  // Appends one record and pushes it to the OS (it survives a process crash);
  // Sync() makes it survive power loss.
  Status AddRecord(std::string_view payload);
  Status Sync() { return file_->Sync(); }
  Status Close() { return file_->Close(); }
  uint64_t size() const { return size_; }
  const std::string& path() const { return file_->path(); }

 private:
  std::unique_ptr<WritableFile> file_;
  uint64_t size_ = 0;
};

struct LogReadResult {
  uint64_t records = 0;
  bool torn_tail = false;    // a cut-short final record was ignored
  uint64_t valid_bytes = 0;  // bytes up to the end of the last good record
};

// Calls `fn` for each record of the log file at `path` in order.
Result<LogReadResult> ReadLog(Env* env, const std::string& path,
                              const std::function<Status(std::string_view)>& fn);

}  // namespace syskit::kv
