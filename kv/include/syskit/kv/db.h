// syskit::kv::DB: a durable LSM key-value store (the LevelDB/RocksDB design):
// a write-ahead log with per-record checksums and group commit, a skiplist
// memtable, immutable sorted table files with per-block checksums, Bloom
// filters and a block index, a fixed-size LRU block cache, leveled compaction
// in one background thread, and a manifest of version edits installed
// atomically through the CURRENT file. Every file goes through core::Env.
//
//   kv::Options options;
//   SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<kv::DB> db, kv::DB::Open(options, "/tmp/db"));
//   SYSKIT_RETURN_IF_ERROR(db->Put({}, "key", "value"));
//   std::string value;
//   Status s = db->Get({}, "key", &value);   // NotFound if absent
//
// Thread-safety: a DB is safe to use from many threads. Iterators and
// WriteBatches are not; each is used by one thread. Iterators and snapshots
// must be released before the DB is destroyed.
//
// Errors: InvalidArgument for bad keys/values/options, NotFound for a missing
// key, Corruption (naming the file) for data failing a checksum,
// FailedPrecondition when the DB is in its read-only error state (after a
// failed WAL/table/manifest write or sync) or locked by another process.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "syskit/core/env.h"
#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit::kv {

// Codec for table data blocks (index and filter blocks are stored raw). The
// value is the block trailer's type byte, so it is part of the file format.
enum class CompressionType : uint8_t { kNone = 0, kSnappy = 1, kLz4 = 2, kZstd = 3 };
// "none", "snappy", "lz4" or "zstd"; InvalidArgument otherwise.
Result<CompressionType> ParseCompressionType(std::string_view name);
std::string_view CompressionTypeName(CompressionType type);

// Part 2 (PrismDB, brief section 2; see tiering.h and README "Tiering"): a
// two-tier store. Every write lands in a log-structured store on the fast
// tier (segment files under `fast_dir`, an in-memory index of every key
// there); the slow tier is the LSM in the DB directory. When the fast tier
// passes migrate_start of fast_tier_bytes, a background thread demotes the
// unpopular keys of the key range with the best cost-benefit score into the
// slow tier until it is under migrate_stop; popular keys (2-bit CLOCK over
// reads, pinning threshold) stay. On read-dominated workloads popular keys
// read from the slow tier are promoted back.
struct TieringOptions {
  uint64_t fast_tier_bytes = 0;        // fast-tier capacity; 0 = one tier (plain LSM)
  std::string fast_dir;                // "" = <path>/fast
  bool use_popularity = true;          // false: the ablation, placement by recency only
  double pin_threshold = 0.7;          // share of tracked keys treated as popular
  double migrate_start = 0.98;         // fast-tier fill that starts a migration
  double migrate_stop = 0.95;          // ... and where it stops
  int sampled_ranges = 8;              // candidate key ranges scored per step (0 = all)
  bool promotion = true;               // promote popular slow-tier keys on reads
  double promotion_read_share = 0.95;  // reads/ops in the last window needed
  uint64_t promotion_window = 10000;   // operations per window
  uint64_t segment_bytes = 4 << 20;    // fast-tier segment file size
  uint64_t seed = 1;                   // popularity draws
};

struct Options {
  Env* env = Env::Default();           // all file I/O goes through it
  bool create_if_missing = true;       // create the directory and DB if absent
  bool error_if_exists = false;        // fail if a DB exists already
  size_t write_buffer_size = 4 << 20;  // memtable bytes before it is flushed
  size_t block_size = 4096;            // target uncompressed data block bytes
  // Data-block codec for new table files (a block that does not shrink by
  // 1/8 is stored raw). Snappy by default, as in LevelDB and RocksDB.
  CompressionType compression = CompressionType::kSnappy;
  size_t block_cache_bytes = 8 << 20;            // LRU block cache capacity (0 = no cache)
  int bloom_bits_per_key = 10;                   // Bloom filter bits per key (0 = no filter)
  size_t target_file_size = 2 << 20;             // compaction output file size
  uint64_t max_bytes_for_level_base = 10 << 20;  // level 1 budget; x10 per level
  int level0_compaction_trigger = 4;             // L0 files that start a compaction
  // Write stalls (RocksDB's defaults): from level0_slowdown_trigger L0 files
  // on, each write is delayed so writes proceed at delayed_write_rate; at
  // level0_stop_trigger files writes wait for compaction.
  int level0_slowdown_trigger = 20;        // L0 files at which writes are rate-limited
  int level0_stop_trigger = 36;            // L0 files at which writes wait for compaction
  uint64_t delayed_write_rate = 16 << 20;  // bytes/s allowed while slowed down
  // The manifest grows by one record per flush or compaction; past this size
  // the background thread starts a new one from a snapshot.
  uint64_t max_manifest_file_size = 4 << 20;
  // Part 2 (PrismDB): keys tracked by the read-popularity CLOCK
  // (popularity.h); every successful Get touches its key. 0 = off. Its clock
  // histogram is in "kv.stats".
  size_t popularity_tracker_keys = 0;
  size_t max_key_bytes = 64 << 10;    // larger keys are InvalidArgument
  size_t max_value_bytes = 16 << 20;  // larger values are InvalidArgument
  // Tier id stamped into table files and the manifest (part 2 maps tiers to
  // directories/devices; part 1 has one tier, 0, the DB directory).
  uint8_t tier = 0;
  TieringOptions tiering;  // fast_tier_bytes > 0: PrismDB two-tier store
};

struct WriteOptions {
  // true: fsync the WAL before acknowledging, so the write survives power
  // loss. false (default): the record reaches the OS before the call
  // returns, so it survives a process crash but not a power loss.
  bool sync = false;
};

class Snapshot;

struct ReadOptions {
  const Snapshot* snapshot = nullptr;  // read as of this snapshot (nullptr: latest)
  bool fill_cache = true;              // insert blocks read into the block cache
};

// An ordered list of puts and deletes applied atomically by DB::Write.
class WriteBatch {
 public:
  WriteBatch();
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void Clear();
  // Operations in the batch.
  uint32_t Count() const;
  size_t ApproximateSize() const { return rep_.size(); }
  // Appends `other`'s operations.
  void Append(const WriteBatch& other);

  // Encoding (kept public for the WAL): fixed64 sequence, fixed32 count, then
  // per op: u8 type (1 put, 0 delete), varint key length, key, [varint value
  // length, value].
  const std::string& rep() const { return rep_; }
  std::string* mutable_rep() { return &rep_; }

 private:
  std::string rep_;
};

// An iterator over user keys in ascending byte order, movable both ways
// (a change of direction re-positions the merged sources, so it costs a
// seek). Not thread-safe.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  // Positions at the last key <= target.
  virtual void SeekForPrev(std::string_view target) = 0;
  // Valid() must be true. Past the last (Next) or before the first (Prev)
  // key the iterator becomes invalid.
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // Valid() must be true; views stay valid until the next move.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Non-OK when a read failed (e.g. Corruption); Valid() is then false.
  virtual Status status() const = 0;
};

class DB {
 public:
  virtual ~DB() = default;

  // Opens (or creates) the DB in directory `path`, taking the LOCK file, and
  // recovers it: the manifest named by CURRENT, then every newer WAL (a torn
  // final record is ignored; any other bad record is Corruption).
  static Result<std::unique_ptr<DB>> Open(const Options& options, const std::string& path);

  virtual Status Put(const WriteOptions& options, std::string_view key, std::string_view value);
  virtual Status Delete(const WriteOptions& options, std::string_view key);
  // Applies every operation of `batch` or none.
  virtual Status Write(const WriteOptions& options, WriteBatch* batch) = 0;
  // NotFound if the key is absent or deleted.
  virtual Status Get(const ReadOptions& options, std::string_view key, std::string* value) = 0;
  // A consistent view as of now (or of options.snapshot). Release it before the DB.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  virtual const Snapshot* GetSnapshot() = 0;
  virtual void ReleaseSnapshot(const Snapshot* snapshot) = 0;
  // Writes the memtable to a level-0 table file and waits for it.
  virtual Status Flush() = 0;
  // Flushes, then compacts every level's files overlapping [begin, end]
  // (empty views mean unbounded) down to the last non-empty level; waits.
  virtual Status CompactRange(std::string_view begin, std::string_view end) = 0;
  // Properties: "kv.stats" (text summary), "kv.num-files-at-level<N>",
  // "kv.sstables", "kv.approximate-memory-usage", "kv.block-cache-usage",
  // "kv.stall-micros", "kv.last-sequence"; tiered stores also
  // "kv.tier-stats" (one line of key=value fields). False if unknown.
  virtual bool GetProperty(std::string_view name, std::string* value) = 0;
};

}  // namespace syskit::kv
