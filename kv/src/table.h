// Sorted table files (SSTables): immutable, written once by TableBuilder and
// read by Table.
//
// File layout:
//   data block 0 | ... | data block n-1 | filter block | index block | footer
// Block (data and index): entries `varint32 key length | varint32 value
// length | key | value`, then fixed32 offset of every entry, then fixed32
// entry count. A data block may be stored compressed (CompressionType:
// 1 = Snappy, 2 = LZ4 with a varint32 raw-size prefix, 3 = Zstandard frame);
// index and filter blocks never are. On disk every block is followed by a
// trailer `u8 compression (0 = none) | fixed32 checksum` over the stored
// bytes and the compression byte; block handles give the stored size.
// Index block: one entry per data block, key = the block's last internal key,
// value = varint64 offset | varint64 size (contents, without trailer).
// Filter block: a Bloom filter over the file's user keys (bits, then u8 probe
// count), same trailer.
// Footer (64 bytes): fixed64 filter offset, filter size, index offset, index
// size, entry count, whole-file checksum (XXH3-64 of every byte before the
// footer) | u8 tier | 3 pad bytes | fixed32 checksum of the preceding 52
// bytes | fixed64 magic.
#pragma once

#include <xxhash.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "block_cache.h"
#include "iterator.h"
#include "syskit/core/env.h"
#include "syskit/kv/db.h"

namespace syskit::kv {

inline constexpr size_t kFooterSize = 64;
inline constexpr uint64_t kTableMagic = 0x7379736b69746b76ULL;  // "vktiksys"
inline constexpr size_t kBlockTrailerSize = 5;

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

class TableBuilder {
 public:
  TableBuilder(std::unique_ptr<WritableFile> file, size_t block_size, int bloom_bits_per_key,
               uint8_t tier, CompressionType compression);
  ~TableBuilder();
  // Keys must arrive in increasing internal-key order.
  Status Add(std::string_view ikey, std::string_view value);
  // Writes filter, index and footer, syncs and closes the file.
  Status Finish();
  uint64_t file_size() const { return offset_; }
  uint64_t num_entries() const { return num_entries_; }
  // Bytes written so far plus the pending block.
  uint64_t EstimatedSize() const { return offset_ + block_.size(); }
  const std::string& smallest() const { return smallest_; }
  const std::string& largest() const { return last_key_; }

 private:
  Status FlushBlock();
  // Compresses data blocks with compression_ when that saves space.
  Status WriteBlock(std::string contents, bool data_block, BlockHandle* handle);
  Status Write(std::string_view data);

  std::unique_ptr<WritableFile> file_;
  const size_t block_size_;
  const int bloom_bits_;
  const uint8_t tier_;
  const CompressionType compression_;
  std::string compressed_;  // scratch for WriteBlock
  XXH3_state_t* hash_state_;
  uint64_t offset_ = 0;
  uint64_t num_entries_ = 0;
  std::string block_;
  std::vector<uint32_t> block_offsets_;
  std::string index_;
  std::vector<uint32_t> index_offsets_;
  std::vector<uint64_t> key_hashes_;
  std::string smallest_, last_key_;
};

// A problem found by Table::Verify.
struct TableDamage {
  std::string path;
  std::string what;       // e.g. "block at offset 4096 (size 4031): checksum mismatch"
  std::string first_key;  // user-key range the damaged block covers ("" = unknown)
  std::string last_key;
};

class Table {
 public:
  // Opens and validates the footer, index and filter. Corruption names the file.
  static Result<std::unique_ptr<Table>> Open(Env* env, const std::string& path,
                                             uint64_t file_number, BlockCache* cache);
  // Finds the first entry >= lookup_ikey whose user key equals the lookup's;
  // calls found(ikey, value) for it. OK when absent; Corruption on bad blocks.
  Status Get(std::string_view lookup_ikey, bool fill_cache,
             const std::function<void(std::string_view, std::string_view)>& found) const;
  std::unique_ptr<InternalIterator> NewIterator(bool fill_cache) const;
  // Checks the whole-file checksum and every block; appends what is wrong.
  void Verify(std::vector<TableDamage>* damage) const;
  uint64_t num_entries() const { return num_entries_; }
  // False when the Bloom filter rules `user_key` out.
  bool MayContain(std::string_view user_key) const;
  uint8_t tier() const { return tier_; }
  const std::string& path() const { return file_->path(); }

  // Reads and checksums the block at `handle` (through the cache).
  // skip_cache reads the file even when the block is cached (Verify).
  Result<std::shared_ptr<const std::string>> ReadBlock(const BlockHandle& handle, bool fill_cache,
                                                       bool skip_cache = false) const;
  size_t num_blocks() const { return index_entries_.size(); }
  BlockHandle block_handle(size_t index) const { return index_entries_[index].handle; }
  std::string_view block_last_key(size_t index) const {
    const IndexEntry& entry = index_entries_[index];
    return {index_keys_.data() + entry.key_offset, entry.key_size};
  }

 private:
  struct IndexEntry {
    uint32_t key_offset, key_size;  // the block's last internal key, in index_keys_
    BlockHandle handle;
  };
  Table() = default;

  std::unique_ptr<RandomAccessFile> file_;
  uint64_t file_number_ = 0;
  uint64_t file_size_ = 0;
  BlockCache* cache_ = nullptr;
  std::vector<IndexEntry> index_entries_;
  std::string index_keys_;  // index keys back to back: a binary search touches no other heap
                            // object
  std::string filter_;
  uint64_t num_entries_ = 0;
  uint64_t file_checksum_ = 0;
  uint8_t tier_ = 0;
};

}  // namespace syskit::kv
