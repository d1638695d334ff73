// TieredDB: the PrismDB two-tier store behind kv::DB when
// Options::tiering.fast_tier_bytes > 0 (db.h TieringOptions, tiering.h, and
// README "Tiering"). Writes go to the fast tier's log-structured store
// (fast_store.h), which is also the write-ahead log; the slow tier is a
// DBImpl LSM that receives only demoted batches (DBImpl::Ingest).
//
// Migration (background thread): from migrate_start of the fast-tier
// capacity down to migrate_stop, it alternates demotions (the unpopular keys
// of the best cost-benefit range go to the slow tier) and reclamation of the
// oldest fast-tier segment (once that segment is mostly dead). A demotion is
// crash-safe by ordering: the fast log is synced; a demotion record naming
// ingest id N and the (key, sequence) pairs is appended and synced; the slow
// tier installs the batch and N in one manifest edit; only then are the keys
// dropped from the index. Recovery honours a demotion record exactly when
// the slow tier's manifest has N.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "db_impl.h"
#include "fast_store.h"
#include "syskit/core/random.h"
#include "syskit/kv/db.h"
#include "syskit/kv/popularity.h"
#include "syskit/kv/tiering.h"

namespace syskit::kv {

class TieredDB final : public DB {
 public:
  static Result<std::unique_ptr<DB>> Open(const Options& options, const std::string& path);
  ~TieredDB() override;

  Status Write(const WriteOptions& options, WriteBatch* batch) override;
  Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status CompactRange(std::string_view begin, std::string_view end) override;
  bool GetProperty(std::string_view name, std::string* value) override;

 private:
  TieredDB(const Options& options, std::string path);
  Status Recover();
  void MigrationThread();
  // One demotion step; *freed_live = live bytes it released. With
  // allow_forced, a range of popular keys only is demoted when no range has
  // unpopular ones (pinning capped by capacity).
  Status DemoteOneRange(bool allow_forced, uint64_t* freed_live);
  // Demotes `demote` under ingest id `id`: the demotion record (unless it is
  // being rolled forward from one), the slow-tier ingest, the index erase.
  Status Demote(const std::vector<std::pair<std::string, FastStore::Location>>& demote, uint64_t id,
                bool write_record, uint64_t* freed_live);
  std::array<double, 4> CurrentPinProbabilities();
  bool Popular(std::string_view key, const std::array<double, 4>& probabilities);
  void CountOp(bool read);
  void MaybePromote(std::string_view key, const std::string& value, uint64_t epoch);
  std::string TierStats();

  const Options options_;
  const TieringOptions tiering_;
  const std::string path_;
  std::unique_ptr<DBImpl> slow_;
  std::unique_ptr<FastStore> fast_;
  std::unique_ptr<PopularityTracker> tracker_;  // null in the recency-only ablation
  uint64_t last_sequence_ = 0;                  // (fast_->write_mutex())
  uint64_t next_ingest_id_ = 1;                 // migration thread only (after Recover)
  std::atomic<uint64_t> demotion_epoch_{0};     // bumped after each demotion's erase

  std::mutex mu_;
  std::condition_variable migrate_cv_;  // wakes the migration thread
  std::condition_variable room_cv_;     // wakes writers waiting for fast-tier room
  bool shutting_down_ = false;          // (mu_)
  int waiting_writers_ = 0;             // (mu_) writers waiting for room
  Random range_rng_;                    // migration thread: candidate sampling
  Status bg_error_;                     // (mu_)
  std::thread migration_thread_;

  // Promotion's read-share window and pinning probabilities.
  std::atomic<uint64_t> ops_{0}, reads_{0}, window_reads_start_{0};
  std::atomic<bool> read_dominated_{false};
  std::mutex pin_mu_;
  std::array<double, 4> pin_probabilities_{};  // (pin_mu_)

  // Statistics.
  std::atomic<uint64_t> fast_hits_{0}, slow_hits_{0}, misses_{0}, promotions_{0};
  std::atomic<uint64_t> stall_micros_{0}, stalls_{0};
  std::atomic<uint64_t> migrations_{0}, demotions_{0}, demoted_keys_{0}, demoted_bytes_{0};
  std::atomic<uint64_t> dropped_clean_{0}, pinned_kept_{0}, forced_demotions_{0};
  std::atomic<uint64_t> reclaims_{0}, reclaim_copied_bytes_{0};
  std::atomic<uint64_t> rolled_forward_{0};  // unfinished demotions finished at open
};

}  // namespace syskit::kv
