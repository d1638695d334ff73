// MemTable: the in-memory write buffer, a skiplist (Pugh 1990) of entries
// allocated from an arena, in the manner of LevelDB.
//
// Concurrency invariant: one writer at a time (the group-commit leader holds
// the write queue) inserts, while any number of readers traverse without
// locks. A node is fully initialised before it is published with a release
// store into its predecessors' next pointers; readers load with acquire.
//
// Entry layout in the arena: varint32 internal key length | internal key |
// varint32 value length | value.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "format.h"
#include "iterator.h"
#include "syskit/core/random.h"
#include "syskit/core/status.h"

namespace syskit::kv {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;
  char* Allocate(size_t bytes);  // 8-byte aligned
  size_t MemoryUsage() const { return usage_.load(std::memory_order_relaxed); }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  char* ptr_ = nullptr;
  size_t remaining_ = 0;
  std::atomic<size_t> usage_{0};
};

class MemTable {
 public:
  MemTable();
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // Single writer only (see above).
  void Add(uint64_t seq, ValueType type, std::string_view key, std::string_view value);
  // Newest version of `key` visible at `seq`: true with *deleted set when the
  // memtable decides the answer.
  bool Get(std::string_view key, uint64_t seq, std::string* value, bool* deleted) const;
  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }
  uint64_t num_entries() const { return entries_.load(std::memory_order_relaxed); }
  // Iterates internal keys; the memtable must outlive it.
  std::unique_ptr<InternalIterator> NewIterator() const;

 private:
  static constexpr int kMaxHeight = 12;
  struct Node {
    const char* entry;
    std::atomic<Node*> next[1];  // really `height` entries
    Node* Next(int level) const { return next[level].load(std::memory_order_acquire); }
  };
  friend class MemTableIterator;

  Node* NewNode(const char* entry, int height);
  int RandomHeight();
  // First node with key >= ikey; fills prev[] when non-null.
  Node* FindGreaterOrEqual(std::string_view ikey, Node** prev) const;
  // Last node with key < ikey, or nullptr.
  Node* FindLessThan(std::string_view ikey) const;
  Node* FindLast() const;  // nullptr when empty
  static std::string_view EntryKey(const char* entry);

  Arena arena_;
  Node* head_;
  std::atomic<int> max_height_{1};
  std::atomic<uint64_t> entries_{0};
  Random rng_{0x5eed};
};

}  // namespace syskit::kv
