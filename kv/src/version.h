// Versions: the set of live table files per level, and the version edits
// that the manifest records.
//
// Level 0 holds memtable flushes, which may overlap; levels 1..6 hold sorted,
// non-overlapping files, and a user key lives in at most one file per level
// (compaction never splits one user key's versions across output files).
// A Version is immutable once built and shared (shared_ptr) by readers, so an
// iterator keeps its files alive; a file removed by an edit is marked
// obsolete and deleted when the last Version holding it goes away.
//
// Manifest record (one per edit, in the WAL record format): a sequence of
// fields `varint tag | payload`: 1 log number, 2 next file number, 3 last
// sequence (varints); 4 deleted file (varint level, varint number); 5 added
// file (varint level, varint number, varint size, length-prefixed smallest
// and largest internal keys, varint tier); 6 ingest id (varint: the last
// batch installed by DBImpl::Ingest, for the tiered store's recovery).
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "block_cache.h"
#include "iterator.h"
#include "table.h"

namespace syskit::kv {

inline constexpr int kNumLevels = 7;

struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  std::string smallest, largest;  // internal keys
  uint8_t tier = 0;

  // Runtime state.
  Env* env = nullptr;
  std::string path;
  BlockCache* cache = nullptr;
  std::atomic<bool> obsolete{false};

  FileMetaData() = default;
  FileMetaData(const FileMetaData&) = delete;
  ~FileMetaData();
  // The opened table, opened on first use and kept while the file is live.
  Result<std::shared_ptr<Table>> GetTable() const;

 private:
  mutable std::mutex open_mu_;
  mutable std::shared_ptr<Table> table_;
};
using FilePtr = std::shared_ptr<FileMetaData>;

struct NewFile {
  int level = 0;
  uint64_t number = 0, file_size = 0;
  std::string smallest, largest;
  uint8_t tier = 0;
};

struct VersionEdit {
  std::optional<uint64_t> log_number, next_file_number, last_sequence, ingest_id;
  std::vector<std::pair<int, uint64_t>> deleted;
  std::vector<NewFile> added;

  void Encode(std::string* dst) const;
  Status Decode(std::string_view src);
};

struct Version {
  std::array<std::vector<FilePtr>, kNumLevels> files;

  // Looks `lookup_ikey` up level by level; *found when some file decides.
  Status Get(std::string_view lookup_ikey, bool fill_cache, std::string* value, bool* found,
             bool* deleted) const;
  // Iterators over every file; this Version must outlive them.
  void AddIterators(bool fill_cache, std::vector<std::unique_ptr<InternalIterator>>* out) const;
  // Files of `level` whose user-key range intersects [begin, end] (empty = unbounded).
  std::vector<FilePtr> Overlapping(int level, std::string_view begin, std::string_view end) const;
  uint64_t LevelBytes(int level) const;
  int NumFiles(int level) const { return static_cast<int>(files[level].size()); }
};

// The version after applying `edit` to `base`; deleted files (not re-added
// elsewhere, as in a trivial move) are marked obsolete by MarkObsolete.
std::shared_ptr<const Version> ApplyEdit(const Version& base, const VersionEdit& edit, Env* env,
                                         const std::string& dir, BlockCache* cache);
void MarkObsolete(const Version& base, const VersionEdit& edit);

}  // namespace syskit::kv
