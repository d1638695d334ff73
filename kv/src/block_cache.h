// BlockCache: a fixed-capacity LRU cache of decoded table blocks, keyed by
// (file number, block offset), charged by block bytes plus a fixed entry
// overhead, split into 16 shards
// each with its own mutex so concurrent readers rarely contend. Each shard is
// one hash map whose nodes carry the LRU links (one allocation and one
// pointer chase per lookup), and evicted blocks are freed after the shard's
// mutex is released.
//
// Blocks of a deleted table are not erased eagerly: file numbers are never
// reused, so nobody looks them up again and they age out of the LRU tail (as
// in LevelDB and RocksDB). Erasing them meant walking every shard's list under
// its mutex for each obsolete file, which blocked readers during compactions.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace syskit::kv {

class BlockCache {
 public:
  explicit BlockCache(size_t capacity_bytes);
  // The cached block or nullptr.
  std::shared_ptr<const std::string> Lookup(uint64_t file, uint64_t offset);
  void Insert(uint64_t file, uint64_t offset, std::shared_ptr<const std::string> block);
  size_t usage() const;
  size_t capacity() const { return capacity_; }
  uint64_t hits() const;
  uint64_t misses() const;

 private:
  static constexpr int kShards = 16;
  // An entry's charge: its bytes plus a fixed 96 for the map node, list
  // links and shared block (an estimate on the low side: they cost nearer
  // 150), so small entries (fast-tier values) still count.
  static size_t Charge(const std::string& block) { return block.size() + 96; }
  struct Key {
    uint64_t file, offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const { return k.file * 0x9e3779b97f4a7c15ULL ^ k.offset; }
  };
  struct Entry {
    std::shared_ptr<const std::string> block;
    Entry* prev = nullptr;  // LRU list: prev towards the most recently used
    Entry* next = nullptr;
    const Key* key = nullptr;  // the map's copy, for eviction
  };
  struct Shard {
    Shard();
    void Unlink(Entry* e);
    void PushFront(Entry* e);
    mutable std::mutex mu;
    Entry head;  // sentinel: head.next is the most, head.prev the least recently used
    std::unordered_map<Key, Entry, KeyHash> map;  // node-based: entries never move
    size_t usage = 0;
    uint64_t hits = 0, misses = 0;
  };
  Shard& ShardFor(const Key& key) { return shards_[KeyHash()(key) % kShards]; }

  const size_t capacity_;
  Shard shards_[kShards];
};

}  // namespace syskit::kv
