// Durability: WAL torn tails, simulated power loss, injected I/O failures,
// bit flips in table files, and kill -9 during a write load.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "kill_nine.h"
#include "syskit/core/fault_injection_env.h"
#include "syskit/core/random.h"
#include "syskit/kv/db.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::kv {
namespace {

std::string KeyOf(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06llu", static_cast<unsigned long long>(n));
  return buf;
}

std::vector<std::string> FilesWithSuffix(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().string().ends_with(suffix)) out.push_back(entry.path().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(Recovery, WalReplayIgnoresTornTailOnly) {
  testing::TempDir dir;
  {
    auto db = std::move(DB::Open(Options(), dir.path())).value();
    for (int n = 0; n < 10; ++n)
      ASSERT_TRUE(db->Put({}, KeyOf(n), "value" + std::to_string(n)).ok());
  }
  // Cut the last record in half: the first nine survive, the tenth is torn.
  const auto logs = FilesWithSuffix(dir.path(), ".log");
  ASSERT_EQ(logs.size(), 1u);
  const auto size = std::filesystem::file_size(logs[0]);
  std::filesystem::resize_file(logs[0], size - 4);
  {
    auto db = std::move(DB::Open(Options(), dir.path())).value();
    std::string value;
    for (int n = 0; n < 9; ++n) {
      ASSERT_TRUE(db->Get({}, KeyOf(n), &value).ok()) << n;
      EXPECT_EQ(value, "value" + std::to_string(n));
    }
    EXPECT_EQ(db->Get({}, KeyOf(9), &value).code(), StatusCode::kNotFound);
    std::string stats;
    ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
    EXPECT_NE(stats.find("recovered_torn_tail=1"), std::string::npos) << stats;
  }
}

TEST(Recovery, CorruptRecordBeforeTheTailIsCorruption) {
  testing::TempDir dir;
  {
    auto db = std::move(DB::Open(Options(), dir.path())).value();
    for (int n = 0; n < 10; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), "value").ok());
  }
  const auto logs = FilesWithSuffix(dir.path(), ".log");
  ASSERT_EQ(logs.size(), 1u);
  {
    std::fstream f(logs[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);  // inside the first record's payload
    f.put('\x7f');
  }
  auto db = DB::Open(Options(), dir.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption);
  EXPECT_NE(db.status().message().find(".log"), std::string::npos) << db.status();
}

TEST(Recovery, SyncedWritesSurvivePowerLoss) {
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  options.write_buffer_size = 16 << 10;
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    WriteOptions sync;
    sync.sync = true;
    for (int n = 0; n < 300; ++n) {
      ASSERT_TRUE(db->Put(sync, KeyOf(n), std::string(100, 'a' + n % 26)).ok());
    }
    // Unsynced writes after the last synced one may be lost.
    for (int n = 300; n < 350; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), "unsynced").ok());
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  auto db = std::move(DB::Open(options, dir.path())).value();
  std::string value;
  for (int n = 0; n < 300; ++n) {
    ASSERT_TRUE(db->Get({}, KeyOf(n), &value).ok()) << n;
    ASSERT_EQ(value, std::string(100, 'a' + n % 26));
  }
  for (int n = 300; n < 350; ++n) {
    Status s = db->Get({}, KeyOf(n), &value);
    ASSERT_TRUE(s.ok() ? value == "unsynced" : s.code() == StatusCode::kNotFound);
  }
}

// A small manifest limit makes the background thread roll over to new
// manifests many times during flushes and compactions; the old ones are
// deleted, and after a power loss every synced write is still there.
TEST(Recovery, ManifestRolloverKeepsEverySyncedWrite) {
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  options.write_buffer_size = 16 << 10;
  options.target_file_size = 16 << 10;
  options.max_bytes_for_level_base = 64 << 10;
  options.max_manifest_file_size = 512;
  WriteOptions sync;
  sync.sync = true;
  const auto value_of = [](int n) { return std::to_string(n) + std::string(90, 'v'); };
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    for (int n = 0; n < 4000; ++n) ASSERT_TRUE(db->Put(sync, KeyOf(n % 1500), value_of(n)).ok());
    ASSERT_TRUE(db->Flush().ok());
    std::string stats;
    ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
    const size_t at = stats.find("manifest_rollovers=");
    ASSERT_NE(at, std::string::npos);
    EXPECT_GT(std::stoull(stats.substr(at + 19)), 3u) << stats;
  }
  // Closed (background work finished): only the current manifest is left.
  size_t manifests = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    manifests += entry.path().filename().string().starts_with("MANIFEST-");
  }
  EXPECT_EQ(manifests, 1u);
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    for (int n = 4000; n < 4600; ++n) ASSERT_TRUE(db->Put(sync, KeyOf(n % 1500), value_of(n)).ok());
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  auto db = std::move(DB::Open(options, dir.path())).value();
  for (int k = 0; k < 1500; ++k) {
    int last = k;
    while (last + 1500 < 4600) last += 1500;
    std::string value;
    ASSERT_TRUE(db->Get({}, KeyOf(k), &value).ok()) << k;
    ASSERT_EQ(value, value_of(last)) << k;
  }
}

// Creating a new manifest fails (disk full, say): the old manifest is still
// current and complete, so the DB keeps working and tries again later.
TEST(Recovery, FailedManifestRolloverIsNotFatal) {
  class NoNewManifests final : public EnvWrapper {
   public:
    using EnvWrapper::EnvWrapper;
    Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path) override {
      if (refuse && path.find("/MANIFEST-") != std::string::npos) {
        return IOError(path + ": injected: no space left on device");
      }
      return EnvWrapper::NewWritableFile(path);
    }
    std::atomic<bool> refuse{false};
  };
  testing::TempDir dir;
  NoNewManifests env(Env::Default());
  Options options;
  options.env = &env;
  options.write_buffer_size = 16 << 10;
  options.max_manifest_file_size = 512;
  std::map<std::string, std::string> model;
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    env.refuse = true;
    for (int n = 0; n < 3000; ++n) {
      ASSERT_TRUE(db->Put({}, KeyOf(n % 1000), std::to_string(n)).ok()) << n;
      model[KeyOf(n % 1000)] = std::to_string(n);
    }
    ASSERT_TRUE(db->Flush().ok());
    std::string stats;
    ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
    EXPECT_NE(stats.find("bg_error=OK"), std::string::npos) << stats;
    EXPECT_EQ(stats.find("manifest_rollover_failures=0\n"), std::string::npos) << stats;
    EXPECT_NE(stats.find(" manifest_rollovers=0 "), std::string::npos) << stats;
    env.refuse = false;
  }
  auto db = std::move(DB::Open(options, dir.path())).value();
  for (const auto& [key, value] : model) {
    std::string got;
    ASSERT_TRUE(db->Get({}, key, &got).ok()) << key;
    ASSERT_EQ(got, value);
  }
}

TEST(Recovery, SyncedWriteMakesEveryEarlierWriteDurable) {
  // Unsynced writes spanning several WALs (memtable switches), then one
  // synced write: after a power loss every earlier write is there too.
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  options.write_buffer_size = 16 << 10;
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    for (int n = 0; n < 500; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), std::string(200, 'u')).ok());
    WriteOptions sync;
    sync.sync = true;
    ASSERT_TRUE(db->Put(sync, "last", "synced").ok());
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  auto db = std::move(DB::Open(options, dir.path())).value();
  std::string value;
  ASSERT_TRUE(db->Get({}, "last", &value).ok());
  for (int n = 0; n < 500; ++n) ASSERT_TRUE(db->Get({}, KeyOf(n), &value).ok()) << n;
}

TEST(Recovery, UnsyncedWritesCanBeLostButNothingElse) {
  // Without sync the WAL is not durable; what survives must be a prefix.
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    for (int n = 0; n < 100; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), "v").ok());
    ASSERT_TRUE(db->Flush().ok());  // flushed data is durable
    for (int n = 100; n < 200; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), "v").ok());
  }
  ASSERT_TRUE(env.DropUnsyncedData().ok());
  auto db = std::move(DB::Open(options, dir.path())).value();
  std::string value;
  for (int n = 0; n < 100; ++n) ASSERT_TRUE(db->Get({}, KeyOf(n), &value).ok()) << n;
}

TEST(Recovery, FailedWalSyncReturnsErrorAndMakesDbReadOnly) {
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  auto db = std::move(DB::Open(options, dir.path())).value();
  WriteOptions sync;
  sync.sync = true;
  ASSERT_TRUE(db->Put(sync, "before", "1").ok());
  env.FailNth(FaultInjectionEnv::Op::kSync, 1);
  Status s = db->Put(sync, "failed", "2");
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s;
  EXPECT_NE(s.message().find("injected fault"), std::string::npos);
  // Read-only error state: writes fail, reads work.
  s = db->Put({}, "after", "3");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s;
  std::string value;
  ASSERT_TRUE(db->Get({}, "before", &value).ok());
  EXPECT_EQ(db->Get({}, "failed", &value).code(), StatusCode::kNotFound);
}

TEST(Recovery, FailedWalWriteReturnsError) {
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  auto db = std::move(DB::Open(options, dir.path())).value();
  env.FailNth(FaultInjectionEnv::Op::kWrite, 1);
  EXPECT_EQ(db->Put({}, "k", "v").code(), StatusCode::kIOError);
  EXPECT_EQ(db->Put({}, "k2", "v").code(), StatusCode::kFailedPrecondition);
  std::string value;
  EXPECT_EQ(db->Get({}, "k", &value).code(), StatusCode::kNotFound);
}

TEST(Recovery, FailedTableSyncDuringFlushIsReported) {
  testing::TempDir dir;
  FaultInjectionEnv env(Env::Default());
  Options options;
  options.env = &env;
  auto db = std::move(DB::Open(options, dir.path())).value();
  ASSERT_TRUE(db->Put({}, "k", "v").ok());
  env.FailAll(FaultInjectionEnv::Op::kSync);
  Status s = db->Flush();
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(db->Put({}, "k2", "v").ok());
  env.Reset();
  std::string value;
  ASSERT_TRUE(db->Get({}, "k", &value).ok());  // still served from the memtable
  db.reset();
  auto reopened = std::move(DB::Open(options, dir.path())).value();
  ASSERT_TRUE(reopened->Get({}, "k", &value).ok());
  EXPECT_EQ(value, "v");
}

TEST(Recovery, BitFlipInTableIsCorruptionNamingTheFile) {
  testing::TempDir dir;
  Options options;
  options.block_cache_bytes = 0;
  {
    auto db = std::move(DB::Open(options, dir.path())).value();
    for (int n = 0; n < 2000; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), std::string(100, 'v')).ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  const auto tables = FilesWithSuffix(dir.path(), ".sst");
  ASSERT_EQ(tables.size(), 1u);
  {
    std::fstream f(tables[0], std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    char c = 0;
    f.get(c);
    f.seekp(100);
    f.put(static_cast<char>(c ^ 0x10));
  }
  auto db = std::move(DB::Open(options, dir.path())).value();
  std::string value;
  Status s = db->Get({}, KeyOf(0), &value);  // key 0 lives in the first block
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s;
  EXPECT_NE(s.message().find(std::filesystem::path(tables[0]).filename().string()),
            std::string::npos)
      << s;
  // Keys in other blocks still read correctly; no read returns wrong data.
  int corrupt = 0;
  for (int n = 0; n < 2000; ++n) {
    Status r = db->Get({}, KeyOf(n), &value);
    if (r.ok()) {
      ASSERT_EQ(value, std::string(100, 'v'));
    } else {
      ASSERT_EQ(r.code(), StatusCode::kCorruption);
      ++corrupt;
    }
  }
  EXPECT_GT(corrupt, 0);
  EXPECT_LT(corrupt, 100);
  auto it = db->NewIterator({});
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_EQ(it->status().code(), StatusCode::kCorruption);
}

// kill_nine.h: the child writes key i % 2000 and is killed at random points.
TEST(Recovery, KillNineKeepsEveryAcknowledgedWrite) {
  testing_support::KillNineRound round;
  round.child_options.write_buffer_size = 64 << 10;
  round.child_options.target_file_size = 64 << 10;
  round.child_options.max_bytes_for_level_base = 256 << 10;
  round.keys = 2000;
  round.max_acks = 6000;
  round.key_of = KeyOf;
  testing::TempDir dir;
  std::map<std::string, uint64_t> acked;
  testing_support::RunKillNineRounds(dir.path(), 1000, round, &acked);
  if (HasFatalFailure()) return;
  EXPECT_GT(acked.size(), 100u);
}

}  // namespace
}  // namespace syskit::kv
