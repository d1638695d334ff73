// DBImpl: the engine behind kv::DB. See README.md for the write and read
// paths, the on-disk formats and the write-stall rules.
//
// Locking: mu_ guards every field below marked (mu_). Only the group-commit
// leader (front of writers_) appends to the WAL and inserts into mem_; only
// the background thread writes the manifest and installs versions, so the
// WAL and manifest writes happen with mu_ released.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "block_cache.h"
#include "memtable.h"
#include "syskit/kv/db.h"
#include "syskit/kv/popularity.h"
#include "version.h"
#include "wal.h"

namespace syskit::kv {

class Snapshot {
 public:
  explicit Snapshot(uint64_t sequence) : sequence_(sequence) {}
  uint64_t sequence() const { return sequence_; }

 private:
  const uint64_t sequence_;
};

// InvalidArgument for an empty or oversized key or an oversized value.
Status ValidateBatch(const WriteBatch& batch, const Options& options);

// Parses a WriteBatch encoding, calling fn(type, key, value) per operation.
Status ForEachBatchOp(std::string_view rep,
                      const std::function<void(ValueType, std::string_view, std::string_view)>& fn);

class DBImpl final : public DB {
 public:
  DBImpl(const Options& options, std::string dir);
  ~DBImpl() override;
  Status Recover();

  Status Write(const WriteOptions& options, WriteBatch* batch) override;
  Status Get(const ReadOptions& options, std::string_view key, std::string* value) override;
  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override;
  const Snapshot* GetSnapshot() override;
  void ReleaseSnapshot(const Snapshot* snapshot) override;
  Status Flush() override;
  Status CompactRange(std::string_view begin, std::string_view end) override;
  bool GetProperty(std::string_view name, std::string* value) override;

  // For the tiered store (tiered_db.cc, db_ingest.cc). Ingest installs
  // `entries` (internal keys in ascending order, at most one per user key,
  // each newer than any version of its key already here) as new table files
  // at the deepest level that neither they nor any level above overlap, and
  // records `ingest_id` in the same manifest edit; it runs in the
  // background thread and returns once the edit is durable.
  using Entries = std::vector<std::pair<std::string, std::string>>;
  Status Ingest(const Entries& entries, uint64_t ingest_id);
  uint64_t last_ingest_id();
  // A snapshot at `sequence` (the tiered store's own sequence, which may be
  // ahead of this DB's), registered so compaction keeps what it sees.
  const Snapshot* GetSnapshotAt(uint64_t sequence);
  uint64_t last_sequence();
  // False when no table's Bloom filter admits `user_key` (no data block read).
  bool MayContain(std::string_view user_key);
  // The block cache (null when block_cache_bytes is 0); the tiered store
  // caches fast-tier values in it too, so both tiers share one DRAM budget.
  BlockCache* block_cache() const { return cache_.get(); }
  // The key range and size of every table file (user keys).
  struct TableRange {
    std::string smallest, largest;
    uint64_t bytes = 0;
    int level = 0;
  };
  std::vector<TableRange> TableRanges();

 private:
  struct Writer;
  // What a read sees: the memtables, the table version and the sequence
  // (the snapshot's or the latest), taken together under mu_.
  struct ReadView {
    std::shared_ptr<MemTable> mem, imm;
    std::shared_ptr<const Version> version;
    uint64_t seq = 0;
  };
  ReadView AcquireReadView(const ReadOptions& options);
  struct Compaction {
    int level = 0;
    std::vector<FilePtr> inputs[2];
    std::shared_ptr<const Version> version;
  };

  // `bytes`: the leader's batch size, for the slowdown delay.
  Status MakeRoomForWrite(bool force, size_t bytes, std::unique_lock<std::mutex>& lock);
  // Starts a new WAL; releases `lock` (if given) around the I/O.
  Status NewLog(std::unique_lock<std::mutex>* lock = nullptr);
  WriteBatch* BuildBatchGroup(Writer** last_writer);
  void BackgroundThread();
  Status FlushImmutable(std::unique_lock<std::mutex>& lock);
  bool PickCompaction(Compaction* c);
  Status RunCompaction(Compaction* c, std::unique_lock<std::mutex>& lock);
  Status LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>& lock);
  Status WriteLevel0Table(const MemTable& mem, NewFile* out, uint64_t number);
  // The manifest (see README): a fresh one starts with a full snapshot; the
  // background thread rolls over to a new one past max_manifest_file_size.
  Status WriteNewManifest();         // at open
  VersionEdit SnapshotEdit() const;  // (mu_) the current state as one edit
  // *switching is set once the CURRENT switch starts: a failure before it
  // leaves the old manifest current, a failure after it is fatal.
  Status InstallNewManifest(uint64_t number, const VersionEdit& snapshot, bool* switching);
  void DeleteObsoleteFiles();
  void SetBackgroundError(const Status& s);
  bool NeedsCompaction() const;
  std::string StatsText();

  const Options options_;
  const std::string dir_;
  Env* const env_;
  std::unique_ptr<FileLock> lock_;
  std::unique_ptr<BlockCache> cache_;
  std::unique_ptr<PopularityTracker> tracker_;  // null when popularity tracking is off

  std::mutex mu_;
  std::condition_variable bg_cv_;    // wakes the background thread
  std::condition_variable done_cv_;  // background work finished a step
  std::shared_ptr<MemTable> mem_;    // (mu_)
  std::shared_ptr<MemTable> imm_;    // (mu_) being flushed
  std::atomic<bool> has_imm_{false};
  uint64_t imm_log_number_ = 0;          // (mu_) first WAL not covered by imm_
  std::unique_ptr<LogWriter> log_;       // leader only
  uint64_t log_number_ = 0;              // (mu_)
  std::unique_ptr<LogWriter> manifest_;  // background thread only
  uint64_t manifest_number_ = 0;         // background thread only (and Recover)
  uint64_t manifest_bytes_ = 0;          // background thread only
  uint64_t next_rollover_bytes_ = 0;     // background thread only
  uint64_t manifest_log_number_ = 0;     // (mu_) the log number the manifest records
  uint64_t manifest_rollovers_ = 0, manifest_rollover_failures_ = 0;  // (mu_)
  std::shared_ptr<const Version> current_;                            // (mu_)
  uint64_t next_file_number_ = 2;                                     // (mu_)
  uint64_t last_sequence_ = 0;                                        // (mu_)
  Status bg_error_;                                                   // (mu_)
  std::deque<Writer*> writers_;                                       // (mu_)
  std::multiset<uint64_t> snapshots_;                                 // (mu_)
  bool shutting_down_ = false;                                        // (mu_)
  std::atomic<bool> stop_compaction_{false};
  struct ManualRequest {
    std::string begin, end;
    bool done = false;
    Status status;
  };
  ManualRequest* manual_ = nullptr;  // (mu_)
  struct IngestRequest {
    const Entries* entries = nullptr;
    uint64_t ingest_id = 0;
    bool done = false;
    Status status;
  };
  IngestRequest* ingest_ = nullptr;                   // (mu_)
  uint64_t last_ingest_id_ = 0;                       // (mu_)
  uint64_t ingested_files_ = 0, ingested_bytes_ = 0;  // (mu_)
  Status RunIngest(IngestRequest* request, std::unique_lock<std::mutex>& lock);
  std::string compact_pointer_[kNumLevels];  // background thread only
  std::thread bg_thread_;

  // Statistics (mu_).
  uint64_t stall_micros_ = 0, slowdowns_ = 0, stops_ = 0;
  // Bytes of the last committed write group: a slowed-down leader is charged
  // for a group of this size (RocksDB charges last_batch_group_size_), so
  // group commit cannot push writes past delayed_write_rate.
  uint64_t last_group_bytes_ = 0;
  uint64_t flushes_ = 0, compactions_ = 0, trivial_moves_ = 0;
  uint64_t compaction_bytes_read_ = 0, compaction_bytes_written_ = 0, flush_bytes_ = 0;
  uint64_t wal_bytes_ = 0, user_bytes_ = 0, group_commits_ = 0, writes_ = 0;
  uint64_t recovered_records_ = 0;
  bool recovered_torn_tail_ = false;
};

}  // namespace syskit::kv
