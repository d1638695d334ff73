// DBImpl read path: point lookups, the user-visible iterator over the merged
// sources, and snapshots.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "db_impl.h"
#include "format.h"

namespace syskit::kv {

DBImpl::ReadView DBImpl::AcquireReadView(const ReadOptions& options) {
  std::lock_guard<std::mutex> guard(mu_);
  return {mem_, imm_, current_,
          options.snapshot != nullptr ? options.snapshot->sequence() : last_sequence_};
}

Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  auto [mem, imm, version, seq] = AcquireReadView(options);
  bool deleted = false;
  if (mem->Get(key, seq, value, &deleted) ||
      (imm != nullptr && imm->Get(key, seq, value, &deleted))) {
    if (deleted) return NotFoundError("key not found");
    if (tracker_ != nullptr) tracker_->Touch(key);
    return Status::OK();
  }
  std::string lookup;
  AppendInternalKey(&lookup, key, seq, kTypeValue);
  bool found = false;
  SYSKIT_RETURN_IF_ERROR(version->Get(lookup, options.fill_cache, value, &found, &deleted));
  if (!found || deleted) return NotFoundError("key not found");
  // Popularity counts successful reads only (writes are not accesses).
  if (tracker_ != nullptr) tracker_->Touch(key);
  return Status::OK();
}

namespace {

// Turns internal entries into the user view at one sequence: the newest
// visible version of each key, tombstoned keys hidden. Both directions, as in
// LevelDB's DBIter: moving forward, it_ sits on the entry that yields key_
// (value_ is a view into it); moving backward, it_ sits just before every
// entry of key_ and the value is copied into saved_value_.
class DBIter final : public Iterator {
 public:
  DBIter(std::unique_ptr<InternalIterator> it, uint64_t seq, std::shared_ptr<MemTable> mem,
         std::shared_ptr<MemTable> imm, std::shared_ptr<const Version> version)
      : mem_(std::move(mem)),
        imm_(std::move(imm)),
        version_(std::move(version)),
        it_(std::move(it)),
        seq_(seq) {}
  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    forward_ = true;
    it_->SeekToFirst();
    FindNext(false);
  }
  void Seek(std::string_view target) override {
    forward_ = true;
    std::string lookup;
    AppendInternalKey(&lookup, target, seq_, kTypeValue);
    it_->Seek(lookup);
    FindNext(false);
  }
  void SeekToLast() override {
    forward_ = false;
    it_->SeekToLast();
    FindPrev();
  }
  void SeekForPrev(std::string_view target) override {
    forward_ = false;
    // Sequence 0 sorts after every other version of `target`.
    std::string lookup;
    AppendInternalKey(&lookup, target, 0, kTypeDeletion);
    kv::SeekForPrev(it_.get(), lookup);
    FindPrev();
  }
  void Next() override {
    if (!forward_) {
      // it_ is before the entries of key_ (or invalid at the start): step
      // into them; FindNext then skips them.
      forward_ = true;
      if (it_->Valid()) {
        it_->Next();
      } else if (it_->status().ok()) {
        it_->SeekToFirst();
      }
    } else {
      it_->Next();
    }
    FindNext(true);
  }
  void Prev() override {
    if (forward_) {
      // it_ is on an entry of key_: back up past all of them.
      forward_ = false;
      do {
        it_->Prev();
      } while (it_->Valid() && ExtractUserKey(it_->key()).compare(key_) >= 0);
    }
    FindPrev();
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return it_->status(); }

 private:
  // With `skipping`, entries of key_ (older versions) are skipped first.
  void FindNext(bool skipping) {
    valid_ = false;
    for (; it_->Valid(); it_->Next()) {
      const std::string_view ikey = it_->key();
      if (ExtractSequence(ikey) > seq_) continue;
      const std::string_view user_key = ExtractUserKey(ikey);
      if (skipping && user_key.compare(key_) <= 0) continue;
      key_.assign(user_key);
      skipping = true;
      if (ExtractType(ikey) == kTypeDeletion) continue;
      value_ = it_->value();  // valid until it_ moves, i.e. until our next move
      valid_ = true;
      return;
    }
  }
  // Walks back over the entries of the previous user key (oldest version
  // first), keeping the newest visible one; a key whose newest visible
  // version is a tombstone is passed over.
  void FindPrev() {
    valid_ = false;
    bool have = false;  // key_/saved_value_ hold a live (non-deleted) candidate
    for (; it_->Valid(); it_->Prev()) {
      const std::string_view ikey = it_->key();
      if (ExtractSequence(ikey) > seq_) continue;
      const std::string_view user_key = ExtractUserKey(ikey);
      if (have && user_key.compare(key_) < 0) break;  // an older key: key_ is final
      if (ExtractType(ikey) == kTypeDeletion) {
        have = false;
      } else {
        key_.assign(user_key);
        saved_value_.assign(it_->value());
        have = true;
      }
    }
    if (have) {
      value_ = saved_value_;
      valid_ = true;
    }
  }

  // The sources are declared first so they outlive it_, which points into them.
  std::shared_ptr<MemTable> mem_, imm_;
  std::shared_ptr<const Version> version_;
  std::unique_ptr<InternalIterator> it_;
  const uint64_t seq_;
  bool valid_ = false;
  bool forward_ = true;
  std::string key_;
  std::string_view value_;
  std::string saved_value_;
};

}  // namespace

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  auto [mem, imm, version, seq] = AcquireReadView(options);
  std::vector<std::unique_ptr<InternalIterator>> children;
  children.push_back(mem->NewIterator());
  if (imm != nullptr) children.push_back(imm->NewIterator());
  version->AddIterators(options.fill_cache, &children);
  return std::make_unique<DBIter>(NewMergingIterator(std::move(children)), seq, mem, imm, version);
}

const Snapshot* DBImpl::GetSnapshot() {
  std::lock_guard<std::mutex> guard(mu_);
  snapshots_.insert(last_sequence_);
  return new Snapshot(last_sequence_);  // owned by the caller until ReleaseSnapshot
}

const Snapshot* DBImpl::GetSnapshotAt(uint64_t sequence) {
  std::lock_guard<std::mutex> guard(mu_);
  snapshots_.insert(sequence);
  return new Snapshot(sequence);
}

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    snapshots_.erase(snapshots_.find(snapshot->sequence()));
  }
  delete snapshot;
}

}  // namespace syskit::kv
