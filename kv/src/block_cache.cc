#include "block_cache.h"

namespace syskit::kv {

BlockCache::Shard::Shard() { head.prev = head.next = &head; }

void BlockCache::Shard::Unlink(Entry* e) {
  e->prev->next = e->next;
  e->next->prev = e->prev;
}

void BlockCache::Shard::PushFront(Entry* e) {
  e->prev = &head;
  e->next = head.next;
  head.next->prev = e;
  head.next = e;
}

BlockCache::BlockCache(size_t capacity_bytes) : capacity_(capacity_bytes) {
  // Sized for one 4 KiB block per entry; smaller entries (the tiered store's
  // fast-tier values) make a shard's map grow and rehash under its mutex.
  for (Shard& shard : shards_) shard.map.reserve(capacity_ / kShards / 4096 + 16);
}

std::shared_ptr<const std::string> BlockCache::Lookup(uint64_t file, uint64_t offset) {
  const Key key{file, offset};
  Shard& shard = ShardFor(key);
  std::lock_guard<std::mutex> guard(shard.mu);
  auto it = shard.map.find(key);
  if (it == shard.map.end()) {
    ++shard.misses;
    return nullptr;
  }
  ++shard.hits;
  Entry* e = &it->second;
  shard.Unlink(e);
  shard.PushFront(e);
  return e->block;
}

void BlockCache::Insert(uint64_t file, uint64_t offset, std::shared_ptr<const std::string> block) {
  const Key key{file, offset};
  Shard& shard = ShardFor(key);
  const size_t shard_capacity = capacity_ / kShards;
  if (Charge(*block) > shard_capacity) return;
  std::vector<std::shared_ptr<const std::string>> evicted;  // freed after unlocking
  std::lock_guard<std::mutex> guard(shard.mu);
  auto [it, inserted] = shard.map.try_emplace(key);
  Entry* e = &it->second;
  if (inserted) {
    e->key = &it->first;
  } else {
    shard.usage -= Charge(*e->block);
    evicted.push_back(std::move(e->block));
    shard.Unlink(e);
  }
  shard.usage += Charge(*block);
  e->block = std::move(block);
  shard.PushFront(e);
  while (shard.usage > shard_capacity && shard.head.prev != &shard.head) {
    Entry* victim = shard.head.prev;
    shard.usage -= Charge(*victim->block);
    shard.Unlink(victim);
    evicted.push_back(std::move(victim->block));
    const Key victim_key = *victim->key;  // not a reference into the node being erased
    shard.map.erase(victim_key);
  }
}

size_t BlockCache::usage() const {
  size_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> guard(shard.mu);
    total += shard.usage;
  }
  return total;
}

uint64_t BlockCache::hits() const {
  uint64_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> guard(shard.mu);
    total += shard.hits;
  }
  return total;
}

uint64_t BlockCache::misses() const {
  uint64_t total = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard<std::mutex> guard(shard.mu);
    total += shard.misses;
  }
  return total;
}

}  // namespace syskit::kv
