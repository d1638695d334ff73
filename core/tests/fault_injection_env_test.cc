// Tests for FaultInjectionEnv (fault_injection_env.cc): exact fault placement
// and byte-exact power-loss simulation.

#include "syskit/core/fault_injection_env.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "syskit/core/check.h"
#include "syskit/testing/temp_dir.h"

namespace syskit {
namespace {

using Op = FaultInjectionEnv::Op;

using syskit::testing::TempDir;

std::string ReadOrDie(const std::string& path) {
  Result<std::string> contents = ReadFileToString(Env::Default(), path);
  SYSKIT_CHECK(contents.ok()) << contents.status();
  return *contents;
}

// Creates `path` through `env`, makes its directory entry durable and returns
// the open file.
std::unique_ptr<WritableFile> CreateDurable(FaultInjectionEnv* env, const std::string& dir,
                                            const std::string& path) {
  Result<std::unique_ptr<WritableFile>> file = env->NewWritableFile(path);
  SYSKIT_CHECK(file.ok()) << file.status();
  SYSKIT_CHECK(env->SyncDir(dir).ok());
  return std::move(file).value();
}

TEST(FaultInjectionEnv, FailNthWriteFailsOnlyThatWriteAndAppendsNothing) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("data");
  auto file = env.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("a").ok());  // write #1, before arming

  env.FailNth(Op::kWrite, 2);  // counted from now: write #3
  EXPECT_TRUE((*file)->Append("b").ok());
  Status failed = (*file)->Append("c");
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_EQ(failed.message(), "injected fault: write #3 on " + path);
  EXPECT_TRUE((*file)->Append("d").ok());
  EXPECT_TRUE((*file)->Append("e").ok());
  ASSERT_TRUE((*file)->Close().ok());

  EXPECT_EQ(ReadOrDie(path), "abde");
  EXPECT_EQ(env.count(Op::kWrite), 5u);
  EXPECT_EQ(env.count(Op::kSync), 0u);
}

TEST(FaultInjectionEnv, FailNthReadFailsOnlyThatRead) {
  TempDir dir;
  const std::string path = dir.File("digits");
  ASSERT_TRUE(WriteStringToFile(Env::Default(), "0123456789", path).ok());
  FaultInjectionEnv env(Env::Default());
  auto file = env.NewRandomAccessFile(path);
  ASSERT_TRUE(file.ok());

  env.FailNth(Op::kRead, 2);
  char buffer[4];
  Result<size_t> first = (*file)->ReadAt(0, std::span<char>(buffer, 4));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(std::string(buffer, *first), "0123");
  Result<size_t> second = (*file)->ReadAt(4, std::span<char>(buffer, 4));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kIOError);
  EXPECT_EQ(second.status().message(), "injected fault: read #2 on " + path);
  Result<size_t> third = (*file)->ReadAt(4, std::span<char>(buffer, 4));
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(std::string(buffer, *third), "4567");
  EXPECT_EQ(env.count(Op::kRead), 3u);
}

TEST(FaultInjectionEnv, MapFileCountsAsRead) {
  TempDir dir;
  const std::string path = dir.File("data");
  ASSERT_TRUE(WriteStringToFile(Env::Default(), "mapped", path).ok());
  FaultInjectionEnv env(Env::Default());
  env.FailNth(Op::kRead, 1);
  auto failed = env.MapFile(path);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "injected fault: read #1 on " + path);
  auto mapped = env.MapFile(path);
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ((*mapped)->data(), "mapped");
  EXPECT_EQ(env.count(Op::kRead), 2u);
}

TEST(FaultInjectionEnv, FailNthSyncFailsOnlyThatSync) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("data");
  std::unique_ptr<WritableFile> file = CreateDurable(&env, dir.path(), path);  // sync #1
  ASSERT_TRUE(file->Append("abc").ok());
  env.FailNth(Op::kSync, 2);
  EXPECT_TRUE(file->Sync().ok());  // sync #2
  Status failed = file->Sync();    // sync #3
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_EQ(failed.message(), "injected fault: sync #3 on " + path);
  EXPECT_TRUE(file->Sync().ok());
  EXPECT_TRUE(env.SyncDir(dir.path()).ok());
  EXPECT_EQ(env.count(Op::kSync), 5u);
}

TEST(FaultInjectionEnv, FailNthZeroDisarms) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  auto file = env.NewWritableFile(dir.File("data"));
  ASSERT_TRUE(file.ok());
  env.FailNth(Op::kWrite, 1);
  env.FailNth(Op::kWrite, 0);
  EXPECT_TRUE((*file)->Append("x").ok());
}

TEST(FaultInjectionEnv, SyncDirFailureIsInjectedWithDirectoryName) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  env.FailNth(Op::kSync, 1);
  Status failed = env.SyncDir(dir.path());
  EXPECT_EQ(failed.code(), StatusCode::kIOError);
  EXPECT_EQ(failed.message(), "injected fault: sync #1 on " + dir.path());
}

TEST(FaultInjectionEnv, FailAllFailsEveryOpOfThatKindUntilReset) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("data");
  auto file = env.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  env.FailAll(Op::kWrite);
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Status failed = (*file)->Append("x");
    EXPECT_EQ(failed.code(), StatusCode::kIOError);
    EXPECT_EQ(failed.message(),
              "injected fault: write #" + std::to_string(attempt) + " on " + path);
  }
  EXPECT_TRUE((*file)->Sync().ok());  // other kinds are unaffected
  env.Reset();
  EXPECT_EQ(env.count(Op::kWrite), 0u);
  EXPECT_EQ(env.count(Op::kSync), 0u);
  EXPECT_TRUE((*file)->Append("y").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(ReadOrDie(path), "y");
  EXPECT_EQ(env.count(Op::kWrite), 1u);
}

TEST(FaultInjectionEnv, DropUnsyncedDataTruncatesToLastSyncedLength) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("log");
  std::unique_ptr<WritableFile> file = CreateDurable(&env, dir.path(), path);
  ASSERT_TRUE(file->Append("abc").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("def").ok());
  ASSERT_TRUE(file->Close().ok());
  ASSERT_EQ(ReadOrDie(path), "abcdef");

  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(ReadOrDie(path), "abc");
}

TEST(FaultInjectionEnv, FailedSyncDoesNotAdvanceSyncedLength) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("log");
  std::unique_ptr<WritableFile> file = CreateDurable(&env, dir.path(), path);
  ASSERT_TRUE(file->Append("abc").ok());
  ASSERT_TRUE(file->Sync().ok());
  ASSERT_TRUE(file->Append("def").ok());
  env.FailNth(Op::kSync, 1);
  ASSERT_FALSE(file->Sync().ok());
  ASSERT_TRUE(file->Close().ok());

  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(ReadOrDie(path), "abc");
}

TEST(FaultInjectionEnv, DropUnsyncedDataEmptiesNeverSyncedFile) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("log");
  std::unique_ptr<WritableFile> file = CreateDurable(&env, dir.path(), path);
  ASSERT_TRUE(file->Append("lost").ok());
  ASSERT_TRUE(file->Close().ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(ReadOrDie(path), "");
}

TEST(FaultInjectionEnv, DropUnsyncedDataDeletesFileWhoseDirWasNeverSynced) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string durable_path = dir.File("durable");
  std::unique_ptr<WritableFile> durable = CreateDurable(&env, dir.path(), durable_path);
  ASSERT_TRUE(durable->Append("kept").ok());
  ASSERT_TRUE(durable->Sync().ok());
  ASSERT_TRUE(durable->Close().ok());

  // Created after the directory sync: its entry is not durable, even though
  // its data was synced.
  const std::string orphan_path = dir.File("orphan");
  auto orphan = env.NewWritableFile(orphan_path);
  ASSERT_TRUE(orphan.ok());
  ASSERT_TRUE((*orphan)->Append("synced but unreachable").ok());
  ASSERT_TRUE((*orphan)->Sync().ok());
  ASSERT_TRUE((*orphan)->Close().ok());

  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_FALSE(Env::Default()->FileExists(orphan_path));
  EXPECT_EQ(ReadOrDie(durable_path), "kept");
  EXPECT_EQ(Env::Default()->GetChildren(dir.path()).value(), std::vector<std::string>{"durable"});
}

TEST(FaultInjectionEnv, SyncDirWithTrailingSlashMakesEntriesDurable) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("data");
  auto file = env.NewWritableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("x").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.SyncDir(dir.path() + "/").ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(ReadOrDie(path), "x");
}

TEST(FaultInjectionEnv, PreexistingContentsSurviveUnsyncedAppends) {
  TempDir dir;
  const std::string path = dir.File("log");
  ASSERT_TRUE(WriteStringToFile(Env::Default(), "old", path, /*sync=*/true).ok());
  FaultInjectionEnv env(Env::Default());
  auto file = env.NewAppendableFile(path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("+1").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("+2").ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_EQ(ReadOrDie(path), "old+1+2");
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(ReadOrDie(path), "old+1");
}

TEST(FaultInjectionEnv, RenameMovesTrackedState) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string temp_path = dir.File("CURRENT.tmp");
  const std::string final_path = dir.File("CURRENT");
  auto file = env.NewWritableFile(temp_path);
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("synced").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("+unsynced").ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.RenameFile(temp_path, final_path).ok());
  ASSERT_TRUE(env.SyncDir(dir.path()).ok());

  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_FALSE(Env::Default()->FileExists(temp_path));
  EXPECT_EQ(ReadOrDie(final_path), "synced");
}

TEST(FaultInjectionEnv, RenameWithoutDirSyncIsLost) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string final_path = dir.File("CURRENT");
  auto file = env.NewWritableFile(dir.File("CURRENT.tmp"));
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("x").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  ASSERT_TRUE(env.RenameFile(dir.File("CURRENT.tmp"), final_path).ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_FALSE(Env::Default()->FileExists(final_path));
}

TEST(FaultInjectionEnv, DeleteFileForgetsTrackedState) {
  TempDir dir;
  FaultInjectionEnv env(Env::Default());
  const std::string path = dir.File("data");
  std::unique_ptr<WritableFile> file = CreateDurable(&env, dir.path(), path);
  ASSERT_TRUE(file->Append("abc").ok());
  ASSERT_TRUE(file->Close().ok());
  ASSERT_TRUE(env.DeleteFile(path).ok());
  // Recreated behind the Env's back: it is not the tracked file any more.
  ASSERT_TRUE(WriteStringToFile(Env::Default(), "outside", path).ok());
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  EXPECT_EQ(ReadOrDie(path), "outside");
}

}  // namespace
}  // namespace syskit
