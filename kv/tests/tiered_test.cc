// The PrismDB two-tier store (TieringOptions): the cost-benefit choice, a
// model check against std::map with migrations forced by a tiny fast tier,
// pinning of popular keys, and crashes (kill -9 and power loss) during
// migrations.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <sstream>
#include <vector>

#include "kill_nine.h"
#include "syskit/core/fault_injection_env.h"
#include "syskit/core/random.h"
#include "syskit/kv/db.h"
#include "syskit/kv/tiering.h"
#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::kv {
namespace {

std::string KeyOf(uint64_t n) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "key%08llu", static_cast<unsigned long long>(n));
  return buf;
}

Options TieredOptions(uint64_t fast_bytes = 256 << 10) {
  Options options;
  options.write_buffer_size = 64 << 10;
  options.target_file_size = 64 << 10;
  options.max_bytes_for_level_base = 256 << 10;
  options.block_cache_bytes = 64 << 10;
  options.tiering.fast_tier_bytes = fast_bytes;
  options.tiering.segment_bytes = 16 << 10;
  return options;
}

// One key=value field of the "kv.tier-stats" line.
uint64_t TierStat(DB* db, const std::string& name) {
  std::string stats;
  EXPECT_TRUE(db->GetProperty("kv.tier-stats", &stats));
  std::istringstream in(stats);
  std::string field;
  while (in >> field) {
    if (field.rfind(name + "=", 0) == 0) return std::stoull(field.substr(name.size() + 1));
  }
  ADD_FAILURE() << name << " not in " << stats;
  return 0;
}

TEST(CostBenefit, PrefersUnpopularCheapRanges) {
  MigrationCandidate base{100, 0, 100 << 10, 0, 1 << 20};
  // More popular keys: fewer freed and a higher cost.
  MigrationCandidate popular = base;
  popular.popular_keys = 50;
  EXPECT_GT(CostBenefitScore(base), CostBenefitScore(popular));
  // More slow-tier bytes to rewrite per byte demoted: higher cost.
  MigrationCandidate heavy = base;
  heavy.slow_bytes = 8 << 20;
  EXPECT_GT(CostBenefitScore(base), CostBenefitScore(heavy));
  // Overlap (updates of slow-tier keys) lowers the cost: (2 - o).
  MigrationCandidate overlap = base;
  overlap.overlap_keys = 100;
  EXPECT_GT(CostBenefitScore(overlap), CostBenefitScore(base));
  // The formula: benefit 100 keys, p = 0, o = 0, F = (1 MiB + 100 KiB) / 100 KiB = 11.24.
  const double f = (1024.0 + 100.0) / 100.0;
  EXPECT_NEAR(CostBenefitScore(base), 100.0 / (f * 2.0 + 1.0), 1e-9);
  // p = 0.5, o = 1: cost = F * 1 / 0.5 + 1, benefit 50.
  MigrationCandidate mixed{100, 50, 100 << 10, 50, 1 << 20};
  EXPECT_NEAR(CostBenefitScore(mixed), 50.0 / (f * 1.0 / 0.5 + 1.0), 1e-9);
  // Nothing to free: score 0, and the pick skips it.
  MigrationCandidate all_popular{100, 100, 0, 0, 0};
  EXPECT_EQ(CostBenefitScore(all_popular), 0.0);
  EXPECT_EQ(PickMigrationRange({all_popular, popular, base, heavy}), 2);
  EXPECT_EQ(PickMigrationRange({all_popular}), -1);
}

// Random puts, deletes and reads against std::map, with a fast tier small
// enough that the data set migrates many times; then reopen and compare.
TEST(Tiered, MatchesModelThroughMigrationsAndReopen) {
  testing::TempDir dir;
  std::map<std::string, std::string> model;
  Random rng(7);
  {
    auto db = DB::Open(TieredOptions(), dir.path()).value();
    for (int i = 0; i < 20000; ++i) {
      const std::string key = KeyOf(rng.Uniform(3000));
      const uint64_t op = rng.Uniform(10);
      std::string value;
      if (op < 5) {
        const std::string v = "v" + std::to_string(i) + std::string(rng.Uniform(200), 'x');
        ASSERT_TRUE(db->Put({}, key, v).ok());
        model[key] = v;
      } else if (op < 6) {
        ASSERT_TRUE(db->Delete({}, key).ok());
        model.erase(key);
      } else if (op < 7) {
        // A batch is one fast-tier record: its values must stay apart
        // (also in the DRAM value cache).
        WriteBatch batch;
        for (int j = 0; j < 3; ++j) {
          const std::string k = KeyOf(rng.Uniform(3000));
          const std::string v = "b" + std::to_string(i) + "." + std::to_string(j);
          batch.Put(k, v);
          model[k] = v;
        }
        ASSERT_TRUE(db->Write({}, &batch).ok());
      } else {
        Status s = db->Get({}, key, &value);
        auto it = model.find(key);
        if (it == model.end()) {
          ASSERT_EQ(s.code(), StatusCode::kNotFound) << key;
        } else {
          ASSERT_TRUE(s.ok()) << key << " " << s;
          ASSERT_EQ(value, it->second) << key;
        }
      }
    }
    EXPECT_GT(TierStat(db.get(), "demotions"), 2u);
    EXPECT_GT(TierStat(db.get(), "reclaims"), 5u);
    EXPECT_LE(TierStat(db.get(), "fast_file_bytes"), TierStat(db.get(), "fast_capacity"));
  }
  for (int pass = 0; pass < 2; ++pass) {
    auto db = DB::Open(TieredOptions(), dir.path()).value();
    auto it = db->NewIterator({});
    auto expected = model.begin();
    for (it->SeekToFirst(); it->Valid(); it->Next(), ++expected) {
      ASSERT_NE(expected, model.end()) << it->key();
      ASSERT_EQ(it->key(), expected->first);
      ASSERT_EQ(it->value(), expected->second);
    }
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(expected, model.end());
    // Backwards, and a change of direction in the middle.
    auto rit = model.rbegin();
    for (it->SeekToLast(); it->Valid(); it->Prev(), ++rit) {
      ASSERT_NE(rit, model.rend());
      ASSERT_EQ(it->key(), rit->first);
    }
    EXPECT_EQ(rit, model.rend());
    it->Seek(KeyOf(1500));
    ASSERT_TRUE(it->Valid());
    const std::string middle(it->key());
    it->Next();
    it->Prev();
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), middle);
    std::string value;
    for (uint64_t k = 0; k < 3000; ++k) {
      Status s = db->Get({}, KeyOf(k), &value);
      auto m = model.find(KeyOf(k));
      ASSERT_EQ(s.ok(), m != model.end()) << KeyOf(k) << " " << s;
      if (m != model.end()) {
        ASSERT_EQ(value, m->second);
      }
    }
  }
}

// The layout is recorded in TIERS: an open without tiering options (e.g.
// `syskit kv get`) still reads the fast tier.
TEST(Tiered, PlainOpenFindsTheFastTier) {
  testing::TempDir dir;
  {
    auto db = DB::Open(TieredOptions(), dir.path()).value();
    ASSERT_TRUE(db->Put({}, "only-in-fast", "yes").ok());
  }
  auto db = DB::Open(Options(), dir.path()).value();
  std::string value;
  ASSERT_TRUE(db->Get({}, "only-in-fast", &value).ok());
  EXPECT_EQ(value, "yes");
  EXPECT_EQ(TierStat(db.get(), "fast_capacity"), 256u << 10);
}

TEST(Tiered, SnapshotSeesThePastAcrossDemotions) {
  testing::TempDir dir;
  auto db = DB::Open(TieredOptions(), dir.path()).value();
  for (int i = 0; i < 500; ++i) ASSERT_TRUE(db->Put({}, KeyOf(i), "old" + std::to_string(i)).ok());
  const Snapshot* snapshot = db->GetSnapshot();
  for (int round = 0; round < 6; ++round) {
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(
          db->Put({}, KeyOf(i), "new" + std::to_string(round) + std::string(300, 'n')).ok());
    }
  }
  // New keys beyond the fast tier's size force demotions.
  for (int i = 1000; i < 3000; ++i) ASSERT_TRUE(db->Put({}, KeyOf(i), std::string(300, 'x')).ok());
  ASSERT_TRUE(db->Delete({}, KeyOf(7)).ok());
  EXPECT_GT(TierStat(db.get(), "demotions"), 0u);
  ReadOptions at;
  at.snapshot = snapshot;
  std::string value;
  for (int i = 0; i < 500; ++i) {
    ASSERT_TRUE(db->Get(at, KeyOf(i), &value).ok()) << i;
    ASSERT_EQ(value, "old" + std::to_string(i));
  }
  EXPECT_EQ(db->Get({}, KeyOf(7), &value).code(), StatusCode::kNotFound);
  db->ReleaseSnapshot(snapshot);
}

// Hot keys read twice (clock value 3) stay in the fast tier through
// migrations when pin_threshold = 1; with popularity off they are demoted.
uint64_t HotHitsAfterColdWrites(bool popularity) {
  testing::TempDir dir;
  Options options = TieredOptions();
  options.tiering.use_popularity = popularity;
  options.tiering.pin_threshold = 1.0;
  options.tiering.promotion = false;
  auto db = DB::Open(options, dir.path()).value();
  constexpr int kHot = 100;
  for (int i = 0; i < kHot; ++i)
    EXPECT_TRUE(db->Put({}, "hot" + KeyOf(i), std::string(500, 'h')).ok());
  std::string value;
  for (int pass = 0; pass < 2; ++pass) {
    for (int i = 0; i < kHot; ++i) EXPECT_TRUE(db->Get({}, "hot" + KeyOf(i), &value).ok());
  }
  // Cold writes: several times the fast tier's capacity.
  for (int i = 0; i < 4000; ++i) {
    EXPECT_TRUE(db->Put({}, "cold" + KeyOf(i), std::string(400, 'c')).ok());
  }
  EXPECT_GT(TierStat(db.get(), "demotions"), 3u);
  const uint64_t before = TierStat(db.get(), "fast_hits");
  for (int i = 0; i < kHot; ++i) EXPECT_TRUE(db->Get({}, "hot" + KeyOf(i), &value).ok());
  const uint64_t hits = TierStat(db.get(), "fast_hits") - before;
  return hits;
}

TEST(Tiered, PopularKeysStayPinned) {
  const uint64_t pinned = HotHitsAfterColdWrites(true);
  const uint64_t recency = HotHitsAfterColdWrites(false);
  EXPECT_GE(pinned, 95u);
  EXPECT_LE(recency, 20u);
  std::printf("hot_fast_hits pinned=%llu recency_only=%llu (of 100)\n",
              static_cast<unsigned long long>(pinned), static_cast<unsigned long long>(recency));
}

// A read-dominated load promotes popular slow-tier keys. Promotion skips a
// key while a demotion is finishing, so the reads go on (up to 10 s) until
// the hot keys are up.
TEST(Tiered, ReadsPromotePopularKeys) {
  testing::TempDir dir;
  Options options = TieredOptions();
  options.tiering.promotion_window = 200;
  options.tiering.pin_threshold = 1.0;
  auto db = DB::Open(options, dir.path()).value();
  for (int i = 0; i < 4000; ++i) {
    ASSERT_TRUE(db->Put({}, KeyOf(i), KeyOf(i) + std::string(400, 'v')).ok());
  }
  std::string value;
  // The keys of 0..49 the first reads find in the slow tier (demotion windows
  // start at random, so a few of these oldest keys may still be fast). A
  // first read only starts tracking a key (clock 0): nothing is promoted yet.
  std::vector<int> slow_keys;
  for (int i = 0; i < 50; ++i) {
    const uint64_t before = TierStat(db.get(), "slow_hits");
    ASSERT_TRUE(db->Get({}, KeyOf(i), &value).ok());
    ASSERT_EQ(value, KeyOf(i) + std::string(400, 'v'));
    if (TierStat(db.get(), "slow_hits") > before) slow_keys.push_back(i);
  }
  ASSERT_GE(slow_keys.size(), 25u);
  ASSERT_EQ(TierStat(db.get(), "promotions"), 0u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  // Promotions only fill room under the migration trigger, so a trickle of
  // writes (2 % of the operations) keeps migrations making room.
  for (int j = 4000; TierStat(db.get(), "promotions") < slow_keys.size() &&
                     std::chrono::steady_clock::now() < deadline;
       ++j) {
    for (int i : slow_keys) {
      ASSERT_TRUE(db->Get({}, KeyOf(i), &value).ok());
      ASSERT_EQ(value, KeyOf(i) + std::string(400, 'v'));
    }
    ASSERT_TRUE(db->Put({}, KeyOf(j), KeyOf(j) + std::string(400, 'v')).ok());
  }
  EXPECT_EQ(TierStat(db.get(), "promotions"), slow_keys.size());
  const uint64_t before = TierStat(db.get(), "fast_hits");
  for (int i : slow_keys) {
    ASSERT_TRUE(db->Get({}, KeyOf(i), &value).ok());
    EXPECT_EQ(value, KeyOf(i) + std::string(400, 'v'));
  }
  EXPECT_EQ(TierStat(db.get(), "fast_hits") - before, slow_keys.size());
  std::printf("promoted %zu of the 50 oldest keys (the rest were still fast)\n", slow_keys.size());
}

// The operations of one batch share a fast-tier record; each keeps its own
// value through the DRAM value cache (Get and iteration).
TEST(Tiered, BatchValuesStayApartInTheCache) {
  testing::TempDir dir;
  auto db = DB::Open(TieredOptions(), dir.path()).value();
  WriteBatch batch;
  batch.Put("a", "value-a");
  batch.Put("b", "value-b");
  batch.Put("c", "");
  ASSERT_TRUE(db->Write({}, &batch).ok());
  std::string value;
  for (int round = 0; round < 2; ++round) {  // the second round reads the cache
    ASSERT_TRUE(db->Get({}, "a", &value).ok());
    EXPECT_EQ(value, "value-a");
    ASSERT_TRUE(db->Get({}, "b", &value).ok());
    EXPECT_EQ(value, "value-b");
    ASSERT_TRUE(db->Get({}, "c", &value).ok());
    EXPECT_EQ(value, "");
  }
  auto it = db->NewIterator({});
  std::string seen;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    seen += std::string(it->key()) + "=" + std::string(it->value()) + ";";
  }
  EXPECT_EQ(seen, "a=value-a;b=value-b;c=;");
}

// kill_nine.h: the child writes key i % 1500 and reads hot keys (so keys
// are popular and get promoted), with migrations running all the time, and
// is killed at random points.
TEST(TieredCrash, KillNineDuringMigrationsLosesNothing) {
  testing_support::KillNineRound round;
  round.child_options = TieredOptions();
  round.child_options.tiering.promotion_window = 100;
  round.child_options.tiering.promotion_read_share = 0.5;
  round.reopen_options = TieredOptions();
  round.keys = 1500;
  round.max_acks = 5000;
  round.key_of = KeyOf;
  round.after_put = [](DB* db, Random& rng) {
    std::string value;
    for (int r = 0; r < 2; ++r) db->Get({}, KeyOf(rng.Uniform(50)), &value).IgnoreError();
  };
  testing::TempDir dir;
  std::map<std::string, uint64_t> acked;
  testing_support::RunKillNineRounds(dir.path(), 500, round, &acked);
  if (HasFatalFailure()) return;
  // Both tiers took part: keys went down to the slow tier's tables.
  auto db = DB::Open(TieredOptions(), dir.path()).value();
  EXPECT_EQ(acked.size(), 1500u);
  EXPECT_GT(TierStat(db.get(), "fast_file_bytes"), 0u);
  std::string files;
  ASSERT_TRUE(db->GetProperty("kv.num-files-at-level0", &files));
  uint64_t tables = 0;
  for (int level = 0; level < 7; ++level) {
    ASSERT_TRUE(db->GetProperty("kv.num-files-at-level" + std::to_string(level), &files));
    tables += std::stoull(files);
  }
  EXPECT_GT(tables, 0u);
}

// Power loss at many points of a migration-heavy synced load: after
// DropUnsyncedData the store holds every synced write, exactly once.
TEST(TieredCrash, PowerLossKeepsSyncedWrites) {
  for (uint64_t cut : {3u, 17u, 41u, 97u, 180u, 333u}) {
    testing::TempDir dir;
    FaultInjectionEnv env(Env::Default());
    Options options = TieredOptions();
    options.env = &env;
    std::map<std::string, std::string> synced;
    {
      auto db = DB::Open(options, dir.path()).value();
      WriteOptions sync;
      sync.sync = true;
      // Fail every sync from the cut on: what was synced before survives.
      for (int i = 0; i < 3000; ++i) {
        const std::string key = KeyOf(static_cast<uint64_t>(i) % 900);
        const std::string value = "s" + std::to_string(i) + std::string(i % 250, 'q');
        if (i == static_cast<int>(cut) * 8) env.FailAll(FaultInjectionEnv::Op::kSync);
        if (db->Put(sync, key, value).ok()) {
          synced[key] = value;
        } else {
          break;
        }
      }
    }
    ASSERT_TRUE(env.DropUnsyncedData().ok());
    env.Reset();
    auto db = DB::Open(options, dir.path()).value();
    std::string value;
    for (const auto& [key, expected] : synced) {
      ASSERT_TRUE(db->Get({}, key, &value).ok()) << "cut " << cut << " " << key;
      ASSERT_EQ(value, expected) << "cut " << cut << " " << key;
    }
    auto it = db->NewIterator({});
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    ASSERT_TRUE(it->status().ok());
    EXPECT_EQ(n, synced.size()) << "cut " << cut;
  }
}

// A sync failing at any point of the migration path (fast-log sync,
// demotion record, table file, manifest, directory) stops the store; the
// next open finishes a demotion whose record was written but whose ingest
// was not recorded, so a later open does not drop keys that never reached
// the slow tier. Every acknowledged write survives two reopens with more
// demotions in between.
TEST(TieredCrash, FailedDemotionIsFinishedAtReopen) {
  uint64_t rolled_forward = 0;
  for (uint64_t nth = 1; nth <= 80; ++nth) {
    testing::TempDir dir;
    FaultInjectionEnv env(Env::Default());
    Options options = TieredOptions();
    options.env = &env;
    // Phase 1's keys are read twice after the reopen and pinned (theta = 1),
    // so phase 2's demotions take only phase 2's keys: the keys of an
    // unfinished phase-1 demotion stay in the fast tier with their sequence
    // numbers, and would be dropped if that demotion were honoured late.
    options.tiering.pin_threshold = 1.0;
    options.popularity_tracker_keys = 4096;
    std::map<std::string, std::string> model;
    auto write_some = [&](DB* db, uint64_t first_key, int from, int to) {
      for (int i = from; i < to; ++i) {
        const std::string key = KeyOf(first_key + static_cast<uint64_t>(i) % 1200);
        const std::string value = "f" + std::to_string(i) + std::string(i % 290, 'f');
        if (!db->Put({}, key, value).ok()) return;
        model[key] = value;
      }
    };
    auto verify = [&](DB* db, const char* when) {
      std::string value;
      for (const auto& [key, expected] : model) {
        ASSERT_TRUE(db->Get({}, key, &value).ok()) << "nth " << nth << " " << when << " " << key;
        ASSERT_EQ(value, expected) << "nth " << nth << " " << when << " " << key;
      }
    };
    {
      auto db = DB::Open(options, dir.path()).value();
      env.FailNth(FaultInjectionEnv::Op::kSync, nth);
      write_some(db.get(), 0, 0, 3000);
    }
    env.Reset();
    {
      auto db = DB::Open(options, dir.path());
      ASSERT_TRUE(db.ok()) << "nth " << nth << " " << db.status();
      rolled_forward += TierStat(db->get(), "rolled_forward");
      verify(db->get(), "first reopen");
      verify(db->get(), "first reopen, second read");
      write_some(db->get(), 5000, 0, 2000);
      EXPECT_GT(TierStat(db->get(), "demotions"), 0u);
    }
    auto db = DB::Open(options, dir.path()).value();
    verify(db.get(), "second reopen");
    if (HasFatalFailure()) return;
  }
  // Some failures fell between a demotion record and its manifest edit.
  EXPECT_GT(rolled_forward, 0u);
  std::printf("unfinished demotions rolled forward at reopen: %llu (of 80 failure points)\n",
              static_cast<unsigned long long>(rolled_forward));
}

TEST(Tiered, OversizedBatchesAndBadLayoutsAreRefused) {
  testing::TempDir dir;
  auto db = DB::Open(TieredOptions(), dir.path()).value();
  // An eighth of the 256 KiB tier at most; large values below it do not stall forever.
  EXPECT_EQ(db->Put({}, "big", std::string(40 << 10, 'b')).code(), StatusCode::kInvalidArgument);
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(db->Put({}, KeyOf(i), std::string(30 << 10, 'b')).ok());
  std::string value;
  ASSERT_TRUE(db->Get({}, KeyOf(3), &value).ok());
  EXPECT_EQ(value.size(), size_t{30} << 10);
  db.reset();
  Options moved = TieredOptions();
  moved.tiering.fast_dir = dir.File("elsewhere");
  EXPECT_EQ(DB::Open(moved, dir.path()).status().code(), StatusCode::kInvalidArgument);
}

TEST(Tiered, CorruptSegmentIsReportedNotFatal) {
  testing::TempDir dir;
  {
    auto db = DB::Open(TieredOptions(), dir.path()).value();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(db->Put({}, KeyOf(i), std::string(100, 'c')).ok());
  }
  // Flip a byte in the middle of the first segment (records follow it).
  const std::string segment = dir.path() + "/fast/000001.fseg";
  std::string bytes = testing::ReadWholeFile(segment);
  ASSERT_GT(bytes.size(), 2000u);
  bytes[1000] ^= 0x40;
  dir.Write("fast/000001.fseg", bytes);
  auto db = DB::Open(TieredOptions(), dir.path());
  EXPECT_EQ(db.status().code(), StatusCode::kCorruption) << db.status();
}

}  // namespace
}  // namespace syskit::kv
