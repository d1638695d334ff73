// The fast tier of the tiered store (tiering.h, README "Tiering"): a
// log-structured object store on the fast device with an in-memory ordered
// index of every key it holds (PrismDB's slab store, in log form).
//
// Segment files `NNNNNN.fseg` hold records in the WAL record format
// (wal.h); a record's payload is `u8 kind` then
//   kind 1 (writes):   a WriteBatch encoding (fixed64 first sequence, ops);
//   kind 2 (demotion): fixed64 ingest id | varint count | count x
//                      (length-prefixed key, fixed64 sequence);
//   kind 3 (promoted): as kind 1, for a value copied up from the slow tier
//                      (a clean entry: demoting it again writes nothing).
// The index maps each key to its newest record (a value or a tombstone, which
// hides the slow tier's versions). Segments are reclaimed oldest first: the
// oldest segment's still-indexed entries are re-appended at the head (same
// sequence), the head synced, and the file unlinked with its directory
// synced. Because files leave the disk strictly oldest first, a dropped
// record can never let an older one resurface.
//
// Recovery replays the segments in order: a write record sets a key when its
// sequence is at least the indexed one; a demotion record erases the listed
// (key, sequence) pairs if its ingest id is one the slow tier's manifest has
// recorded (DBImpl::last_ingest_id); a later one is pending (the ingest did
// not finish) and the tiered store finishes it at open, under the same id,
// before starting new demotions, so ids stay contiguous and "recorded" means
// exactly "id <= the manifest's last ingest id".
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "block_cache.h"
#include "format.h"
#include "syskit/core/env.h"
#include "syskit/kv/db.h"
#include "wal.h"

namespace syskit::kv {

class FastStore {
 public:
  struct Segment {
    uint64_t number = 0;
    std::string path;
    Env* env = nullptr;
    std::unique_ptr<RandomAccessFile> file;  // stays readable after the file is unlinked
  };
  using SegmentPtr = std::shared_ptr<Segment>;

  struct Location {
    SegmentPtr segment;
    uint64_t offset = 0;        // record start in the segment
    uint32_t record_size = 0;   // header + payload
    uint32_t value_offset = 0;  // in the payload
    uint32_t value_size = 0;
    uint64_t sequence = 0;
    ValueType type = kTypeValue;
    bool clean = false;   // promoted and unchanged: the slow tier has this value
    uint32_t charge = 0;  // bytes counted as live for this entry
  };
  using Index = std::map<std::string, Location, std::less<>>;

  FastStore(Env* env, std::string dir, uint64_t segment_bytes);
  ~FastStore();

  // Replays the segments (see above) and starts a new head segment.
  // `completed_ingest` is the slow tier's last recorded ingest id.
  Status Recover(uint64_t completed_ingest);
  uint64_t max_sequence() const { return recovered_max_seq_; }
  uint64_t max_ingest_id() const { return recovered_max_ingest_; }
  // Demotion records whose ingest the slow tier never recorded (a crash or
  // an error between the record and the manifest edit), oldest first: the
  // caller must finish them (same ingest id) before any new demotion.
  struct PendingDemotion {
    uint64_t ingest_id = 0;
    std::vector<std::pair<std::string, uint64_t>> keys;
  };
  const std::vector<PendingDemotion>& pending() const { return pending_; }
  // The index entry of `key`; false when not indexed.
  bool Find(std::string_view key, Location* loc) const;

  // Appends `rep` (a WriteBatch encoding whose sequence is set) and indexes
  // its operations. Callers of the Append* and Sync calls hold
  // write_mutex().
  Status Append(const std::string& rep, bool sync, bool promoted = false);
  // Appends one clean operation unless `key` is indexed (promotion).
  Status AppendIfAbsent(std::string_view key, std::string_view value, uint64_t sequence);
  // Appends a demotion record and syncs.
  Status AppendDemotion(uint64_t ingest_id,
                        const std::vector<std::pair<std::string, uint64_t>>& keys);
  Status Sync();

  // Looks `key` up: *found when indexed; *type tells value or tombstone.
  Status Get(std::string_view key, std::string* value, bool* found, ValueType* type,
             uint64_t* sequence, bool fill_cache = true);
  // Reads the value of an entry (verifying the record checksum).
  Status ReadValue(const Location& loc, std::string* value) const;
  // ReadValue through the DRAM cache shared with the slow tier's blocks
  // (set_cache): values are cached by where their bytes sit (segment and
  // file offset of the value, unique per operation of a batch), which never
  // changes (a write or a reclaim makes a new location; segment numbers are
  // never reused), so no invalidation is needed; stale locations age out of
  // the LRU. Reads on behalf of users go here (`fill_cache` false: look up
  // only, as ReadOptions::fill_cache); migration and reclaim copies use
  // ReadValue and do not touch the cache.
  Status ReadValueCached(const Location& loc, std::string* value, bool fill_cache = true) const;
  void set_cache(BlockCache* cache) { cache_ = cache; }

  // Erases each (key, sequence) still indexed at that sequence.
  void Erase(const std::vector<std::pair<std::string, uint64_t>>& keys);
  // Copies the index entries in [begin, end) ("" end = unbounded).
  std::vector<std::pair<std::string, Location>> Range(std::string_view begin,
                                                      std::string_view end) const;
  // A copy of the whole index (iterators, snapshots).
  std::shared_ptr<const Index> CopyIndex() const;

  // Reclaims the oldest segment (not the head): re-appends its indexed
  // entries, syncs the head, deletes it. *freed = file bytes released.
  Status ReclaimOldest(uint64_t* freed, uint64_t* copied);
  // Live fraction of the oldest non-head segment (1 when there is none).
  double OldestLiveFraction() const;

  uint64_t file_bytes() const { return file_bytes_.load(); }
  uint64_t live_bytes() const { return live_bytes_.load(); }
  size_t num_keys() const;
  size_t num_segments() const;
  std::mutex& write_mutex() { return write_mu_; }

 private:
  // Index one write record (kind 1) appended at `offset` of `segment`.
  Status IndexWrites(const SegmentPtr& segment, uint64_t offset, std::string_view payload,
                     bool recovering);
  Status AppendRecord(const std::string& payload, uint64_t* offset, SegmentPtr* segment);
  Status AppendRecordUnchecked(const std::string& payload, uint64_t* offset, SegmentPtr* segment);
  Status NewHead();
  std::string SegmentName(uint64_t number) const;

  Env* const env_;
  const std::string dir_;
  const uint64_t segment_bytes_;
  std::mutex write_mu_;  // serialises appends (the head segment and its writer)
  std::unique_ptr<LogWriter> head_writer_;
  SegmentPtr head_;
  uint64_t next_segment_ = 1;
  mutable std::shared_mutex mu_;               // guards index_, segments_, per-segment live
  Index index_;                                // (mu_)
  std::map<uint64_t, SegmentPtr> segments_;    // (mu_) every segment, oldest first
  std::map<uint64_t, uint64_t> segment_live_;  // (mu_) live bytes per segment
  std::map<uint64_t, uint64_t> segment_size_;  // (mu_) file bytes per segment
  std::atomic<uint64_t> file_bytes_{0}, live_bytes_{0};
  uint64_t recovered_max_seq_ = 0, recovered_max_ingest_ = 0;
  std::vector<PendingDemotion> pending_;
  Status append_error_;          // (write_mu_) set by a failed append
  BlockCache* cache_ = nullptr;  // shared with the slow tier; may be null
};

}  // namespace syskit::kv
