// DBImpl's side of the tiered store (tiered_db.cc): ingesting batches demoted
// from the fast tier as table files, and the read-only views the migration
// policy needs (table ranges, Bloom-filter membership).
#include <algorithm>

#include "db_impl.h"
#include "format.h"

namespace syskit::kv {

Status DBImpl::Ingest(const Entries& entries, uint64_t ingest_id) {
  IngestRequest request;
  request.entries = &entries;
  request.ingest_id = ingest_id;
  std::unique_lock<std::mutex> lock(mu_);
  if (!bg_error_.ok()) return bg_error_;
  while (ingest_ != nullptr) done_cv_.wait(lock);
  ingest_ = &request;
  bg_cv_.notify_all();
  while (!request.done) done_cv_.wait(lock);
  return request.status;
}

Status DBImpl::RunIngest(IngestRequest* request, std::unique_lock<std::mutex>& lock) {
  const Entries& entries = *request->entries;
  VersionEdit edit;
  edit.ingest_id = request->ingest_id;
  if (!entries.empty()) {
    // Only this thread installs versions, so current_ holds still while the
    // tables are written without mu_.
    const std::string_view first = ExtractUserKey(entries.front().first);
    const std::string_view last = ExtractUserKey(entries.back().first);
    int level = 0;
    while (level + 1 < kNumLevels && current_->Overlapping(level, first, last).empty() &&
           current_->Overlapping(level + 1, first, last).empty()) {
      ++level;
    }
    if (!current_->Overlapping(level, first, last).empty()) level = 0;
    uint64_t max_seq = 0;
    for (const auto& entry : entries) max_seq = std::max(max_seq, ExtractSequence(entry.first));
    std::vector<uint64_t> numbers;
    lock.unlock();
    Status s = [&]() -> Status {
      size_t i = 0;
      while (i < entries.size()) {
        uint64_t number = 0;
        {
          std::lock_guard<std::mutex> guard(mu_);
          number = next_file_number_++;
        }
        numbers.push_back(number);
        SYSKIT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(TableFileName(dir_, number)));
        TableBuilder builder(std::move(file), options_.block_size, options_.bloom_bits_per_key,
                             options_.tier, options_.compression);
        // Level 0 takes one file (its files may overlap each other, but one
        // ingest must stay one unit there); deeper levels split by size.
        for (; i < entries.size(); ++i) {
          if (level > 0 && builder.EstimatedSize() >= options_.target_file_size) break;
          SYSKIT_RETURN_IF_ERROR(builder.Add(entries[i].first, entries[i].second));
        }
        SYSKIT_RETURN_IF_ERROR(builder.Finish());
        edit.added.push_back({level, number, builder.file_size(), builder.smallest(),
                              builder.largest(), options_.tier});
      }
      return env_->SyncDir(dir_);
    }();
    lock.lock();
    if (!s.ok()) {
      for (uint64_t number : numbers) env_->DeleteFile(TableFileName(dir_, number)).IgnoreError();
      return s;
    }
    last_sequence_ = std::max(last_sequence_, max_seq);
  }
  // Set first: a manifest rollover inside LogAndApply snapshots it.
  const uint64_t previous_id = last_ingest_id_;
  last_ingest_id_ = request->ingest_id;
  Status s = LogAndApply(&edit, lock);
  if (!s.ok()) {
    last_ingest_id_ = previous_id;
    return s;
  }
  for (const NewFile& f : edit.added) {
    ++ingested_files_;
    ingested_bytes_ += f.file_size;
  }
  bg_cv_.notify_all();  // the new files may call for a compaction
  return Status::OK();
}

uint64_t DBImpl::last_ingest_id() {
  std::lock_guard<std::mutex> guard(mu_);
  return last_ingest_id_;
}

uint64_t DBImpl::last_sequence() {
  std::lock_guard<std::mutex> guard(mu_);
  return last_sequence_;
}

bool DBImpl::MayContain(std::string_view user_key) {
  std::shared_ptr<const Version> version;
  {
    std::lock_guard<std::mutex> guard(mu_);
    version = current_;
  }
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : version->Overlapping(level, user_key, user_key)) {
      auto table = f->GetTable();
      if (!table.ok() || (*table)->MayContain(user_key)) return true;
    }
  }
  return false;
}

std::vector<DBImpl::TableRange> DBImpl::TableRanges() {
  std::shared_ptr<const Version> version;
  {
    std::lock_guard<std::mutex> guard(mu_);
    version = current_;
  }
  std::vector<TableRange> ranges;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : version->files[level]) {
      ranges.push_back({std::string(ExtractUserKey(f->smallest)),
                        std::string(ExtractUserKey(f->largest)), f->file_size, level});
    }
  }
  return ranges;
}

}  // namespace syskit::kv
