#include "block_cache.h"

namespace syskit::kv {

BlockCache::BlockCache(size_t capacity_bytes) : capacity_(capacity_bytes) {}

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
  shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  return it->second->block;
}

void BlockCache::Insert(uint64_t file, uint64_t offset, std::shared_ptr<const std::string> block) {
  const Key key{file, offset};
  Shard& shard = ShardFor(key);
  const size_t shard_capacity = capacity_ / kShards;
  if (block->size() > shard_capacity) return;
  std::lock_guard<std::mutex> guard(shard.mu);
  auto it = shard.map.find(key);
  if (it != shard.map.end()) {
    shard.usage -= it->second->block->size();
    shard.lru.erase(it->second);
    shard.map.erase(it);
  }
  shard.usage += block->size();
  shard.lru.push_front({key, std::move(block)});
  shard.map[key] = shard.lru.begin();
  while (shard.usage > shard_capacity && !shard.lru.empty()) {
    shard.usage -= shard.lru.back().block->size();
    shard.map.erase(shard.lru.back().key);
    shard.lru.pop_back();
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
