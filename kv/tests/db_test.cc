// Model-based tests of kv::DB against std::map, plus bad inputs.
#include "syskit/kv/db.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "syskit/core/random.h"
#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::kv {
namespace {

using Model = std::map<std::string, std::string>;

Options SmallOptions() {
  Options options;
  options.write_buffer_size = 32 << 10;  // many flushes
  options.block_size = 512;
  options.target_file_size = 16 << 10;
  options.max_bytes_for_level_base = 64 << 10;
  options.block_cache_bytes = 64 << 10;
  return options;
}

std::string KeyOf(uint64_t n) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "key%06llu", static_cast<unsigned long long>(n));
  return buf;
}

// Compares a full scan and point reads against the model.
void ExpectEquals(DB* db, const Model& model, const ReadOptions& read = {}) {
  auto it = db->NewIterator(read);
  auto expected = model.begin();
  size_t count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected, ++count) {
    ASSERT_NE(expected, model.end()) << "extra key " << it->key();
    ASSERT_EQ(it->key(), expected->first);
    ASSERT_EQ(it->value(), expected->second);
  }
  ASSERT_TRUE(it->status().ok()) << it->status();
  ASSERT_EQ(count, model.size());
}

TEST(Db, RandomOpsMatchStdMapAcrossFlushCompactionAndReopen) {
  testing::TempDir dir;
  Options options = SmallOptions();
  auto db_or = DB::Open(options, dir.path());
  ASSERT_TRUE(db_or.ok()) << db_or.status();
  std::unique_ptr<DB> db = std::move(db_or).value();
  Model model;
  Random rng(42);
  struct Snap {
    const Snapshot* snapshot;
    Model model;
  };
  std::vector<Snap> snaps;
  constexpr int kKeys = 600;
  for (int step = 0; step < 12000; ++step) {
    const uint64_t op = rng.Uniform(1000);
    const std::string key = KeyOf(rng.Uniform(kKeys));
    if (op < 550) {
      const std::string value = "v" + std::to_string(step) + std::string(rng.Uniform(200), 'x');
      ASSERT_TRUE(db->Put({}, key, value).ok());
      model[key] = value;
    } else if (op < 750) {
      ASSERT_TRUE(db->Delete({}, key).ok());
      model.erase(key);
    } else if (op < 850) {
      WriteBatch batch;
      for (int n = 0; n < 5; ++n) {
        const std::string k = KeyOf(rng.Uniform(kKeys));
        if (rng.Uniform(3) == 0) {
          batch.Delete(k);
          model.erase(k);
        } else {
          batch.Put(k, "b" + std::to_string(step));
          model[k] = "b" + std::to_string(step);
        }
      }
      ASSERT_TRUE(db->Write({}, &batch).ok());
    } else if (op < 950) {
      std::string value;
      Status s = db->Get({}, key, &value);
      auto found = model.find(key);
      if (found == model.end()) {
        ASSERT_EQ(s.code(), StatusCode::kNotFound) << key;
      } else {
        ASSERT_TRUE(s.ok()) << s;
        ASSERT_EQ(value, found->second);
      }
    } else if (op < 965) {
      // Seek to a random key and walk a few entries.
      auto it = db->NewIterator({});
      it->Seek(key);
      auto expected = model.lower_bound(key);
      for (int n = 0; n < 10 && expected != model.end(); ++n, ++expected, it->Next()) {
        ASSERT_TRUE(it->Valid());
        ASSERT_EQ(it->key(), expected->first);
        ASSERT_EQ(it->value(), expected->second);
      }
      if (expected == model.end()) {
        ASSERT_FALSE(it->Valid());
      }
    } else if (op < 975) {
      if (snaps.size() < 4) {
        snaps.push_back({db->GetSnapshot(), model});
      } else {
        const size_t victim = rng.Uniform(snaps.size());
        ReadOptions read;
        read.snapshot = snaps[victim].snapshot;
        ExpectEquals(db.get(), snaps[victim].model, read);
        db->ReleaseSnapshot(snaps[victim].snapshot);
        snaps.erase(snaps.begin() + victim);
      }
    } else if (op < 985) {
      ASSERT_TRUE(db->Flush().ok());
    } else if (op < 990) {
      ASSERT_TRUE(db->CompactRange("", "").ok());
    } else if (op < 993) {
      for (Snap& snap : snaps) db->ReleaseSnapshot(snap.snapshot);
      snaps.clear();
      db.reset();
      auto reopened = DB::Open(options, dir.path());
      ASSERT_TRUE(reopened.ok()) << reopened.status();
      db = std::move(reopened).value();
      ExpectEquals(db.get(), model);
    }
  }
  for (Snap& snap : snaps) {
    ReadOptions read;
    read.snapshot = snap.snapshot;
    ExpectEquals(db.get(), snap.model, read);
    db->ReleaseSnapshot(snap.snapshot);
  }
  ExpectEquals(db.get(), model);
  std::string stats;
  ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
  std::printf("%s", stats.c_str());
}

// Walks `it` with random moves in both directions (Seek, SeekForPrev,
// SeekToFirst, SeekToLast, Next, Prev) and checks each position against the
// same moves on `model`.
void RandomWalkMatchesModel(Iterator* it, const Model& model, Random& rng, int kKeys, int moves) {
  auto expected = model.end();  // end() = invalid
  for (int move = 0; move < moves; ++move) {
    const uint64_t pick = rng.Uniform(100);
    const std::string target = KeyOf(rng.Uniform(kKeys + 10));
    std::string what;
    if (pick < 5) {
      what = "SeekToFirst";
      it->SeekToFirst();
      expected = model.begin();
    } else if (pick < 10) {
      what = "SeekToLast";
      it->SeekToLast();
      expected = model.empty() ? model.end() : std::prev(model.end());
    } else if (pick < 20) {
      what = "Seek " + target;
      it->Seek(target);
      expected = model.lower_bound(target);
    } else if (pick < 30) {
      what = "SeekForPrev " + target;
      it->SeekForPrev(target);
      auto after = model.upper_bound(target);
      expected = after == model.begin() ? model.end() : std::prev(after);
    } else if (expected == model.end()) {
      continue;  // Next/Prev need a valid position
    } else if (pick < 65) {
      what = "Next";
      it->Next();
      ++expected;
    } else {
      what = "Prev";
      it->Prev();
      expected = expected == model.begin() ? model.end() : std::prev(expected);
    }
    ASSERT_TRUE(it->status().ok()) << it->status();
    if (expected == model.end()) {
      ASSERT_FALSE(it->Valid()) << "after " << what << " at " << it->key();
    } else {
      ASSERT_TRUE(it->Valid()) << "after " << what << ", expected " << expected->first;
      ASSERT_EQ(it->key(), expected->first) << "after " << what;
      ASSERT_EQ(it->value(), expected->second) << "after " << what;
    }
  }
}

TEST(Db, ReverseIterationMatchesStdMap) {
  testing::TempDir dir;
  Options options = SmallOptions();
  auto db_or = DB::Open(options, dir.path());
  ASSERT_TRUE(db_or.ok()) << db_or.status();
  std::unique_ptr<DB> db = std::move(db_or).value();
  Model model;
  Random rng(7);
  constexpr int kKeys = 400;
  const Snapshot* snap = nullptr;
  Model snap_model;
  for (int round = 0; round < 24; ++round) {
    // A burst of puts and deletes (several versions per key, tombstones),
    // then sometimes a flush or compaction, so the walk crosses memtable,
    // level-0 files and deeper levels.
    for (int n = 0; n < 120; ++n) {
      const std::string key = KeyOf(rng.Uniform(kKeys));
      if (rng.Uniform(3) == 0) {
        ASSERT_TRUE(db->Delete({}, key).ok());
        model.erase(key);
      } else {
        const std::string value = "r" + std::to_string(round) + "." + std::to_string(n) +
                                  std::string(rng.Uniform(80), 'y');
        ASSERT_TRUE(db->Put({}, key, value).ok());
        model[key] = value;
      }
    }
    if (round == 10) {
      snap = db->GetSnapshot();
      snap_model = model;
    }
    if (round % 4 == 1) {
      ASSERT_TRUE(db->Flush().ok());
    }
    if (round % 9 == 5) {
      ASSERT_TRUE(db->CompactRange("", "").ok());
    }
    auto it = db->NewIterator({});
    RandomWalkMatchesModel(it.get(), model, rng, kKeys, 200);
    if (HasFatalFailure()) return;
    if (round % 3 != 0) continue;
    // A full backward scan equals the model reversed.
    auto expected = model.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++expected) {
      ASSERT_NE(expected, model.rend()) << "extra key " << it->key();
      ASSERT_EQ(it->key(), expected->first);
      ASSERT_EQ(it->value(), expected->second);
    }
    ASSERT_EQ(expected, model.rend());
    if (snap != nullptr) {
      ReadOptions read;
      read.snapshot = snap;
      auto old = db->NewIterator(read);
      RandomWalkMatchesModel(old.get(), snap_model, rng, kKeys, 60);
      if (HasFatalFailure()) return;
    }
  }
  db->ReleaseSnapshot(snap);
  // An empty database: every positioning move leaves the iterator invalid.
  testing::TempDir empty_dir;
  auto empty = DB::Open(options, empty_dir.path());
  ASSERT_TRUE(empty.ok()) << empty.status();
  auto it = (*empty)->NewIterator({});
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("zzz");
  EXPECT_FALSE(it->Valid());
}

TEST(Db, SnapshotKeepsOldValuesThroughCompaction) {
  testing::TempDir dir;
  auto db = std::move(DB::Open(SmallOptions(), dir.path())).value();
  ASSERT_TRUE(db->Put({}, "a", "1").ok());
  const Snapshot* snap = db->GetSnapshot();
  ASSERT_TRUE(db->Put({}, "a", "2").ok());
  ASSERT_TRUE(db->Delete({}, "a").ok());
  ASSERT_TRUE(db->CompactRange("", "").ok());
  std::string value;
  ReadOptions read;
  read.snapshot = snap;
  ASSERT_TRUE(db->Get(read, "a", &value).ok());
  EXPECT_EQ(value, "1");
  EXPECT_EQ(db->Get({}, "a", &value).code(), StatusCode::kNotFound);
  db->ReleaseSnapshot(snap);
  ASSERT_TRUE(db->CompactRange("", "").ok());
  EXPECT_EQ(db->Get({}, "a", &value).code(), StatusCode::kNotFound);
}

TEST(Db, ManyKeysReachDeeperLevelsAndStayReadable) {
  testing::TempDir dir;
  auto db = std::move(DB::Open(SmallOptions(), dir.path())).value();
  Model model;
  Random rng(7);
  for (int n = 0; n < 20000; ++n) {
    const std::string key = KeyOf(rng.Uniform(50000));
    const std::string value = std::string(50, 'a' + n % 26) + std::to_string(n);
    ASSERT_TRUE(db->Put({}, key, value).ok());
    model[key] = value;
  }
  ASSERT_TRUE(db->Flush().ok());
  std::string level1;
  ASSERT_TRUE(db->GetProperty("kv.num-files-at-level1", &level1));
  EXPECT_GT(std::stoi(level1), 0);
  std::string stats;
  ASSERT_TRUE(db->GetProperty("kv.stats", &stats));
  EXPECT_EQ(stats.find("compactions=0 "), std::string::npos) << stats;
  ExpectEquals(db.get(), model);
  for (const auto& [key, value] : model) {
    std::string got;
    ASSERT_TRUE(db->Get({}, key, &got).ok()) << key;
    ASSERT_EQ(got, value);
  }
  std::string got;
  EXPECT_EQ(db->Get({}, "key999999", &got).code(), StatusCode::kNotFound);
}

uint64_t StatOf(DB* db, const std::string& name) {
  std::string stats;
  EXPECT_TRUE(db->GetProperty("kv.stats", &stats));
  const size_t at = stats.find(" " + name + "=");
  EXPECT_NE(at, std::string::npos) << name;
  return std::stoull(stats.substr(at + name.size() + 2));
}

// The block cache holds at most its capacity, keeps a hot working set
// resident (LRU) while a cold stream passes through, and counts hits and
// misses exactly: the first read of each block misses, repeats hit.
TEST(Db, BlockCacheIsBoundedAndKeepsTheHotSet) {
  testing::TempDir dir;
  Options options = SmallOptions();
  options.block_size = 1024;
  options.block_cache_bytes = 512 << 10;
  options.bloom_bits_per_key = 0;  // every lookup of a present key reads its block
  auto db = std::move(DB::Open(options, dir.path())).value();
  for (int n = 0; n < 20000; ++n) {
    ASSERT_TRUE(db->Put({}, KeyOf(n), std::string(100, 'a' + n % 26)).ok());
  }
  ASSERT_TRUE(db->CompactRange("", "").ok());
  std::string usage;
  std::string got;
  // Cold pass over all ~2.4 MB: the cache fills to its bound, never beyond.
  for (int n = 0; n < 20000; ++n) ASSERT_TRUE(db->Get({}, KeyOf(n), &got).ok());
  ASSERT_TRUE(db->GetProperty("kv.block-cache-usage", &usage));
  EXPECT_LE(std::stoull(usage), options.block_cache_bytes);
  EXPECT_GT(std::stoull(usage), options.block_cache_bytes / 2);
  // Hot set: keys 0..899 (about 100 blocks, ~100 KB). Warm it, then
  // interleave it with a cold stream far larger than the cache.
  for (int n = 0; n < 900; ++n) ASSERT_TRUE(db->Get({}, KeyOf(n), &got).ok());
  const uint64_t hits0 = StatOf(db.get(), "block_cache_hits");
  const uint64_t misses0 = StatOf(db.get(), "block_cache_misses");
  int cold = 900;
  for (int round = 0; round < 20; ++round) {
    for (int n = 0; n < 900; ++n) ASSERT_TRUE(db->Get({}, KeyOf(n), &got).ok());
    // ~100 KB of cold blocks per round: hot + cold stay under 512 KiB, but
    // twenty rounds stream ~2 MB of cold blocks through.
    for (int i = 0; i < 900; ++i, ++cold) ASSERT_TRUE(db->Get({}, KeyOf(cold), &got).ok());
  }
  const uint64_t hits = StatOf(db.get(), "block_cache_hits") - hits0;
  const uint64_t misses = StatOf(db.get(), "block_cache_misses") - misses0;
  EXPECT_EQ(hits + misses, 36000u);
  // Every hot read hits; cold blocks (9 keys each) miss on their first read
  // only: about 2000 misses. Without LRU promotion the cold stream evicts
  // the hot blocks and they miss again.
  EXPECT_LE(misses, 18000u / 8) << "hits=" << hits;
  // After all that streaming, the hot set is still entirely resident.
  for (int n = 0; n < 900; ++n) ASSERT_TRUE(db->Get({}, KeyOf(n), &got).ok());
  EXPECT_EQ(StatOf(db.get(), "block_cache_misses"), misses0 + misses);
  ASSERT_TRUE(db->GetProperty("kv.block-cache-usage", &usage));
  EXPECT_LE(std::stoull(usage), options.block_cache_bytes);
}

// Writers (group commit), readers and iterators race with flushes and
// compactions; every reader sees only values some writer wrote for that key,
// and the final state equals the last write per key. Run under TSan too.
TEST(Db, ConcurrentWritersReadersAndCompaction) {
  testing::TempDir dir;
  auto db = std::move(DB::Open(SmallOptions(), dir.path())).value();
  constexpr int kWriters = 3, kPerWriter = 3000;
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      WriteOptions options;
      for (int n = 0; n < kPerWriter; ++n) {
        // Writer w owns keys with index % kWriters == w.
        const std::string key = KeyOf((n % 500) * kWriters + w);
        options.sync = n % 100 == 0;
        if (!db->Put(options, key, "w" + std::to_string(w) + "n" + std::to_string(n)).ok()) ++bad;
      }
    });
  }
  threads.emplace_back([&] {
    Random rng(3);
    std::string value;
    while (!done.load()) {
      const uint64_t index = rng.Uniform(500 * kWriters);
      Status s = db->Get({}, KeyOf(index), &value);
      if (s.ok() && value.rfind("w" + std::to_string(index % kWriters) + "n", 0) != 0) ++bad;
      if (!s.ok() && s.code() != StatusCode::kNotFound) ++bad;
      auto it = db->NewIterator({});
      std::string prev;
      int steps = 0;
      for (it->Seek(KeyOf(index)); it->Valid() && steps < 20; it->Next(), ++steps) {
        if (std::string(it->key()) <= prev) ++bad;
        prev = it->key();
      }
    }
  });
  threads.emplace_back([&] {
    while (!done.load()) {
      if (!db->Flush().ok()) ++bad;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  done.store(true);
  for (size_t t = kWriters; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(bad.load(), 0);
  ASSERT_TRUE(db->CompactRange("", "").ok());
  std::string value;
  for (int w = 0; w < kWriters; ++w) {
    for (int slot = 0; slot < 500; ++slot) {
      const int last_n = kPerWriter - 500 + slot;  // the last n with n % 500 == slot
      ASSERT_TRUE(db->Get({}, KeyOf(slot * kWriters + w), &value).ok());
      EXPECT_EQ(value, "w" + std::to_string(w) + "n" + std::to_string(last_n));
    }
  }
}

TEST(DbBadInput, EmptyAndOversizedKeysAndValues) {
  testing::TempDir dir;
  Options options;
  options.max_key_bytes = 100;
  options.max_value_bytes = 1000;
  auto db = std::move(DB::Open(options, dir.path())).value();
  Status s = db->Put({}, "", "v");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "empty key");
  s = db->Put({}, std::string(101, 'k'), "v");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "key of 101 bytes exceeds the limit of 100 bytes");
  s = db->Put({}, "k", std::string(1001, 'v'));
  EXPECT_EQ(s.message(), "value of 1001 bytes exceeds the limit of 1000 bytes");
  // A batch with one bad op applies nothing.
  WriteBatch batch;
  batch.Put("good", "1");
  batch.Put("", "2");
  EXPECT_EQ(db->Write({}, &batch).code(), StatusCode::kInvalidArgument);
  std::string value;
  EXPECT_EQ(db->Get({}, "good", &value).code(), StatusCode::kNotFound);
  EXPECT_TRUE(db->Put({}, std::string(100, 'k'), std::string(1000, 'v')).ok());
}

TEST(DbBadInput, MissingDirectoryWithoutCreate) {
  testing::TempDir dir;
  Options options;
  options.create_if_missing = false;
  auto db = DB::Open(options, dir.File("absent"));
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kNotFound);
  EXPECT_NE(db.status().message().find("does not exist"), std::string::npos);
}

TEST(DbBadInput, ForeignDirectoryIsRefused) {
  testing::TempDir dir;
  dir.Write("photo.jpg", "not a database");
  auto db = DB::Open(Options(), dir.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.status().message().find("not a syskit kv database"), std::string::npos);
}

TEST(DbBadInput, SecondOpenOfLockedDbFails) {
  testing::TempDir dir;
  auto first = DB::Open(Options(), dir.path());
  ASSERT_TRUE(first.ok());
  auto second = DB::Open(Options(), dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(second.status().message().find("locked"), std::string::npos);
}

TEST(DbBadInput, TruncatedManifestIsCorruption) {
  testing::TempDir dir;
  {
    auto db = std::move(DB::Open(SmallOptions(), dir.path())).value();
    for (int n = 0; n < 100; ++n) ASSERT_TRUE(db->Put({}, KeyOf(n), "value").ok());
    ASSERT_TRUE(db->Flush().ok());
  }
  const std::string current = testing::ReadWholeFile(dir.File("CURRENT"));
  const std::string manifest = dir.File(current.substr(0, current.size() - 1));
  std::filesystem::resize_file(manifest, 5);
  auto db = DB::Open(SmallOptions(), dir.path());
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption);
  EXPECT_NE(db.status().message().find("truncated manifest"), std::string::npos) << db.status();
}

}  // namespace
}  // namespace syskit::kv
