#include "wal.h"

#include "format.h"

namespace syskit::kv {

Status LogWriter::AddRecord(std::string_view payload) {
  if (payload.size() > 0xffffffffu) return InvalidArgumentError("log record too large");
  std::string header;
  std::string len;
  PutFixed32(&len, static_cast<uint32_t>(payload.size()));
  std::string checked = len;
  checked.append(payload);
  PutFixed32(&header, Checksum32(checked));
  header.append(len);
  SYSKIT_RETURN_IF_ERROR(file_->Append(header));
  SYSKIT_RETURN_IF_ERROR(file_->Append(payload));
  SYSKIT_RETURN_IF_ERROR(file_->Flush());
  size_ += header.size() + payload.size();
  return Status::OK();
}

Result<LogReadResult> ReadLog(Env* env, const std::string& path,
                              const std::function<Status(std::string_view)>& fn) {
  SYSKIT_ASSIGN_OR_RETURN(std::string data, ReadFileToString(env, path));
  LogReadResult result;
  size_t pos = 0;
  while (pos < data.size()) {
    if (data.size() - pos < kLogHeaderSize) {
      result.torn_tail = true;
      break;
    }
    const uint32_t expected = DecodeFixed32(data.data() + pos);
    const uint32_t length = DecodeFixed32(data.data() + pos + 4);
    if (length > data.size() - pos - kLogHeaderSize) {
      result.torn_tail = true;
      break;
    }
    const std::string_view checked(data.data() + pos + 4, 4 + length);
    const size_t end = pos + kLogHeaderSize + length;
    if (Checksum32(checked) != expected) {
      // Bytes after a power loss may be zeros or stale; only the last record
      // of the file may be torn.
      if (end == data.size()) {
        result.torn_tail = true;
        break;
      }
      return CorruptionError(path + ": log record at offset " + std::to_string(pos) +
                             " fails its checksum and is not the last record");
    }
    SYSKIT_RETURN_IF_ERROR(fn(std::string_view(data.data() + pos + kLogHeaderSize, length)));
    ++result.records;
    pos = end;
    result.valid_bytes = pos;
  }
  return result;
}

}  // namespace syskit::kv
