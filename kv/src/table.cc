// Table files: see table.h for the layout. Bloom filter after Bloom (1970)
// with double hashing (Kirsch & Mitzenmacher 2006): probe i sets bit
// (h1 + i*h2) mod m.
#include "table.h"

#include <algorithm>
#include <cmath>

#include "compression.h"
#include "format.h"

namespace syskit::kv {
namespace {

// A parsed block's entry directory (see table.h).
class BlockView {
 public:
  // False if the contents are structurally invalid.
  bool Init(std::string_view contents) {
    if (contents.size() < 4) return false;
    count_ = DecodeFixed32(contents.data() + contents.size() - 4);
    if (count_ > (contents.size() - 4) / 4) return false;
    data_ = contents;
    offsets_ = contents.data() + contents.size() - 4 - 4 * size_t{count_};
    limit_ = static_cast<size_t>(offsets_ - contents.data());
    return true;
  }
  uint32_t count() const { return count_; }
  bool Entry(uint32_t i, std::string_view* key, std::string_view* value) const {
    const uint32_t off = DecodeFixed32(offsets_ + 4 * size_t{i});
    if (off >= limit_) return false;
    std::string_view in(data_.data() + off, limit_ - off);
    uint32_t klen, vlen;
    if (!GetVarint32(&in, &klen) || !GetVarint32(&in, &vlen) || in.size() < size_t{klen} + vlen) {
      return false;
    }
    *key = in.substr(0, klen);
    *value = in.substr(klen, vlen);
    return true;
  }
  // Index of the first entry with key >= ikey (count() if none); false on a
  // malformed entry.
  bool LowerBound(std::string_view ikey, uint32_t* index) const {
    uint32_t lo = 0, hi = count_;
    while (lo < hi) {
      const uint32_t mid = lo + (hi - lo) / 2;
      std::string_view key, value;
      if (!Entry(mid, &key, &value) || key.size() < 8) return false;
      if (CompareInternalKey(key, ikey) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    *index = lo;
    return true;
  }

 private:
  std::string_view data_;
  const char* offsets_ = nullptr;
  size_t limit_ = 0;
  uint32_t count_ = 0;
};

void AppendEntry(std::string* block, std::vector<uint32_t>* offsets, std::string_view key,
                 std::string_view value) {
  offsets->push_back(static_cast<uint32_t>(block->size()));
  PutVarint32(block, static_cast<uint32_t>(key.size()));
  PutVarint32(block, static_cast<uint32_t>(value.size()));
  block->append(key);
  block->append(value);
}

void FinishBlock(std::string* block, const std::vector<uint32_t>& offsets) {
  for (uint32_t off : offsets) PutFixed32(block, off);
  PutFixed32(block, static_cast<uint32_t>(offsets.size()));
}

std::string BuildBloom(const std::vector<uint64_t>& hashes, int bits_per_key) {
  if (bits_per_key <= 0) return std::string();
  const size_t bits = std::max<size_t>(64, hashes.size() * bits_per_key);
  const size_t bytes = (bits + 7) / 8;
  const int probes = std::clamp(static_cast<int>(bits_per_key * 0.69), 1, 30);
  std::string filter(bytes, '\0');
  const uint64_t m = bytes * 8;
  for (uint64_t h : hashes) {
    uint32_t h1 = static_cast<uint32_t>(h), h2 = static_cast<uint32_t>(h >> 32) | 1;
    for (int i = 0; i < probes; ++i) {
      const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % m;
      filter[bit / 8] |= static_cast<char>(1 << (bit % 8));
    }
  }
  filter.push_back(static_cast<char>(probes));
  return filter;
}

}  // namespace

TableBuilder::TableBuilder(std::unique_ptr<WritableFile> file, size_t block_size,
                           int bloom_bits_per_key, uint8_t tier, CompressionType compression)
    : file_(std::move(file)),
      block_size_(block_size),
      bloom_bits_(bloom_bits_per_key),
      tier_(tier),
      compression_(compression),
      hash_state_(XXH3_createState()) {
  XXH3_64bits_reset(hash_state_);
}

TableBuilder::~TableBuilder() { XXH3_freeState(hash_state_); }

Status TableBuilder::Write(std::string_view data) {
  SYSKIT_RETURN_IF_ERROR(file_->Append(data));
  XXH3_64bits_update(hash_state_, data.data(), data.size());
  offset_ += data.size();
  return Status::OK();
}

Status TableBuilder::WriteBlock(std::string contents, bool data_block, BlockHandle* handle) {
  char type = 0;
  if (data_block && CompressBlock(compression_, contents, &compressed_)) {
    contents.swap(compressed_);
    type = static_cast<char>(compression_);
  }
  handle->offset = offset_;
  handle->size = contents.size();
  contents.push_back(type);
  const uint32_t crc = Checksum32(contents);
  PutFixed32(&contents, crc);
  return Write(contents);
}

Status TableBuilder::Add(std::string_view ikey, std::string_view value) {
  if (num_entries_ == 0) smallest_.assign(ikey);
  const std::string_view user_key = ExtractUserKey(ikey);
  if (num_entries_ == 0 || user_key != ExtractUserKey(last_key_)) {
    key_hashes_.push_back(Hash64(user_key));
  }
  AppendEntry(&block_, &block_offsets_, ikey, value);
  last_key_.assign(ikey);
  ++num_entries_;
  if (block_.size() >= block_size_) return FlushBlock();
  return Status::OK();
}

Status TableBuilder::FlushBlock() {
  if (block_offsets_.empty()) return Status::OK();
  FinishBlock(&block_, block_offsets_);
  BlockHandle handle;
  SYSKIT_RETURN_IF_ERROR(WriteBlock(std::move(block_), true, &handle));
  block_.clear();
  block_offsets_.clear();
  std::string handle_text;
  PutVarint64(&handle_text, handle.offset);
  PutVarint64(&handle_text, handle.size);
  AppendEntry(&index_, &index_offsets_, last_key_, handle_text);
  return Status::OK();
}

Status TableBuilder::Finish() {
  SYSKIT_RETURN_IF_ERROR(FlushBlock());
  BlockHandle filter, index;
  SYSKIT_RETURN_IF_ERROR(WriteBlock(BuildBloom(key_hashes_, bloom_bits_), false, &filter));
  FinishBlock(&index_, index_offsets_);
  SYSKIT_RETURN_IF_ERROR(WriteBlock(std::move(index_), false, &index));
  std::string footer;
  PutFixed64(&footer, filter.offset);
  PutFixed64(&footer, filter.size);
  PutFixed64(&footer, index.offset);
  PutFixed64(&footer, index.size);
  PutFixed64(&footer, num_entries_);
  PutFixed64(&footer, XXH3_64bits_digest(hash_state_));
  footer.push_back(static_cast<char>(tier_));
  footer.append(3, '\0');
  PutFixed32(&footer, Checksum32(footer));
  PutFixed64(&footer, kTableMagic);
  SYSKIT_RETURN_IF_ERROR(file_->Append(footer));
  offset_ += footer.size();
  SYSKIT_RETURN_IF_ERROR(file_->Sync());
  return file_->Close();
}

Result<std::unique_ptr<Table>> Table::Open(Env* env, const std::string& path, uint64_t file_number,
                                           BlockCache* cache) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->NewRandomAccessFile(path));
  SYSKIT_ASSIGN_OR_RETURN(uint64_t size, file->Size());
  if (size < kFooterSize) {
    return CorruptionError(path + ": table file of " + std::to_string(size) +
                           " bytes is shorter than its footer");
  }
  std::string footer(kFooterSize, '\0');
  SYSKIT_ASSIGN_OR_RETURN(size_t got, file->ReadAt(size - kFooterSize, footer));
  if (got != kFooterSize || DecodeFixed64(footer.data() + 56) != kTableMagic ||
      Checksum32(std::string_view(footer.data(), 52)) != DecodeFixed32(footer.data() + 52)) {
    return CorruptionError(path + ": bad table footer (magic or checksum mismatch)");
  }
  std::unique_ptr<Table> table(new Table());
  table->file_ = std::move(file);
  table->file_number_ = file_number;
  table->file_size_ = size;
  table->cache_ = cache;
  const BlockHandle filter{DecodeFixed64(footer.data()), DecodeFixed64(footer.data() + 8)};
  const BlockHandle index{DecodeFixed64(footer.data() + 16), DecodeFixed64(footer.data() + 24)};
  table->num_entries_ = DecodeFixed64(footer.data() + 32);
  table->file_checksum_ = DecodeFixed64(footer.data() + 40);
  table->tier_ = static_cast<uint8_t>(footer[48]);
  for (const BlockHandle& handle : {filter, index}) {
    if (handle.offset + handle.size + kBlockTrailerSize > size - kFooterSize) {
      return CorruptionError(path + ": footer points past the end of the file");
    }
  }
  SYSKIT_ASSIGN_OR_RETURN(auto filter_block, table->ReadBlock(filter, false));
  table->filter_ = *filter_block;
  SYSKIT_ASSIGN_OR_RETURN(auto index_block, table->ReadBlock(index, false));
  BlockView view;
  if (!view.Init(*index_block)) return CorruptionError(path + ": malformed index block");
  table->index_entries_.reserve(view.count());
  for (uint32_t i = 0; i < view.count(); ++i) {
    std::string_view key, value;
    IndexEntry entry;
    if (!view.Entry(i, &key, &value) || key.size() < 8 ||
        !GetVarint64(&value, &entry.handle.offset) || !GetVarint64(&value, &entry.handle.size)) {
      return CorruptionError(path + ": malformed index entry " + std::to_string(i));
    }
    entry.key_offset = static_cast<uint32_t>(table->index_keys_.size());
    entry.key_size = static_cast<uint32_t>(key.size());
    table->index_keys_.append(key);
    table->index_entries_.push_back(entry);
  }
  return table;
}

Result<std::shared_ptr<const std::string>> Table::ReadBlock(const BlockHandle& handle,
                                                            bool fill_cache,
                                                            bool skip_cache) const {
  if (cache_ != nullptr && !skip_cache) {
    if (auto cached = cache_->Lookup(file_number_, handle.offset)) return cached;
  }
  const auto where = [&] {
    return path() + ": block at offset " + std::to_string(handle.offset) + " (size " +
           std::to_string(handle.size) + ")";
  };
  if (handle.offset + handle.size + kBlockTrailerSize > file_size_) {
    return CorruptionError(where() + ": extends past the end of the file");
  }
  std::string buf(handle.size + kBlockTrailerSize, '\0');
  SYSKIT_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(handle.offset, buf));
  if (got != buf.size()) return CorruptionError(where() + ": short read");
  const uint32_t expected = DecodeFixed32(buf.data() + handle.size + 1);
  if (Checksum32(std::string_view(buf.data(), handle.size + 1)) != expected) {
    return CorruptionError(where() + ": checksum mismatch");
  }
  const auto type = static_cast<uint8_t>(buf[handle.size]);
  buf.resize(handle.size);
  if (type != 0) {
    SYSKIT_ASSIGN_OR_RETURN(buf, UncompressBlock(type, buf, where()));
  }
  auto block = std::make_shared<const std::string>(std::move(buf));
  if (cache_ != nullptr && fill_cache) cache_->Insert(file_number_, handle.offset, block);
  return block;
}

bool Table::MayContain(std::string_view user_key) const {
  if (filter_.size() < 2) return true;
  const int probes = static_cast<unsigned char>(filter_.back());
  const uint64_t m = (filter_.size() - 1) * 8;
  const uint64_t h = Hash64(user_key);
  const uint32_t h1 = static_cast<uint32_t>(h), h2 = static_cast<uint32_t>(h >> 32) | 1;
  for (int i = 0; i < probes; ++i) {
    const uint64_t bit = (h1 + static_cast<uint64_t>(i) * h2) % m;
    if ((filter_[bit / 8] & (1 << (bit % 8))) == 0) return false;
  }
  return true;
}

Status Table::Get(std::string_view lookup_ikey, bool fill_cache,
                  const std::function<void(std::string_view, std::string_view)>& found) const {
  const std::string_view user_key = ExtractUserKey(lookup_ikey);
  if (!MayContain(user_key)) return Status::OK();
  auto it = std::lower_bound(
      index_entries_.begin(), index_entries_.end(), lookup_ikey,
      [this](const IndexEntry& entry, std::string_view key) {
        return CompareInternalKey({index_keys_.data() + entry.key_offset, entry.key_size}, key) < 0;
      });
  if (it == index_entries_.end()) return Status::OK();
  SYSKIT_ASSIGN_OR_RETURN(auto block, ReadBlock(it->handle, fill_cache));
  BlockView view;
  uint32_t index = 0;
  if (!view.Init(*block) || !view.LowerBound(lookup_ikey, &index)) {
    return CorruptionError(path() + ": malformed block at offset " +
                           std::to_string(it->handle.offset));
  }
  if (index == view.count()) return Status::OK();
  std::string_view key, value;
  if (!view.Entry(index, &key, &value)) {
    return CorruptionError(path() + ": malformed entry in block at offset " +
                           std::to_string(it->handle.offset));
  }
  if (ExtractUserKey(key) == user_key) found(key, value);
  return Status::OK();
}

namespace {

class TableIterator final : public InternalIterator {
 public:
  TableIterator(const Table* table, bool fill_cache) : table_(table), fill_cache_(fill_cache) {}
  bool Valid() const override { return status_.ok() && block_index_ < table_->num_blocks(); }
  void SeekToFirst() override {
    block_index_ = 0;
    entry_ = 0;
    LoadBlock();
    SkipEmpty();
  }
  void Seek(std::string_view ikey) override {
    // First block whose last key >= ikey.
    size_t lo = 0, hi = table_->num_blocks();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (CompareInternalKey(table_->block_last_key(mid), ikey) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    block_index_ = lo;
    if (!LoadBlock()) return;
    if (!view_.LowerBound(ikey, &entry_)) Fail();
    SkipEmpty();
  }
  void SeekToLast() override {
    block_index_ = table_->num_blocks();
    if (block_index_ == 0) return;
    --block_index_;
    if (!LoadBlock()) return;
    entry_ = view_.count();
    SkipEmptyBackward();
  }
  void Next() override {
    ++entry_;
    SkipEmpty();
  }
  void Prev() override { SkipEmptyBackward(); }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return status_; }

 private:
  void Fail() {
    status_ = CorruptionError(table_->path() + ": malformed block " + std::to_string(block_index_));
  }
  bool LoadBlock() {
    entry_ = 0;
    if (block_index_ >= table_->num_blocks()) return false;
    auto block = table_->ReadBlock(table_->block_handle(block_index_), fill_cache_);
    if (!block.ok()) {
      status_ = block.status();
      return false;
    }
    block_ = std::move(block).value();
    if (!view_.Init(*block_)) {
      Fail();
      return false;
    }
    return true;
  }
  // Moves past exhausted blocks, then decodes the current entry.
  void SkipEmpty() {
    while (status_.ok() && block_index_ < table_->num_blocks() && entry_ >= view_.count()) {
      ++block_index_;
      if (!LoadBlock()) return;
    }
    if (!Valid()) return;
    if (!view_.Entry(entry_, &key_, &value_) || key_.size() < 8) Fail();
  }

  // Moves to the entry before entry_, through earlier blocks if needed;
  // before the first entry the iterator becomes invalid.
  void SkipEmptyBackward() {
    while (status_.ok() && entry_ == 0) {
      if (block_index_ == 0) {
        block_index_ = table_->num_blocks();  // invalid
        return;
      }
      --block_index_;
      if (!LoadBlock()) return;
      entry_ = view_.count();
    }
    if (!Valid()) return;
    --entry_;
    if (!view_.Entry(entry_, &key_, &value_) || key_.size() < 8) Fail();
  }

  const Table* table_;
  const bool fill_cache_;
  size_t block_index_ = 0;
  uint32_t entry_ = 0;
  std::shared_ptr<const std::string> block_;
  BlockView view_;
  std::string_view key_, value_;
  Status status_;
};

}  // namespace

std::unique_ptr<InternalIterator> Table::NewIterator(bool fill_cache) const {
  return std::make_unique<TableIterator>(this, fill_cache);
}

void Table::Verify(std::vector<TableDamage>* damage) const {
  // Whole-file checksum over everything before the footer.
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  std::string buf(1 << 20, '\0');
  bool read_ok = true;
  for (uint64_t off = 0; off < file_size_ - kFooterSize;) {
    const size_t want = std::min<uint64_t>(buf.size(), file_size_ - kFooterSize - off);
    auto got = file_->ReadAt(off, std::span<char>(buf.data(), want));
    if (!got.ok() || *got != want) {
      read_ok = false;
      damage->push_back({path(), "read failed at offset " + std::to_string(off), "", ""});
      break;
    }
    XXH3_64bits_update(state, buf.data(), want);
    off += want;
  }
  if (read_ok && XXH3_64bits_digest(state) != file_checksum_) {
    damage->push_back({path(), "whole-file checksum mismatch", "", ""});
  }
  XXH3_freeState(state);
  for (size_t i = 0; i < index_entries_.size(); ++i) {
    auto block = ReadBlock(index_entries_[i].handle, false, true);
    if (block.ok()) continue;
    const std::string first = i == 0 ? "" : std::string(ExtractUserKey(block_last_key(i - 1)));
    damage->push_back(
        {path(), block.status().message(), first, std::string(ExtractUserKey(block_last_key(i)))});
  }
}

}  // namespace syskit::kv
