// DBImpl background work: memtable flushes, leveled compaction (picking,
// merging, dropping shadowed versions and tombstones) and version
// installation through the manifest.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "db_impl.h"
#include "format.h"

namespace syskit::kv {

Status DBImpl::Flush() {
  SYSKIT_RETURN_IF_ERROR(Write(WriteOptions(), nullptr));
  std::unique_lock<std::mutex> lock(mu_);
  while (imm_ != nullptr && bg_error_.ok()) done_cv_.wait(lock);
  return bg_error_;
}

Status DBImpl::CompactRange(std::string_view begin, std::string_view end) {
  SYSKIT_RETURN_IF_ERROR(Flush());
  ManualRequest request;
  request.begin.assign(begin);
  request.end.assign(end);
  std::unique_lock<std::mutex> lock(mu_);
  while (manual_ != nullptr) done_cv_.wait(lock);
  manual_ = &request;
  bg_cv_.notify_all();
  while (!request.done) done_cv_.wait(lock);
  return request.status;
}

bool DBImpl::NeedsCompaction() const {
  if (current_->NumFiles(0) >= options_.level0_compaction_trigger) return true;
  double limit = static_cast<double>(options_.max_bytes_for_level_base);
  for (int level = 1; level < kNumLevels - 1; ++level, limit *= 10) {
    if (current_->LevelBytes(level) > limit) return true;
  }
  return false;
}

void DBImpl::BackgroundThread() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    while (!shutting_down_ && (!bg_error_.ok() || (imm_ == nullptr && manual_ == nullptr &&
                                                   ingest_ == nullptr && !NeedsCompaction()))) {
      if (manual_ != nullptr && !bg_error_.ok()) {
        manual_->status = bg_error_;
        manual_->done = true;
        manual_ = nullptr;
        done_cv_.notify_all();
      }
      if (ingest_ != nullptr && !bg_error_.ok()) {
        ingest_->status = bg_error_;
        ingest_->done = true;
        ingest_ = nullptr;
        done_cv_.notify_all();
      }
      bg_cv_.wait(lock);
    }
    if (shutting_down_) break;
    Status s;
    if (imm_ != nullptr) {
      s = FlushImmutable(lock);
    } else if (ingest_ != nullptr) {
      IngestRequest* request = ingest_;
      s = RunIngest(request, lock);
      request->status = s;
      request->done = true;
      ingest_ = nullptr;
    } else if (manual_ != nullptr) {
      int last_level = 0;
      for (int level = 0; level < kNumLevels; ++level) {
        if (current_->NumFiles(level) > 0) last_level = level;
      }
      for (int level = 0; level < std::max(last_level, 1) && s.ok(); ++level) {
        Compaction c;
        c.level = level;
        c.version = current_;
        c.inputs[0] = level == 0 ? current_->files[0]
                                 : current_->Overlapping(level, manual_->begin, manual_->end);
        if (c.inputs[0].empty()) continue;
        s = RunCompaction(&c, lock);
      }
      if (!shutting_down_) {
        manual_->status = s;
        manual_->done = true;
        manual_ = nullptr;
      }
    } else {
      Compaction c;
      if (PickCompaction(&c)) s = RunCompaction(&c, lock);
    }
    if (!s.ok() && !shutting_down_) SetBackgroundError(s);
    done_cv_.notify_all();
  }
  if (manual_ != nullptr) {
    manual_->status = FailedPreconditionError("database is closing");
    manual_->done = true;
    manual_ = nullptr;
  }
  if (ingest_ != nullptr) {
    ingest_->status = FailedPreconditionError("database is closing");
    ingest_->done = true;
    ingest_ = nullptr;
  }
  done_cv_.notify_all();
}

Status DBImpl::FlushImmutable(std::unique_lock<std::mutex>& lock) {
  std::shared_ptr<MemTable> imm = imm_;
  const uint64_t log_number = imm_log_number_;
  const uint64_t number = next_file_number_++;
  lock.unlock();
  NewFile table;
  Status s = WriteLevel0Table(*imm, &table, number);
  lock.lock();
  if (!s.ok()) return s;
  VersionEdit edit;
  edit.added.push_back(table);
  edit.log_number = log_number;
  SYSKIT_RETURN_IF_ERROR(LogAndApply(&edit, lock));
  imm_.reset();
  has_imm_.store(false);
  ++flushes_;
  flush_bytes_ += table.file_size;
  lock.unlock();
  auto names = env_->GetChildren(dir_);
  if (names.ok()) {
    for (const std::string& name : *names) {
      uint64_t n = 0;
      if (ParseFileName(name, &n) == FileType::kLog && n < log_number) {
        env_->DeleteFile(dir_ + "/" + name).IgnoreError();
      }
    }
  }
  lock.lock();
  done_cv_.notify_all();
  return Status::OK();
}

Status DBImpl::LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>& lock) {
  edit->next_file_number = next_file_number_;
  edit->last_sequence = last_sequence_;
  std::shared_ptr<const Version> base = current_;
  lock.unlock();
  std::string record;
  edit->Encode(&record);
  Status s = manifest_->AddRecord(record);
  if (s.ok()) s = manifest_->Sync();
  std::shared_ptr<const Version> next;
  if (s.ok()) next = ApplyEdit(*base, *edit, env_, dir_, cache_.get());
  lock.lock();
  if (!s.ok()) return s;
  manifest_bytes_ += record.size() + kLogHeaderSize;
  if (edit->log_number) manifest_log_number_ = *edit->log_number;
  MarkObsolete(*base, *edit);
  current_ = std::move(next);
  if (manifest_bytes_ < next_rollover_bytes_) return Status::OK();
  // Roll over: the manifest only grows while the DB is open, so start a new
  // one from a snapshot; the old one is deleted once CURRENT names the new.
  const uint64_t number = next_file_number_++, old_number = manifest_number_;
  const VersionEdit snapshot = SnapshotEdit();
  lock.unlock();
  bool switching = false;
  s = InstallNewManifest(number, snapshot, &switching);
  if (s.ok()) {
    env_->DeleteFile(ManifestFileName(dir_, old_number)).IgnoreError();
  } else if (!switching) {
    // The new manifest could not be written (e.g. disk full); the old one is
    // intact and still current, so keep using it and try again later.
    env_->DeleteFile(ManifestFileName(dir_, number)).IgnoreError();
  }
  lock.lock();
  if (!s.ok() && switching) return s;  // CURRENT may name either: stop writing
  if (!s.ok()) {
    ++manifest_rollover_failures_;
    next_rollover_bytes_ = manifest_bytes_ * 2;
    return Status::OK();
  }
  ++manifest_rollovers_;
  return Status::OK();
}

bool DBImpl::PickCompaction(Compaction* c) {
  double best_score = 0;
  int best_level = -1;
  const double l0_score =
      static_cast<double>(current_->NumFiles(0)) / options_.level0_compaction_trigger;
  if (l0_score >= 1) {
    best_score = l0_score;
    best_level = 0;
  }
  double limit = static_cast<double>(options_.max_bytes_for_level_base);
  for (int level = 1; level < kNumLevels - 1; ++level, limit *= 10) {
    const double score = current_->LevelBytes(level) / limit;
    if (score > 1 && score > best_score) {
      best_score = score;
      best_level = level;
    }
  }
  if (best_level < 0) return false;
  c->level = best_level;
  c->version = current_;
  if (best_level == 0) {
    c->inputs[0] = current_->files[0];  // all of L0: they may overlap each other
  } else {
    // Round-robin through the level's key space.
    const auto& files = current_->files[best_level];
    FilePtr chosen = files.front();
    for (const FilePtr& f : files) {
      if (compact_pointer_[best_level].empty() ||
          CompareInternalKey(f->largest, compact_pointer_[best_level]) > 0) {
        chosen = f;
        break;
      }
    }
    c->inputs[0] = {chosen};
  }
  return true;
}

// Merges inputs[0] (level L) with the overlapping files of level L+1 into new
// L+1 files. A version is dropped when a newer version of the same key is
// visible to every live snapshot; a tombstone is dropped when, in addition,
// no deeper level holds the key.
Status DBImpl::RunCompaction(Compaction* c, std::unique_lock<std::mutex>& lock) {
  const int level = c->level;
  std::string smallest_user, largest_user;
  for (const FilePtr& f : c->inputs[0]) {
    const std::string s(ExtractUserKey(f->smallest)), l(ExtractUserKey(f->largest));
    if (smallest_user.empty() || s < smallest_user) smallest_user = s;
    if (l > largest_user) largest_user = l;
  }
  c->inputs[1] = c->version->Overlapping(level + 1, smallest_user, largest_user);
  compact_pointer_[level] = c->inputs[0].back()->largest;
  VersionEdit edit;
  for (int which = 0; which < 2; ++which) {
    for (const FilePtr& f : c->inputs[which]) edit.deleted.emplace_back(level + which, f->number);
  }
  if (c->inputs[1].empty() && c->inputs[0].size() == 1 &&
      (level > 0 || c->version->NumFiles(0) == 1)) {
    const FilePtr& f = c->inputs[0][0];
    edit.added.push_back({level + 1, f->number, f->file_size, f->smallest, f->largest, f->tier});
    SYSKIT_RETURN_IF_ERROR(LogAndApply(&edit, lock));
    ++trivial_moves_;
    return Status::OK();
  }
  const uint64_t smallest_snapshot = snapshots_.empty() ? last_sequence_ : *snapshots_.begin();
  lock.unlock();

  std::vector<std::unique_ptr<InternalIterator>> children;
  uint64_t bytes_read = 0;
  for (int which = 0; which < 2; ++which) {
    for (const FilePtr& f : c->inputs[which]) {
      auto table = f->GetTable();
      if (!table.ok()) {
        lock.lock();
        return table.status();
      }
      children.push_back((*table)->NewIterator(false));
      bytes_read += f->file_size;
    }
  }
  // Hold the input tables open for the iterators' lifetime via c->inputs.
  auto it = NewMergingIterator(std::move(children));
  auto is_base_level = [&](std::string_view user_key) {
    for (int deeper = level + 2; deeper < kNumLevels; ++deeper) {
      for (const FilePtr& f : c->version->files[deeper]) {
        if (user_key.compare(ExtractUserKey(f->smallest)) >= 0 &&
            user_key.compare(ExtractUserKey(f->largest)) <= 0) {
          return false;
        }
      }
    }
    return true;
  };

  Status s;
  std::unique_ptr<TableBuilder> builder;
  uint64_t builder_number = 0;
  std::vector<NewFile> outputs;
  auto finish_output = [&]() -> Status {
    SYSKIT_RETURN_IF_ERROR(builder->Finish());
    outputs.push_back({level + 1, builder_number, builder->file_size(), builder->smallest(),
                       builder->largest(), options_.tier});
    builder.reset();
    return Status::OK();
  };
  std::string current_user;
  bool has_current = false;
  uint64_t last_seq_for_key = kMaxSequence;
  uint64_t entries = 0;
  for (it->SeekToFirst(); it->Valid() && s.ok(); it->Next()) {
    if ((++entries & 1023) == 0) {
      if (stop_compaction_.load()) {
        s = FailedPreconditionError("compaction stopped: database is closing");
        break;
      }
      if (has_imm_.load()) {  // a flush must not wait for a long compaction
        lock.lock();
        s = FlushImmutable(lock);
        lock.unlock();
        if (!s.ok()) break;
      }
    }
    const std::string_view ikey = it->key();
    const std::string_view user_key = ExtractUserKey(ikey);
    const uint64_t seq = ExtractSequence(ikey);
    if (!has_current || user_key != current_user) {
      current_user.assign(user_key);
      has_current = true;
      last_seq_for_key = kMaxSequence;
    }
    bool drop = false;
    if (last_seq_for_key <= smallest_snapshot) {
      drop = true;
    } else if (ExtractType(ikey) == kTypeDeletion && seq <= smallest_snapshot &&
               is_base_level(user_key)) {
      drop = true;
    }
    last_seq_for_key = seq;
    if (drop) continue;
    // Split outputs only between user keys, so a key lives in one file.
    if (builder != nullptr && builder->EstimatedSize() >= options_.target_file_size &&
        ExtractUserKey(builder->largest()) != user_key) {
      s = finish_output();
      if (!s.ok()) break;
    }
    if (builder == nullptr) {
      lock.lock();
      builder_number = next_file_number_++;
      lock.unlock();
      auto file = env_->NewWritableFile(TableFileName(dir_, builder_number));
      if (!file.ok()) {
        s = file.status();
        break;
      }
      builder = std::make_unique<TableBuilder>(std::move(file).value(), options_.block_size,
                                               options_.bloom_bits_per_key, options_.tier,
                                               options_.compression);
    }
    s = builder->Add(ikey, it->value());
  }
  if (s.ok()) s = it->status();
  if (s.ok() && builder != nullptr) s = finish_output();
  if (s.ok()) s = env_->SyncDir(dir_);
  lock.lock();
  if (!s.ok()) return s;
  uint64_t bytes_written = 0;
  for (NewFile& out : outputs) {
    bytes_written += out.file_size;
    edit.added.push_back(std::move(out));
  }
  SYSKIT_RETURN_IF_ERROR(LogAndApply(&edit, lock));
  ++compactions_;
  compaction_bytes_read_ += bytes_read;
  compaction_bytes_written_ += bytes_written;
  return Status::OK();
}

}  // namespace syskit::kv
