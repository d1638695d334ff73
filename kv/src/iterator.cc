#include "iterator.h"

#include "format.h"

namespace syskit::kv {
namespace {

// Linear-scan merge: the number of children (memtables + L0 files + one per
// level) is small, so a heap buys little.
class MergingIterator final : public InternalIterator {
 public:
  explicit MergingIterator(std::vector<std::unique_ptr<InternalIterator>> children)
      : children_(std::move(children)) {}
  bool Valid() const override { return current_ != nullptr && status_.ok(); }
  void SeekToFirst() override {
    for (auto& child : children_) child->SeekToFirst();
    FindSmallest();
  }
  void Seek(std::string_view ikey) override {
    for (auto& child : children_) child->Seek(ikey);
    FindSmallest();
  }
  void Next() override {
    current_->Next();
    FindSmallest();
  }
  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }
  Status status() const override { return status_; }

 private:
  void FindSmallest() {
    current_ = nullptr;
    for (auto& child : children_) {
      if (!child->status().ok()) {
        status_ = child->status();
        current_ = nullptr;
        return;
      }
      if (!child->Valid()) continue;
      if (current_ == nullptr || CompareInternalKey(child->key(), current_->key()) < 0) {
        current_ = child.get();
      }
    }
  }

  std::vector<std::unique_ptr<InternalIterator>> children_;
  InternalIterator* current_ = nullptr;
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children) {
  return std::make_unique<MergingIterator>(std::move(children));
}

}  // namespace syskit::kv
