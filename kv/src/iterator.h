// Internal iterators over internal keys (format.h), both directions, and the
// merging iterator that combines memtables and table files in key order.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "syskit/core/status.h"

namespace syskit::kv {

class InternalIterator {
 public:
  virtual ~InternalIterator() = default;
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void Seek(std::string_view ikey) = 0;  // first entry >= ikey
  virtual void SeekToLast() = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;                   // Valid() must be true; invalid before the first entry
  virtual std::string_view key() const = 0;  // internal key
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
};

// Positions `it` at the last entry <= ikey (invalid if there is none).
void SeekForPrev(InternalIterator* it, std::string_view ikey);

// Yields the union of `children` in internal-key order; on equal keys the
// earlier child first. Stops (Valid() false) with the first child error.
std::unique_ptr<InternalIterator> NewMergingIterator(
    std::vector<std::unique_ptr<InternalIterator>> children);

}  // namespace syskit::kv
