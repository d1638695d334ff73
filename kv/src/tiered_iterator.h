// Snapshots and iterators of the tiered store: a snapshot is a copy of the
// fast tier's index (its entries keep their segment files alive) plus a
// slow-tier snapshot at the same sequence; the iterator merges the two, the
// fast tier's entry winning on equal keys and its tombstones hiding keys.
#pragma once

#include <memory>
#include <string>

#include "db_impl.h"
#include "fast_store.h"

namespace syskit::kv {

class TieredSnapshot : public Snapshot {
 public:
  TieredSnapshot(uint64_t sequence, std::shared_ptr<const FastStore::Index> index_copy,
                 const Snapshot* slow_snapshot)
      : Snapshot(sequence), index(std::move(index_copy)), slow(slow_snapshot) {}
  const std::shared_ptr<const FastStore::Index> index;
  const Snapshot* const slow;
};

class TieredIterator final : public Iterator {
 public:
  // `owner`/`own_snapshot`: a snapshot taken for this iterator alone, released
  // with it (nullptr when the caller's).
  TieredIterator(const FastStore* fast, std::shared_ptr<const FastStore::Index> index,
                 std::unique_ptr<Iterator> slow, DB* owner, const Snapshot* own_snapshot,
                 bool fill_cache)
      : fast_(fast),
        fill_cache_(fill_cache),
        index_(std::move(index)),
        slow_(std::move(slow)),
        owner_(owner),
        own_snapshot_(own_snapshot),
        it_(index_->end()) {}
  ~TieredIterator() override {
    slow_.reset();
    if (owner_ != nullptr) owner_->ReleaseSnapshot(own_snapshot_);
  }

  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    it_ = index_->begin();
    slow_->SeekToFirst();
    forward_ = true;
    SkipForward();
  }
  void SeekToLast() override {
    it_ = index_->empty() ? index_->end() : std::prev(index_->end());
    slow_->SeekToLast();
    forward_ = false;
    SkipBackward();
  }
  void Seek(std::string_view target) override {
    it_ = index_->lower_bound(target);
    slow_->Seek(target);
    forward_ = true;
    SkipForward();
  }
  void SeekForPrev(std::string_view target) override {
    it_ = index_->upper_bound(target);
    FastPrev();
    slow_->SeekForPrev(target);
    forward_ = false;
    SkipBackward();
  }
  void Next() override {
    if (!forward_) Seek(std::string(key()));  // re-position both sources at the current key
    if (!valid_) return;
    if (from_fast_) {
      ++it_;
    } else {
      slow_->Next();
    }
    SkipForward();
  }
  void Prev() override {
    if (forward_) SeekForPrev(std::string(key()));
    if (!valid_) return;
    if (from_fast_) {
      FastPrev();
    } else {
      slow_->Prev();
    }
    SkipBackward();
  }
  std::string_view key() const override {
    return from_fast_ ? std::string_view(it_->first) : slow_->key();
  }
  std::string_view value() const override {
    return from_fast_ ? std::string_view(value_) : slow_->value();
  }
  Status status() const override { return status_.ok() ? slow_->status() : status_; }

 private:
  void FastPrev() {
    if (it_ == index_->begin()) {
      it_ = index_->end();
    } else {
      --it_;
    }
  }
  // Forward: the current entry is the smaller of the two sources' keys; an
  // equal slow key is shadowed and skipped; fast tombstones are skipped.
  void SkipForward() {
    while (true) {
      const bool fast = it_ != index_->end(), slow = slow_->Valid();
      if (!fast && !slow) return Settle(false, false);
      if (fast && (!slow || std::string_view(it_->first) <= slow_->key())) {
        if (slow && std::string_view(it_->first) == slow_->key()) slow_->Next();
        if (it_->second.type == kTypeDeletion) {
          ++it_;
          continue;
        }
        return Settle(true, true);
      }
      return Settle(true, false);
    }
  }
  void SkipBackward() {
    while (true) {
      const bool fast = it_ != index_->end(), slow = slow_->Valid();
      if (!fast && !slow) return Settle(false, false);
      if (fast && (!slow || std::string_view(it_->first) >= slow_->key())) {
        if (slow && std::string_view(it_->first) == slow_->key()) slow_->Prev();
        if (it_->second.type == kTypeDeletion) {
          FastPrev();
          continue;
        }
        return Settle(true, true);
      }
      return Settle(true, false);
    }
  }
  void Settle(bool valid, bool from_fast) {
    valid_ = valid;
    from_fast_ = from_fast;
    if (valid && from_fast) {
      Status s = fast_->ReadValueCached(it_->second, &value_, fill_cache_);
      if (!s.ok()) {
        status_ = s;
        valid_ = false;
      }
    }
  }

  const FastStore* fast_;
  const bool fill_cache_;
  std::shared_ptr<const FastStore::Index> index_;
  std::unique_ptr<Iterator> slow_;
  DB* owner_;
  const Snapshot* own_snapshot_;
  FastStore::Index::const_iterator it_;
  bool valid_ = false, from_fast_ = false, forward_ = true;
  std::string value_;
  Status status_;
};

}  // namespace syskit::kv
