// PosixEnv: the POSIX implementation of Env (env.h), after LevelDB's
// util/env_posix.cc, plus the whole-file helpers declared at the end of env.h.
//
// Key invariants:
//  - every descriptor is opened with O_CLOEXEC and owned by exactly one object,
//    which closes it in its destructor;
//  - a WritableFile's bytes reach the OS in append order: buffered bytes are
//    always written before a large append that bypasses the buffer;
//  - a path is locked at most once per process (tracked in `locked_paths_`),
//    because fcntl locks are per process and closing any descriptor of the
//    file would silently drop them.

#include "syskit/core/env.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace syskit {
namespace {

constexpr size_t kWritableFileBufferSize = 64 * 1024;

// Closes `fd` unless it is -1; for error paths and destructors.
void CloseQuietly(int fd) {
  if (fd >= 0) ::close(fd);
}

// Opens an existing file for reading and checks that it is a regular file.
// On success returns the descriptor and stores its size in `*size`.
Result<int> OpenRegularFileForRead(const std::string& path, uint64_t* size) {
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return ErrnoError(path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    Status status = ErrnoError(path, errno);
    CloseQuietly(fd);
    return status;
  }
  if (!S_ISREG(st.st_mode)) {
    CloseQuietly(fd);
    if (S_ISDIR(st.st_mode)) return InvalidArgumentError(path + ": is a directory");
    return InvalidArgumentError(path + ": not a regular file");
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { CloseQuietly(fd_); }

  Result<size_t> ReadAt(uint64_t offset, std::span<char> dst) const override {
    size_t total = 0;
    while (total < dst.size()) {
      ssize_t n =
          ::pread(fd_, dst.data() + total, dst.size() - total, static_cast<off_t>(offset + total));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(path_, errno);
      }
      if (n == 0) break;  // end of file
      total += static_cast<size_t>(n);
    }
    return total;
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoError(path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  const int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {
    buffer_.reserve(kWritableFileBufferSize);
  }

  ~PosixWritableFile() override {
    if (fd_ < 0) return;
    FlushBuffer().IgnoreError();
    CloseQuietly(fd_);
  }

  Status Append(std::string_view data) override {
    SYSKIT_RETURN_IF_ERROR(CheckOpen());
    if (buffer_.size() + data.size() <= kWritableFileBufferSize) {
      buffer_.append(data);
      return Status::OK();
    }
    SYSKIT_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() >= kWritableFileBufferSize) return WriteAll(data);
    buffer_.append(data);
    return Status::OK();
  }

  Status Flush() override {
    SYSKIT_RETURN_IF_ERROR(CheckOpen());
    return FlushBuffer();
  }

  Status Sync() override {
    SYSKIT_RETURN_IF_ERROR(CheckOpen());
    SYSKIT_RETURN_IF_ERROR(FlushBuffer());
    if (::fdatasync(fd_) != 0) return ErrnoError(path_, errno);
    return Status::OK();
  }

  Status Close() override {
    SYSKIT_RETURN_IF_ERROR(CheckOpen());
    Status status = FlushBuffer();
    // close(2) must not be retried on EINTR on Linux: the descriptor is gone.
    if (::close(fd_) != 0 && status.ok()) status = ErrnoError(path_, errno);
    fd_ = -1;
    return status;
  }

  const std::string& path() const override { return path_; }

 private:
  Status CheckOpen() const {
    if (fd_ < 0) return FailedPreconditionError(path_ + ": file is closed");
    return Status::OK();
  }

  Status FlushBuffer() {
    Status status = WriteAll(buffer_);
    buffer_.clear();
    return status;
  }

  Status WriteAll(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError(path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return Status::OK();
  }

  const std::string path_;
  int fd_;  // -1 once closed
  std::string buffer_;
};

class PosixMappedFile final : public MappedFile {
 public:
  // `base` is the mmap'ed region of `length` bytes, or nullptr for an empty
  // file.
  PosixMappedFile(std::string path, void* base, size_t length)
      : path_(std::move(path)), base_(base), length_(length) {}
  ~PosixMappedFile() override {
    if (base_ != nullptr) ::munmap(base_, length_);
  }

  std::string_view data() const override {
    if (base_ == nullptr) return {};
    return {static_cast<const char*>(base_), length_};
  }
  const std::string& path() const override { return path_; }

 private:
  const std::string path_;
  void* const base_;
  const size_t length_;
};

class PosixEnv;

class PosixFileLock final : public FileLock {
 public:
  PosixFileLock(PosixEnv* env, std::string key, int fd)
      : env_(env), key_(std::move(key)), fd_(fd) {}
  ~PosixFileLock() override;

 private:
  PosixEnv* const env_;
  const std::string key_;
  const int fd_;
};

// Sets or clears an exclusive fcntl lock on the whole file.
int LockOrUnlock(int fd, bool lock) {
  struct flock request = {};
  request.l_type = static_cast<short>(lock ? F_WRLCK : F_UNLCK);
  request.l_whence = SEEK_SET;
  request.l_start = 0;
  request.l_len = 0;  // the whole file
  return ::fcntl(fd, F_SETLK, &request);
}

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<RandomAccessFile>> NewRandomAccessFile(const std::string& path) override {
    uint64_t size = 0;
    SYSKIT_ASSIGN_OR_RETURN(int fd, OpenRegularFileForRead(path, &size));
    return std::unique_ptr<RandomAccessFile>(std::make_unique<PosixRandomAccessFile>(path, fd));
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
    return OpenForWrite(path, O_TRUNC);
  }

  Result<std::unique_ptr<WritableFile>> NewAppendableFile(const std::string& path) override {
    return OpenForWrite(path, O_APPEND);
  }

  Result<std::unique_ptr<MappedFile>> MapFile(const std::string& path) override {
    uint64_t size = 0;
    SYSKIT_ASSIGN_OR_RETURN(int fd, OpenRegularFileForRead(path, &size));
    if (size == 0) {
      CloseQuietly(fd);
      return std::unique_ptr<MappedFile>(std::make_unique<PosixMappedFile>(path, nullptr, 0));
    }
    if (size > static_cast<uint64_t>(SIZE_MAX)) {
      CloseQuietly(fd);
      return ResourceExhaustedError(path + ": too large to map (" + std::to_string(size) +
                                    " bytes)");
    }
    const auto length = static_cast<size_t>(size);
    void* base = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, 0);
    // The mapping keeps the file alive; the descriptor is no longer needed.
    const int mmap_errno = errno;
    CloseQuietly(fd);
    if (base == MAP_FAILED) return ErrnoError(path, mmap_errno);
    // Only a hint: a failure changes nothing but read-ahead.
    ::madvise(base, length, MADV_SEQUENTIAL);
    return std::unique_ptr<MappedFile>(std::make_unique<PosixMappedFile>(path, base, length));
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return ErrnoError(path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::vector<std::string>> GetChildren(const std::string& dir) override {
    DIR* handle = ::opendir(dir.c_str());
    if (handle == nullptr) return ErrnoError(dir, errno);
    std::vector<std::string> children;
    errno = 0;
    while (struct dirent* entry = ::readdir(handle)) {
      std::string_view name = entry->d_name;
      if (name != "." && name != "..") children.emplace_back(name);
    }
    const int read_errno = errno;
    ::closedir(handle);
    if (read_errno != 0) return ErrnoError(dir, read_errno);
    std::sort(children.begin(), children.end());
    return children;
  }

  Status DeleteFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoError(path, errno);
    return Status::OK();
  }

  Status RenameFile(const std::string& source, const std::string& target) override {
    if (::rename(source.c_str(), target.c_str()) != 0) {
      return ErrnoError(source + ": rename to " + target, errno);
    }
    return Status::OK();
  }

  Status CreateDir(const std::string& dir) override {
    std::error_code error;
    std::filesystem::create_directories(dir, error);
    if (error) return ErrnoError(dir, error.value());
    // create_directories reports success for an existing non-directory on
    // some library versions; make that case explicit.
    if (!std::filesystem::is_directory(dir, error)) {
      return FailedPreconditionError(dir + ": exists and is not a directory");
    }
    return Status::OK();
  }

  Status DeleteDir(const std::string& dir) override {
    if (::rmdir(dir.c_str()) != 0) return ErrnoError(dir, errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd;
    do {
      fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError(dir, errno);
    Status status;
    if (::fsync(fd) != 0) status = ErrnoError(dir, errno);
    CloseQuietly(fd);
    return status;
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    // The in-process check comes first: opening and closing a second
    // descriptor of a file locked by this process would release its lock.
    std::string key = LockKey(path);
    {
      std::lock_guard<std::mutex> guard(lock_mu_);
      if (!locked_paths_.insert(key).second) {
        return FailedPreconditionError(path + ": already locked by this process");
      }
    }
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
      Status status = ErrnoError(path, errno);
      ReleaseLockKey(key);
      return status;
    }
    if (LockOrUnlock(fd, /*lock=*/true) != 0) {
      const int lock_errno = errno;
      CloseQuietly(fd);
      ReleaseLockKey(key);
      if (lock_errno == EACCES || lock_errno == EAGAIN) {
        return FailedPreconditionError(path + ": locked by another process");
      }
      return ErrnoError(path + ": lock", lock_errno);
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(this, std::move(key), fd));
  }

  uint64_t NowNanos() override {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  }

  void SleepForMicros(uint64_t micros) override {
    // sleep_for resumes after signals until the full duration has passed.
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

  void ReleaseLockKey(const std::string& key) {
    std::lock_guard<std::mutex> guard(lock_mu_);
    locked_paths_.erase(key);
  }

 private:
  Result<std::unique_ptr<WritableFile>> OpenForWrite(const std::string& path, int mode_flag) {
    int fd;
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | mode_flag, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoError(path, errno);
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(path, fd));
  }

  // "dir/./LOCK", "dir/LOCK" and a path through a symlink to dir name the
  // same lock.
  static std::string LockKey(const std::string& path) {
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(path, error);
    if (error) return path;
    std::filesystem::path canonical = std::filesystem::weakly_canonical(absolute, error);
    if (error) return absolute.lexically_normal().string();
    return canonical.string();
  }

  std::mutex lock_mu_;
  std::set<std::string> locked_paths_;  // guarded by lock_mu_
};

PosixFileLock::~PosixFileLock() {
  LockOrUnlock(fd_, /*lock=*/false);
  CloseQuietly(fd_);
  env_->ReleaseLockKey(key_);
}

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv();  // never destroyed: files may outlive main()
  return env;
}

Result<std::string> ReadFileToString(Env* env, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<RandomAccessFile> file, env->NewRandomAccessFile(path));
  SYSKIT_ASSIGN_OR_RETURN(uint64_t size_hint, file->Size());
  // The size is only a hint: read until end of file in case the file grows.
  std::string contents;
  contents.resize(static_cast<size_t>(size_hint) + 1);
  size_t filled = 0;
  while (true) {
    if (filled == contents.size()) contents.resize(contents.size() * 2);
    std::span<char> dst(contents.data() + filled, contents.size() - filled);
    SYSKIT_ASSIGN_OR_RETURN(size_t n, file->ReadAt(filled, dst));
    if (n == 0) break;
    filled += n;
  }
  contents.resize(filled);
  return contents;
}

Status WriteStringToFile(Env* env, std::string_view data, const std::string& path, bool sync) {
  SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file, env->NewWritableFile(path));
  Status status = file->Append(data);
  if (status.ok() && sync) status = file->Sync();
  if (status.ok()) status = file->Close();
  file.reset();
  // A partial file is worse than none: callers may mistake it for real data.
  if (!status.ok()) env->DeleteFile(path).IgnoreError();
  return status;
}

Status WriteFileAtomically(Env* env, std::string_view data, const std::string& path) {
  const std::string temp_path = path + ".tmp";
  SYSKIT_RETURN_IF_ERROR(WriteStringToFile(env, data, temp_path, /*sync=*/true));
  Status status = env->RenameFile(temp_path, path);
  if (!status.ok()) {
    env->DeleteFile(temp_path).IgnoreError();
    return status;
  }
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return env->SyncDir(parent.empty() ? std::string(".") : parent.string());
}

}  // namespace syskit
