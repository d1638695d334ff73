#include "memtable.h"

#include <new>

namespace syskit::kv {

char* Arena::Allocate(size_t bytes) {
  bytes = (bytes + 7) & ~size_t{7};
  if (bytes > remaining_) {
    if (bytes > 1024) {  // large entries get their own allocation
      blocks_.push_back(std::make_unique<char[]>(bytes));
      usage_.fetch_add(bytes, std::memory_order_relaxed);
      return blocks_.back().get();
    }
    constexpr size_t kBlock = 4096;
    blocks_.push_back(std::make_unique<char[]>(kBlock));
    usage_.fetch_add(kBlock, std::memory_order_relaxed);
    ptr_ = blocks_.back().get();
    remaining_ = kBlock;
  }
  char* result = ptr_;
  ptr_ += bytes;
  remaining_ -= bytes;
  return result;
}

MemTable::MemTable() { head_ = NewNode(nullptr, kMaxHeight); }

MemTable::Node* MemTable::NewNode(const char* entry, int height) {
  char* mem = arena_.Allocate(sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1));
  Node* node = new (mem) Node;
  node->entry = entry;
  for (int level = 0; level < height; ++level) {
    new (&node->next[level]) std::atomic<Node*>(nullptr);
  }
  return node;
}

int MemTable::RandomHeight() {
  int height = 1;
  while (height < kMaxHeight && rng_.Uniform(4) == 0) ++height;
  return height;
}

std::string_view MemTable::EntryKey(const char* entry) {
  std::string_view in(entry, 5);
  uint32_t len = 0;
  GetVarint32(&in, &len);
  return std::string_view(in.data(), len);
}

MemTable::Node* MemTable::FindGreaterOrEqual(std::string_view ikey, Node** prev) const {
  Node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr && CompareInternalKey(EntryKey(next->entry), ikey) < 0) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      --level;
    }
  }
}

MemTable::Node* MemTable::FindLessThan(std::string_view ikey) const {
  // The same descent as FindGreaterOrEqual; its level-0 predecessor is the
  // last node below ikey.
  Node* prev[kMaxHeight];
  FindGreaterOrEqual(ikey, prev);
  return prev[0] == head_ ? nullptr : prev[0];
}

MemTable::Node* MemTable::FindLast() const {
  Node* x = head_;
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  while (true) {
    Node* next = x->Next(level);
    if (next != nullptr) {
      x = next;
    } else {
      if (level == 0) return x == head_ ? nullptr : x;
      --level;
    }
  }
}

void MemTable::Add(uint64_t seq, ValueType type, std::string_view key, std::string_view value) {
  std::string header;
  PutVarint32(&header, static_cast<uint32_t>(key.size() + 8));
  const size_t value_len_pos = header.size() + key.size() + 8;
  std::string value_len;
  PutVarint32(&value_len, static_cast<uint32_t>(value.size()));
  const size_t total = value_len_pos + value_len.size() + value.size();
  char* entry = arena_.Allocate(total);
  char* p = entry;
  std::memcpy(p, header.data(), header.size());
  p += header.size();
  std::memcpy(p, key.data(), key.size());
  p += key.size();
  const uint64_t tag = PackTag(seq, type);
  std::memcpy(p, &tag, 8);
  p += 8;
  std::memcpy(p, value_len.data(), value_len.size());
  p += value_len.size();
  std::memcpy(p, value.data(), value.size());

  Node* prev[kMaxHeight];
  const std::string_view ikey(entry + header.size(), key.size() + 8);
  FindGreaterOrEqual(ikey, prev);
  const int height = RandomHeight();
  const int max_height = max_height_.load(std::memory_order_relaxed);
  if (height > max_height) {
    for (int level = max_height; level < height; ++level) prev[level] = head_;
    max_height_.store(height, std::memory_order_relaxed);
  }
  Node* node = NewNode(entry, height);
  for (int level = 0; level < height; ++level) {
    node->next[level].store(prev[level]->next[level].load(std::memory_order_relaxed),
                            std::memory_order_relaxed);
    prev[level]->next[level].store(node, std::memory_order_release);
  }
  entries_.fetch_add(1, std::memory_order_relaxed);
}

static std::string_view EntryValue(const char* entry) {
  std::string_view in(entry, 5);
  uint32_t key_len = 0;
  GetVarint32(&in, &key_len);
  std::string_view rest(in.data() + key_len, 5);
  uint32_t value_len = 0;
  GetVarint32(&rest, &value_len);
  return std::string_view(rest.data(), value_len);
}

bool MemTable::Get(std::string_view key, uint64_t seq, std::string* value, bool* deleted) const {
  std::string lookup;
  AppendInternalKey(&lookup, key, seq, kTypeValue);
  Node* node = FindGreaterOrEqual(lookup, nullptr);
  if (node == nullptr) return false;
  const std::string_view found = EntryKey(node->entry);
  if (ExtractUserKey(found) != key) return false;
  *deleted = ExtractType(found) == kTypeDeletion;
  if (!*deleted) value->assign(EntryValue(node->entry));
  return true;
}

class MemTableIterator final : public InternalIterator {
 public:
  explicit MemTableIterator(const MemTable* table) : table_(table) {}
  bool Valid() const override { return node_ != nullptr; }
  void SeekToFirst() override { node_ = table_->head_->Next(0); }
  void Seek(std::string_view ikey) override { node_ = table_->FindGreaterOrEqual(ikey, nullptr); }
  void SeekToLast() override { node_ = table_->FindLast(); }
  void Next() override { node_ = node_->Next(0); }
  // No back pointers: a search for the last node before this one (LevelDB).
  void Prev() override { node_ = table_->FindLessThan(key()); }
  std::string_view key() const override { return MemTable::EntryKey(node_->entry); }
  std::string_view value() const override { return EntryValue(node_->entry); }
  Status status() const override { return Status::OK(); }

 private:
  const MemTable* table_;
  MemTable::Node* node_ = nullptr;
};

std::unique_ptr<InternalIterator> MemTable::NewIterator() const {
  return std::make_unique<MemTableIterator>(this);
}

}  // namespace syskit::kv
