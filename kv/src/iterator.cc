#include "iterator.h"

#include <string>

#include "format.h"

namespace syskit::kv {
namespace {

// Linear-scan merge: the number of children (memtables + L0 files + one per
// level) is small, so a heap buys little. As in LevelDB, moving forward keeps
// every child at or after the current key, moving backward at or before it;
// a change of direction repositions the other children.
class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> children)
      : children_(std::move(children)) {}
  bool Valid() const override { return current_ != nullptr && status_.ok(); }
  void SeekToFirst() override {
    for (auto& child : children_) child->SeekToFirst();
    forward_ = true;
    FindSmallest();
  }
  void Seek(std::string_view ikey) override {
    for (auto& child : children_) child->Seek(ikey);
    forward_ = true;
    FindSmallest();
  }
  void SeekToLast() override {
    for (auto& child : children_) child->SeekToLast();
    forward_ = false;
    FindLargest();
  }
  void Next() override {
    if (!forward_) {
      // Children other than current_ are before key(): move each to the
      // first entry after it.
      const std::string key(current_->key());
      for (auto& child : children_) {
        if (child.get() == current_) continue;
        child->Seek(key);
        if (child->Valid() && CompareInternalKey(child->key(), key) == 0) child->Next();
      }
      forward_ = true;
    }
    current_->Next();
    FindSmallest();
  }
  void Prev() override {
    if (forward_) {
      // Children other than current_ are after key(): move each to the last
      // entry before it.
      const std::string key(current_->key());
      for (auto& child : children_) {
        if (child.get() == current_) continue;
        child->Seek(key);
        if (child->Valid()) {
          child->Prev();
        } else if (child->status().ok()) {
          child->SeekToLast();
        }
      }
      forward_ = false;
    }
    current_->Prev();
    FindLargest();
  }
  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }
  Status status() const override { return status_; }

 private:
  // False (and current_ null) when a child failed.
  bool CheckChildren() {
    for (auto& child : children_) {
      if (!child->status().ok()) {
        status_ = child->status();
        current_ = nullptr;
        return false;
      }
    }
    return true;
  }
  void FindSmallest() {
    current_ = nullptr;
    if (!CheckChildren()) return;
    for (auto& child : children_) {
      if (!child->Valid()) continue;
      if (current_ == nullptr || CompareInternalKey(child->key(), current_->key()) < 0) {
        current_ = child.get();
      }
    }
  }
  // On equal keys the earlier child wins in both directions.
  void FindLargest() {
    current_ = nullptr;
    if (!CheckChildren()) return;
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      if (!(*it)->Valid()) continue;
      if (current_ == nullptr || CompareInternalKey((*it)->key(), current_->key()) >= 0) {
        current_ = it->get();
      }
    }
  }

  std::vector<std::unique_ptr<InternalIterator>> children_;
  InternalIterator* current_ = nullptr;
  bool forward_ = true;
  Status status_;
};

}  // namespace

void SeekForPrev(InternalIterator* it, std::string_view ikey) {
  it->Seek(ikey);
  if (it->Valid()) {
    if (CompareInternalKey(it->key(), ikey) > 0) it->Prev();
  } else if (it->status().ok()) {
    it->SeekToLast();
  }
}

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace syskit::kv
