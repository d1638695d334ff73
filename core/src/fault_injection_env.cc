// FaultInjectionEnv (fault_injection_env.h): a test Env that fails chosen
// operations and simulates power loss, after LevelDB's FaultInjectionTestEnv.
//
// Key invariants:
//  - every counted operation calls MaybeFail() before touching the target, so
//    a failed Append writes nothing and a failed Sync/SyncDir records nothing
//    as durable;
//  - for each file written through this Env, synced_length <= written_length,
//    and synced_length only advances after the target's Sync() returned OK;
//  - DropUnsyncedData() leaves exactly what a power loss would: each tracked
//    file cut back to synced_length, and files whose directory entry was
//    never made durable (created, or renamed into place, without a later
//    SyncDir of their directory) removed.

#include "syskit/core/fault_injection_env.h"

#include <algorithm>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace syskit {
namespace {

std::string_view OpName(FaultInjectionEnv::Op op) {
  switch (op) {
    case FaultInjectionEnv::Op::kRead:
      return "read";
    case FaultInjectionEnv::Op::kWrite:
      return "write";
    case FaultInjectionEnv::Op::kSync:
      return "sync";
  }
  return "unknown";
}

// The directory holding `path`, spelled so that it compares equal to the
// argument of SyncDir for the same directory ("d", "d/", "./d" -> "d").
std::string DirKey(const std::filesystem::path& dir) {
  std::string key = dir.lexically_normal().string();
  while (key.size() > 1 && key.back() == '/') key.pop_back();
  if (key.empty()) key = ".";
  return key;
}

std::string ParentDirKey(const std::string& path) {
  return DirKey(std::filesystem::path(path).parent_path());
}

class FaultInjectionRandomAccessFile final : public RandomAccessFile {
 public:
  FaultInjectionRandomAccessFile(FaultInjectionEnv* env, std::unique_ptr<RandomAccessFile> target)
      : env_(env), target_(std::move(target)) {}

  Result<size_t> ReadAt(uint64_t offset, std::span<char> dst) const override {
    SYSKIT_RETURN_IF_ERROR(env_->MaybeFail(FaultInjectionEnv::Op::kRead, target_->path()));
    return target_->ReadAt(offset, dst);
  }
  Result<uint64_t> Size() const override { return target_->Size(); }
  const std::string& path() const override { return target_->path(); }

 private:
  FaultInjectionEnv* const env_;
  const std::unique_ptr<RandomAccessFile> target_;
};

class FaultInjectionWritableFile final : public WritableFile {
 public:
  FaultInjectionWritableFile(FaultInjectionEnv* env, std::unique_ptr<WritableFile> target,
                             uint64_t initial_length)
      : env_(env), target_(std::move(target)), length_(initial_length) {}

  Status Append(std::string_view data) override {
    SYSKIT_RETURN_IF_ERROR(env_->MaybeFail(FaultInjectionEnv::Op::kWrite, path()));
    SYSKIT_RETURN_IF_ERROR(target_->Append(data));
    length_ += data.size();
    env_->RecordWritten(path(), length_);
    return Status::OK();
  }
  Status Flush() override { return target_->Flush(); }
  Status Sync() override {
    SYSKIT_RETURN_IF_ERROR(env_->MaybeFail(FaultInjectionEnv::Op::kSync, path()));
    SYSKIT_RETURN_IF_ERROR(target_->Sync());
    env_->RecordSynced(path(), length_);
    return Status::OK();
  }
  Status Close() override { return target_->Close(); }
  const std::string& path() const override { return target_->path(); }

 private:
  FaultInjectionEnv* const env_;
  const std::unique_ptr<WritableFile> target_;
  uint64_t length_;  // bytes in the file, counting successful appends
};

}  // namespace

FaultInjectionEnv::FaultInjectionEnv(Env* target) : EnvWrapper(target) {}

void FaultInjectionEnv::FailNth(Op op, uint64_t nth) {
  std::lock_guard<std::mutex> guard(mu_);
  const auto kind = static_cast<size_t>(op);
  fail_at_[kind] = nth == 0 ? 0 : counts_[kind] + nth;
}

void FaultInjectionEnv::FailAll(Op op) {
  std::lock_guard<std::mutex> guard(mu_);
  fail_all_[static_cast<size_t>(op)] = true;
}

void FaultInjectionEnv::Reset() {
  std::lock_guard<std::mutex> guard(mu_);
  counts_ = {};
  fail_at_ = {};
  fail_all_ = {};
}

uint64_t FaultInjectionEnv::count(Op op) const {
  std::lock_guard<std::mutex> guard(mu_);
  return counts_[static_cast<size_t>(op)];
}

Status FaultInjectionEnv::MaybeFail(Op op, const std::string& path) {
  std::lock_guard<std::mutex> guard(mu_);
  const auto kind = static_cast<size_t>(op);
  const uint64_t n = ++counts_[kind];
  if (!fail_all_[kind] && n != fail_at_[kind]) return Status::OK();
  return IOError("injected fault: " + std::string(OpName(op)) + " #" + std::to_string(n) + " on " +
                 path);
}

void FaultInjectionEnv::RecordSynced(const std::string& path, uint64_t length) {
  std::lock_guard<std::mutex> guard(mu_);
  FileState& state = files_[path];
  state.written_length = std::max(state.written_length, length);
  state.synced_length = length;
}

void FaultInjectionEnv::RecordWritten(const std::string& path, uint64_t length) {
  std::lock_guard<std::mutex> guard(mu_);
  files_[path].written_length = length;
}

Result<std::unique_ptr<RandomAccessFile>> FaultInjectionEnv::NewRandomAccessFile(
    const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file,
                          target()->NewRandomAccessFile(path));
  return std::unique_ptr<RandomAccessFile>(
      std::make_unique<FaultInjectionRandomAccessFile>(this, std::move(file)));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewWritableFile(const std::string& path) {
  const bool existed = target()->FileExists(path);
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, target()->NewWritableFile(path));
  {
    std::lock_guard<std::mutex> guard(mu_);
    auto [it, inserted] = files_.try_emplace(path);
    FileState& state = it->second;
    if (inserted) {
      // A file that existed before is assumed to have a durable entry.
      state.created = !existed;
      state.entry_durable = existed;
    }
    // Truncation is not durable either: nothing of the old content survives.
    state.synced_length = 0;
    state.written_length = 0;
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultInjectionWritableFile>(this, std::move(file), 0));
}

Result<std::unique_ptr<WritableFile>> FaultInjectionEnv::NewAppendableFile(
    const std::string& path) {
  const bool existed = target()->FileExists(path);
  uint64_t initial_length = 0;
  if (existed) {
    SYSKIT_ASSIGN_OR_RETURN(initial_length, target()->GetFileSize(path));
  }
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, target()->NewAppendableFile(path));
  {
    std::lock_guard<std::mutex> guard(mu_);
    auto [it, inserted] = files_.try_emplace(path);
    FileState& state = it->second;
    if (inserted) {
      // Content that was there before this Env saw the file counts as durable.
      state.created = !existed;
      state.entry_durable = existed;
      state.synced_length = initial_length;
    }
    state.written_length = initial_length;
  }
  return std::unique_ptr<WritableFile>(
      std::make_unique<FaultInjectionWritableFile>(this, std::move(file), initial_length));
}

Result<std::unique_ptr<MappedFile>> FaultInjectionEnv::MapFile(const std::string& path) {
  SYSKIT_RETURN_IF_ERROR(MaybeFail(Op::kRead, path));
  return target()->MapFile(path);
}

Status FaultInjectionEnv::SyncDir(const std::string& dir) {
  SYSKIT_RETURN_IF_ERROR(MaybeFail(Op::kSync, dir));
  SYSKIT_RETURN_IF_ERROR(target()->SyncDir(dir));
  const std::string dir_key = DirKey(dir);
  std::lock_guard<std::mutex> guard(mu_);
  for (auto& [path, state] : files_) {
    if (ParentDirKey(path) == dir_key) state.entry_durable = true;
  }
  return Status::OK();
}

Status FaultInjectionEnv::DeleteFile(const std::string& path) {
  SYSKIT_RETURN_IF_ERROR(target()->DeleteFile(path));
  std::lock_guard<std::mutex> guard(mu_);
  files_.erase(path);
  return Status::OK();
}

Status FaultInjectionEnv::RenameFile(const std::string& source, const std::string& target_path) {
  SYSKIT_RETURN_IF_ERROR(target()->RenameFile(source, target_path));
  std::lock_guard<std::mutex> guard(mu_);
  auto it = files_.find(source);
  if (it == files_.end()) {
    // An untracked file replaced a tracked one: forget the replaced state.
    files_.erase(target_path);
    return Status::OK();
  }
  FileState state = it->second;
  files_.erase(it);
  // The new name is a new directory entry: durable only after a SyncDir.
  state.entry_durable = false;
  files_[target_path] = state;
  return Status::OK();
}

Status FaultInjectionEnv::DropUnsyncedData() {
  std::lock_guard<std::mutex> guard(mu_);
  Env* env = target();
  std::vector<std::string> lost_entries;
  for (auto& [path, state] : files_) {
    if (state.created && !state.entry_durable) {
      Status status = env->DeleteFile(path);
      if (!status.ok() && status.code() != StatusCode::kNotFound) return status;
      lost_entries.push_back(path);
      continue;
    }
    if (!env->FileExists(path)) continue;
    SYSKIT_ASSIGN_OR_RETURN(uint64_t size, env->GetFileSize(path));
    if (size > state.synced_length) {
      // Rewritten through the target Env (which has no truncate) so this works
      // over any Env, not only POSIX files.
      std::string kept(static_cast<size_t>(state.synced_length), '\0');
      {
        SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> reader,
                                env->NewRandomAccessFile(path));
        SYSKIT_ASSIGN_OR_RETURN(size_t n, reader->ReadAt(0, kept));
        if (n != kept.size()) {
          return InternalError(path + ": expected " + std::to_string(kept.size()) +
                               " synced bytes, read " + std::to_string(n));
        }
      }
      SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> writer, env->NewWritableFile(path));
      SYSKIT_RETURN_IF_ERROR(writer->Append(kept));
      SYSKIT_RETURN_IF_ERROR(writer->Sync());
      SYSKIT_RETURN_IF_ERROR(writer->Close());
    }
    state.written_length = state.synced_length;
  }
  for (const std::string& path : lost_entries) files_.erase(path);
  return Status::OK();
}

}  // namespace syskit
