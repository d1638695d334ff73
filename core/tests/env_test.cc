// Tests for the POSIX Env (env.cc) and the whole-file helpers in env.h.

#include "syskit/core/env.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "syskit/core/check.h"
#include "syskit/testing/temp_dir.h"

namespace syskit {
namespace {

using syskit::testing::TempDir;

void WriteOrDie(const std::string& path, std::string_view contents) {
  ASSERT_TRUE(WriteStringToFile(Env::Default(), contents, path).ok()) << path;
}

TEST(Env, WriteThenReadRoundTripsAcrossBufferSizes) {
  TempDir dir;
  const std::string path = dir.File("data");
  // Small appends, one bigger than the write buffer, then small again: the
  // bytes must come back in append order.
  std::string expected;
  Env* env = Env::Default();
  Result<std::unique_ptr<WritableFile>> file = env->NewWritableFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  for (int round = 0; round < 3; ++round) {
    std::string small(1000 + round, static_cast<char>('a' + round));
    std::string large(200 * 1024, static_cast<char>('A' + round));
    for (const std::string* piece : {&small, &large, &small}) {
      ASSERT_TRUE((*file)->Append(*piece).ok());
      expected += *piece;
    }
  }
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());

  Result<std::string> contents = ReadFileToString(env, path);
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_EQ(*contents, expected);
  Result<uint64_t> size = env->GetFileSize(path);
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, expected.size());
}

TEST(Env, FlushMakesBufferedBytesVisibleToReaders) {
  TempDir dir;
  const std::string path = dir.File("data");
  Env* env = Env::Default();
  auto file = env->NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("hello").ok());
  ASSERT_TRUE((*file)->Flush().ok());
  EXPECT_EQ(ReadFileToString(env, path).value(), "hello");
}

TEST(Env, OperationsAfterCloseFail) {
  TempDir dir;
  auto file = Env::Default()->NewWritableFile(dir.File("data"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ((*file)->Append("x").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*file)->Sync().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ((*file)->Close().code(), StatusCode::kFailedPrecondition);
}

TEST(Env, NewAppendableFileKeepsExistingContents) {
  TempDir dir;
  const std::string path = dir.File("log");
  WriteOrDie(path, "abc");
  Env* env = Env::Default();
  auto file = env->NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("def").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(ReadFileToString(env, path).value(), "abcdef");
}

TEST(Env, NewWritableFileTruncates) {
  TempDir dir;
  const std::string path = dir.File("data");
  WriteOrDie(path, "long old contents");
  WriteOrDie(path, "new");
  EXPECT_EQ(ReadFileToString(Env::Default(), path).value(), "new");
}

TEST(Env, ReadAtHandlesOffsetsShortReadsAndEndOfFile) {
  TempDir dir;
  const std::string path = dir.File("digits");
  WriteOrDie(path, "0123456789");
  auto file = Env::Default()->NewRandomAccessFile(path);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ((*file)->Size().value(), 10u);
  EXPECT_EQ((*file)->path(), path);

  char buffer[8];
  Result<size_t> n = (*file)->ReadAt(2, std::span<char>(buffer, 3));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer, *n), "234");

  n = (*file)->ReadAt(7, std::span<char>(buffer, 8));  // short read at the end
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buffer, *n), "789");

  n = (*file)->ReadAt(10, std::span<char>(buffer, 4));  // exactly at end of file
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);

  n = (*file)->ReadAt(1000, std::span<char>(buffer, 4));  // past end of file
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);
}

TEST(Env, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  const std::string path = dir.File("missing");
  Env* env = Env::Default();
  const std::string expected_message = path + ": No such file or directory";

  auto file = env->NewRandomAccessFile(path);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(file.status().message(), expected_message);

  auto mapped = env->MapFile(path);
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(mapped.status().message(), expected_message);

  EXPECT_EQ(env->GetFileSize(path).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(env->DeleteFile(path).code(), StatusCode::kNotFound);
  EXPECT_FALSE(env->FileExists(path));
  EXPECT_EQ(ReadFileToString(env, path).status().code(), StatusCode::kNotFound);
}

TEST(Env, DirectoryIsInvalidArgumentForReadAndMap) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string expected_message = dir.path() + ": is a directory";

  auto file = env->NewRandomAccessFile(dir.path());
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(file.status().message(), expected_message);

  auto mapped = env->MapFile(dir.path());
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(mapped.status().message(), expected_message);
}

TEST(Env, NonRegularFileIsInvalidArgument) {
  auto file = Env::Default()->NewRandomAccessFile("/dev/null");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(file.status().message(), "/dev/null: not a regular file");
}

TEST(Env, MapFileOfEmptyFileIsEmpty) {
  TempDir dir;
  const std::string path = dir.File("empty");
  WriteOrDie(path, "");
  auto mapped = Env::Default()->MapFile(path);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_TRUE((*mapped)->data().empty());
  EXPECT_EQ((*mapped)->path(), path);
}

TEST(Env, MapFileSeesWholeContents) {
  TempDir dir;
  const std::string path = dir.File("data");
  std::string contents(100000, '\0');
  for (size_t pos = 0; pos < contents.size(); ++pos) contents[pos] = static_cast<char>(pos * 7);
  WriteOrDie(path, contents);
  auto mapped = Env::Default()->MapFile(path);
  ASSERT_TRUE(mapped.ok()) << mapped.status();
  EXPECT_EQ((*mapped)->data(), contents);
}

TEST(Env, GetChildrenIsSortedWithoutDotEntries) {
  TempDir dir;
  Env* env = Env::Default();
  for (const char* name : {"b", "c", "a"}) WriteOrDie(dir.File(name), name);
  ASSERT_TRUE(env->CreateDir(dir.File("d")).ok());
  Result<std::vector<std::string>> children = env->GetChildren(dir.path());
  ASSERT_TRUE(children.ok()) << children.status();
  EXPECT_EQ(*children, (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(env->GetChildren(dir.File("nope")).status().code(), StatusCode::kNotFound);
}

TEST(Env, RenameFileReplacesTarget) {
  TempDir dir;
  Env* env = Env::Default();
  WriteOrDie(dir.File("source"), "new");
  WriteOrDie(dir.File("target"), "old");
  ASSERT_TRUE(env->RenameFile(dir.File("source"), dir.File("target")).ok());
  EXPECT_FALSE(env->FileExists(dir.File("source")));
  EXPECT_EQ(ReadFileToString(env, dir.File("target")).value(), "new");
  EXPECT_EQ(env->RenameFile(dir.File("source"), dir.File("x")).code(), StatusCode::kNotFound);
}

TEST(Env, WriteFileAtomicallyReplacesAndLeavesNoTempFile) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("CURRENT");
  WriteOrDie(path, "old");
  ASSERT_TRUE(WriteFileAtomically(env, "new contents", path).ok());
  EXPECT_EQ(ReadFileToString(env, path).value(), "new contents");
  EXPECT_EQ(env->GetChildren(dir.path()).value(), std::vector<std::string>{"CURRENT"});
}

TEST(Env, CreateDirMakesParentsAndAcceptsExisting) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string nested = dir.File("a/b/c");
  ASSERT_TRUE(env->CreateDir(nested).ok());
  EXPECT_TRUE(std::filesystem::is_directory(nested));
  EXPECT_TRUE(env->CreateDir(nested).ok());
  EXPECT_TRUE(env->SyncDir(nested).ok());
  ASSERT_TRUE(env->DeleteDir(nested).ok());
  EXPECT_FALSE(env->FileExists(nested));
  EXPECT_EQ(env->SyncDir(nested).code(), StatusCode::kNotFound);
}

TEST(Env, CreateDirOverFileFails) {
  TempDir dir;
  WriteOrDie(dir.File("file"), "x");
  EXPECT_FALSE(Env::Default()->CreateDir(dir.File("file")).ok());
}

TEST(Env, LockFileTwiceFailsUntilReleased) {
  TempDir dir;
  Env* env = Env::Default();
  const std::string path = dir.File("LOCK");
  Result<std::unique_ptr<FileLock>> first = env->LockFile(path);
  ASSERT_TRUE(first.ok()) << first.status();

  Result<std::unique_ptr<FileLock>> second = env->LockFile(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  // Another spelling of the same path is the same lock.
  EXPECT_FALSE(env->LockFile(dir.path() + "/./LOCK").ok());

  first->reset();
  Result<std::unique_ptr<FileLock>> third = env->LockFile(path);
  EXPECT_TRUE(third.ok()) << third.status();
}

// The in-process set must not stand in for the real fcntl lock: a child
// process (which has no Env state of ours) must see the file locked.
TEST(Env, LockFileExcludesOtherProcesses) {
  TempDir dir;
  const std::string path = dir.File("LOCK");
  auto lock = Env::Default()->LockFile(path);
  ASSERT_TRUE(lock.ok()) << lock.status();
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    struct flock request = {};
    request.l_type = F_WRLCK;
    request.l_whence = SEEK_SET;
    const bool locked_out =
        fd >= 0 && ::fcntl(fd, F_SETLK, &request) != 0 && (errno == EAGAIN || errno == EACCES);
    ::_exit(locked_out ? 0 : 1);
  }
  int wait_status = 0;
  ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  EXPECT_EQ(WEXITSTATUS(wait_status), 0) << "child process could take the lock";
}

TEST(Env, SleepForMicrosSleepsAtLeastTheTimeAsked) {
  Env* env = Env::Default();
  const uint64_t start = env->NowNanos();
  env->SleepForMicros(20000);
  const uint64_t elapsed = env->NowNanos() - start;
  EXPECT_GE(elapsed, 20000u * 1000u);
}

TEST(Env, WriteStringToFileWithSyncWritesContents) {
  TempDir dir;
  Env* env = Env::Default();
  ASSERT_TRUE(WriteStringToFile(env, "synced", dir.File("f"), /*sync=*/true).ok());
  EXPECT_EQ(ReadFileToString(env, dir.File("f")).value(), "synced");
  EXPECT_EQ(WriteStringToFile(env, "x", dir.File("no/such/dir/f")).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace syskit
