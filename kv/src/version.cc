#include "version.h"

#include <algorithm>
#include <set>

#include "format.h"

namespace syskit::kv {

FileMetaData::~FileMetaData() {
  if (!obsolete.load()) return;
  {
    std::lock_guard<std::mutex> guard(open_mu_);
    table_.reset();
  }
  if (env != nullptr) env->DeleteFile(path).IgnoreError();  // leftover files are removed on open
}

Result<std::shared_ptr<Table>> FileMetaData::GetTable() const {
  std::lock_guard<std::mutex> guard(open_mu_);
  if (table_ == nullptr) {
    SYSKIT_ASSIGN_OR_RETURN(std::unique_ptr<Table> table, Table::Open(env, path, number, cache));
    table_ = std::move(table);
  }
  return table_;
}

void VersionEdit::Encode(std::string* dst) const {
  if (log_number) {
    PutVarint64(dst, 1);
    PutVarint64(dst, *log_number);
  }
  if (next_file_number) {
    PutVarint64(dst, 2);
    PutVarint64(dst, *next_file_number);
  }
  if (last_sequence) {
    PutVarint64(dst, 3);
    PutVarint64(dst, *last_sequence);
  }
  if (ingest_id) {
    PutVarint64(dst, 6);
    PutVarint64(dst, *ingest_id);
  }
  for (const auto& [level, number] : deleted) {
    PutVarint64(dst, 4);
    PutVarint64(dst, level);
    PutVarint64(dst, number);
  }
  for (const NewFile& f : added) {
    PutVarint64(dst, 5);
    PutVarint64(dst, f.level);
    PutVarint64(dst, f.number);
    PutVarint64(dst, f.file_size);
    PutLengthPrefixed(dst, f.smallest);
    PutLengthPrefixed(dst, f.largest);
    PutVarint64(dst, f.tier);
  }
}

Status VersionEdit::Decode(std::string_view in) {
  while (!in.empty()) {
    uint64_t tag = 0, a = 0, b = 0;
    if (!GetVarint64(&in, &tag)) return CorruptionError("version edit: bad field tag");
    switch (tag) {
      case 1:
      case 2:
      case 3:
      case 6:
        if (!GetVarint64(&in, &a)) return CorruptionError("version edit: bad number");
        (tag == 1   ? log_number
         : tag == 2 ? next_file_number
         : tag == 3 ? last_sequence
                    : ingest_id) = a;
        break;
      case 4:
        if (!GetVarint64(&in, &a) || !GetVarint64(&in, &b) || a >= kNumLevels) {
          return CorruptionError("version edit: bad deleted file");
        }
        deleted.emplace_back(static_cast<int>(a), b);
        break;
      case 5: {
        NewFile f;
        std::string_view smallest, largest;
        uint64_t tier = 0;
        if (!GetVarint64(&in, &a) || a >= kNumLevels || !GetVarint64(&in, &f.number) ||
            !GetVarint64(&in, &f.file_size) || !GetLengthPrefixed(&in, &smallest) ||
            !GetLengthPrefixed(&in, &largest) || !GetVarint64(&in, &tier) || smallest.size() < 8 ||
            largest.size() < 8 || tier > 255) {
          return CorruptionError("version edit: bad added file");
        }
        f.level = static_cast<int>(a);
        f.smallest.assign(smallest);
        f.largest.assign(largest);
        f.tier = static_cast<uint8_t>(tier);
        added.push_back(std::move(f));
        break;
      }
      default:
        return CorruptionError("version edit: unknown field tag " + std::to_string(tag));
    }
  }
  return Status::OK();
}

namespace {

bool UserKeyAfterFile(std::string_view user_key, const FileMetaData& f) {
  return user_key.compare(ExtractUserKey(f.largest)) > 0;
}
bool UserKeyBeforeFile(std::string_view user_key, const FileMetaData& f) {
  return user_key.compare(ExtractUserKey(f.smallest)) < 0;
}

// Concatenates the sorted, disjoint files of one level >= 1, opening each
// table only when the iterator reaches it. `files` belongs to a Version that
// outlives the iterator (a scan used to copy the level's whole FilePtr list,
// hundreds of atomic reference-count updates per iterator).
class LevelIterator final : public InternalIterator {
 public:
  LevelIterator(const std::vector<FilePtr>& files, bool fill_cache)
      : files_(files), fill_cache_(fill_cache) {}
  bool Valid() const override { return status_.ok() && current_ != nullptr && current_->Valid(); }
  void SeekToFirst() override {
    Open(0);
    if (current_ != nullptr) current_->SeekToFirst();
    SkipEmpty();
  }
  void Seek(std::string_view ikey) override {
    size_t lo = 0, hi = files_.size();
    while (lo < hi) {
      const size_t mid = (lo + hi) / 2;
      if (CompareInternalKey(files_[mid]->largest, ikey) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    Open(lo);
    if (current_ != nullptr) current_->Seek(ikey);
    SkipEmpty();
  }
  void SeekToLast() override {
    if (files_.empty()) return Open(0);
    Open(files_.size() - 1);
    if (current_ != nullptr) current_->SeekToLast();
    SkipEmptyBackward();
  }
  void Next() override {
    current_->Next();
    SkipEmpty();
  }
  void Prev() override {
    current_->Prev();
    SkipEmptyBackward();
  }
  std::string_view key() const override { return current_->key(); }
  std::string_view value() const override { return current_->value(); }
  Status status() const override { return status_; }

 private:
  void SkipEmptyBackward() {
    while (status_.ok() && current_ != nullptr && !current_->Valid()) {
      if (!current_->status().ok()) {
        status_ = current_->status();
        return;
      }
      if (index_ == 0) {
        Open(files_.size());  // before the first file: invalid
        return;
      }
      Open(index_ - 1);
      if (current_ != nullptr) current_->SeekToLast();
    }
  }
  void Open(size_t index) {
    index_ = index;
    current_.reset();
    table_.reset();
    if (index_ >= files_.size()) return;
    auto table = files_[index_]->GetTable();
    if (!table.ok()) {
      status_ = table.status();
      return;
    }
    table_ = std::move(table).value();
    current_ = table_->NewIterator(fill_cache_);
  }
  void SkipEmpty() {
    while (status_.ok() && current_ != nullptr && !current_->Valid()) {
      if (!current_->status().ok()) {
        status_ = current_->status();
        return;
      }
      Open(index_ + 1);
      if (current_ != nullptr) current_->SeekToFirst();
    }
  }

  const std::vector<FilePtr>& files_;
  const bool fill_cache_;
  size_t index_ = 0;
  std::shared_ptr<Table> table_;
  std::unique_ptr<InternalIterator> current_;
  Status status_;
};

// Keeps the table alive with its iterator.
class OwningTableIterator final : public InternalIterator {
 public:
  OwningTableIterator(FilePtr file, bool fill_cache) : file_(std::move(file)) {
    auto table = file_->GetTable();
    if (!table.ok()) {
      status_ = table.status();
      return;
    }
    table_ = std::move(table).value();
    it_ = table_->NewIterator(fill_cache);
  }
  bool Valid() const override { return it_ != nullptr && it_->Valid(); }
  void SeekToFirst() override {
    if (it_) it_->SeekToFirst();
  }
  void Seek(std::string_view ikey) override {
    if (it_) it_->Seek(ikey);
  }
  void SeekToLast() override {
    if (it_) it_->SeekToLast();
  }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override { return it_->key(); }
  std::string_view value() const override { return it_->value(); }
  Status status() const override { return it_ ? it_->status() : status_; }

 private:
  FilePtr file_;
  std::shared_ptr<Table> table_;
  std::unique_ptr<InternalIterator> it_;
  Status status_;
};

}  // namespace

Status Version::Get(std::string_view lookup_ikey, bool fill_cache, std::string* value, bool* found,
                    bool* deleted) const {
  const std::string_view user_key = ExtractUserKey(lookup_ikey);
  *found = false;
  auto probe = [&](const FilePtr& file) -> Status {
    SYSKIT_ASSIGN_OR_RETURN(std::shared_ptr<Table> table, file->GetTable());
    return table->Get(lookup_ikey, fill_cache, [&](std::string_view ikey, std::string_view v) {
      *found = true;
      *deleted = ExtractType(ikey) == kTypeDeletion;
      if (!*deleted) value->assign(v);
    });
  };
  // Level 0: newest file first (ApplyEdit keeps files[0] sorted by number,
  // and a higher number is a newer flush).
  for (auto it = files[0].rbegin(); it != files[0].rend(); ++it) {
    const FileMetaData& f = **it;
    if (UserKeyBeforeFile(user_key, f) || UserKeyAfterFile(user_key, f)) continue;
    SYSKIT_RETURN_IF_ERROR(probe(*it));
    if (*found) return Status::OK();
  }
  for (int level = 1; level < kNumLevels; ++level) {
    const auto& level_files = files[level];
    auto it = std::lower_bound(
        level_files.begin(), level_files.end(), user_key,
        [](const FilePtr& f, std::string_view key) { return UserKeyAfterFile(key, *f); });
    if (it == level_files.end() || UserKeyBeforeFile(user_key, **it)) continue;
    SYSKIT_RETURN_IF_ERROR(probe(*it));
    if (*found) return Status::OK();
  }
  return Status::OK();
}

void Version::AddIterators(bool fill_cache,
                           std::vector<std::unique_ptr<InternalIterator>>* out) const {
  // Level 0 newest first (files[0] is sorted by number).
  for (auto it = files[0].rbegin(); it != files[0].rend(); ++it) {
    out->push_back(std::make_unique<OwningTableIterator>(*it, fill_cache));
  }
  for (int level = 1; level < kNumLevels; ++level) {
    if (!files[level].empty()) {
      out->push_back(std::make_unique<LevelIterator>(files[level], fill_cache));
    }
  }
}

std::vector<FilePtr> Version::Overlapping(int level, std::string_view begin,
                                          std::string_view end) const {
  std::vector<FilePtr> result;
  for (const FilePtr& f : files[level]) {
    if (!begin.empty() && ExtractUserKey(f->largest).compare(begin) < 0) continue;
    if (!end.empty() && ExtractUserKey(f->smallest).compare(end) > 0) continue;
    result.push_back(f);
  }
  return result;
}

uint64_t Version::LevelBytes(int level) const {
  uint64_t total = 0;
  for (const FilePtr& f : files[level]) total += f->file_size;
  return total;
}

std::shared_ptr<const Version> ApplyEdit(const Version& base, const VersionEdit& edit, Env* env,
                                         const std::string& dir, BlockCache* cache) {
  auto next = std::make_shared<Version>();
  std::set<std::pair<int, uint64_t>> deleted(edit.deleted.begin(), edit.deleted.end());
  std::vector<FilePtr> moved;  // deleted at one level, re-added at another
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : base.files[level]) {
      if (deleted.count({level, f->number}) == 0) {
        next->files[level].push_back(f);
      } else {
        moved.push_back(f);
      }
    }
  }
  for (const NewFile& nf : edit.added) {
    FilePtr file;
    for (const FilePtr& m : moved) {
      if (m->number == nf.number) file = m;
    }
    if (file == nullptr) {
      file = std::make_shared<FileMetaData>();
      file->number = nf.number;
      file->file_size = nf.file_size;
      file->smallest = nf.smallest;
      file->largest = nf.largest;
      file->tier = nf.tier;
      file->env = env;
      file->path = TableFileName(dir, nf.number);
      file->cache = cache;
    }
    next->files[nf.level].push_back(std::move(file));
  }
  for (int level = 0; level < kNumLevels; ++level) {
    auto& files = next->files[level];
    if (level == 0) {
      std::sort(files.begin(), files.end(),
                [](const FilePtr& a, const FilePtr& b) { return a->number < b->number; });
    } else {
      std::sort(files.begin(), files.end(), [](const FilePtr& a, const FilePtr& b) {
        return CompareInternalKey(a->smallest, b->smallest) < 0;
      });
    }
  }
  return next;
}

void MarkObsolete(const Version& base, const VersionEdit& edit) {
  std::set<uint64_t> readded;
  for (const NewFile& nf : edit.added) readded.insert(nf.number);
  for (const auto& [level, number] : edit.deleted) {
    if (readded.count(number) != 0) continue;
    for (const FilePtr& f : base.files[level]) {
      if (f->number == number) f->obsolete.store(true);
    }
  }
}

}  // namespace syskit::kv
