#include "format.h"
#include "syskit/kv/db.h"

namespace syskit::kv {

namespace {
constexpr size_t kBatchHeader = 12;  // fixed64 sequence | fixed32 count
}

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() { rep_.assign(kBatchHeader, '\0'); }

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }

static void SetCount(std::string* rep, uint32_t count) { std::memcpy(rep->data() + 8, &count, 4); }

void WriteBatch::Put(std::string_view key, std::string_view value) {
  SetCount(&rep_, Count() + 1);
  rep_.push_back(static_cast<char>(kTypeValue));
  PutLengthPrefixed(&rep_, key);
  PutLengthPrefixed(&rep_, value);
}

void WriteBatch::Delete(std::string_view key) {
  SetCount(&rep_, Count() + 1);
  rep_.push_back(static_cast<char>(kTypeDeletion));
  PutLengthPrefixed(&rep_, key);
}

void WriteBatch::Append(const WriteBatch& other) {
  SetCount(&rep_, Count() + other.Count());
  rep_.append(other.rep_, kBatchHeader);
}

}  // namespace syskit::kv
