// DBImpl: the LSM engine (O'Neil et al. 1996, in LevelDB's shape): open,
// recovery, file housekeeping and properties. The write path is in
// db_write.cc, the read path and iterators in db_read.cc, flushes and
// compactions in db_compaction.cc.
//
// Key invariants:
//  - a write is acknowledged only after its WAL record reached the OS (and,
//    with sync, the device); once any WAL, table or manifest write fails,
//    bg_error_ is set and every later write fails (read-only error state);
//  - sequence numbers are published (last_sequence_) only after the whole
//    group is in the memtable, so readers never see half a batch;
//  - a table file is referenced by the manifest only after the file and its
//    directory entry were synced; CURRENT is replaced atomically;
//  - a WAL is deleted only after the manifest records a log number past it.
#include "db_impl.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "format.h"
#include "tiered_db.h"

namespace syskit::kv {

Result<std::unique_ptr<DB>> DB::Open(const Options& options, const std::string& path) {
  if (options.env == nullptr) return InvalidArgumentError("options.env is null");
  if (options.block_size == 0 || options.write_buffer_size < 4096 ||
      options.target_file_size == 0 || options.level0_compaction_trigger < 1 ||
      options.level0_slowdown_trigger < options.level0_compaction_trigger ||
      options.level0_stop_trigger < options.level0_slowdown_trigger ||
      static_cast<uint8_t>(options.compression) > static_cast<uint8_t>(CompressionType::kZstd) ||
      options.popularity_tracker_keys > (size_t{1} << 32)) {
    return InvalidArgumentError(
        "invalid options (block_size, write_buffer_size >= 4096, "
        "target_file_size, level-0 triggers in increasing order, compression, "
        "popularity_tracker_keys <= 2^32)");
  }
  if (path.empty()) return InvalidArgumentError("empty database path");
  // A tiered store records its layout in TIERS, so that every later open
  // (e.g. `syskit kv get`) sees both tiers.
  if (options.tiering.fast_tier_bytes > 0 || options.env->FileExists(path + "/TIERS")) {
    return TieredDB::Open(options, path);
  }
  auto db = std::make_unique<DBImpl>(options, path);
  SYSKIT_RETURN_IF_ERROR(db->Recover());
  return std::unique_ptr<DB>(std::move(db));
}

DBImpl::DBImpl(const Options& options, std::string dir)
    : options_(options),
      dir_(std::move(dir)),
      env_(options.env),
      cache_(options.block_cache_bytes > 0 ? std::make_unique<BlockCache>(options.block_cache_bytes)
                                           : nullptr),
      tracker_(options.popularity_tracker_keys > 0
                   ? std::make_unique<PopularityTracker>(options.popularity_tracker_keys)
                   : nullptr),
      mem_(std::make_shared<MemTable>()),
      current_(std::make_shared<Version>()) {}

DBImpl::~DBImpl() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    shutting_down_ = true;
    stop_compaction_.store(true);
    bg_cv_.notify_all();
  }
  if (bg_thread_.joinable()) bg_thread_.join();
  if (log_ != nullptr) log_->Close().IgnoreError();
  if (manifest_ != nullptr) manifest_->Close().IgnoreError();
}

Status DBImpl::Recover() {
  auto children = env_->GetChildren(dir_);
  if (!children.ok()) {
    if (children.status().code() != StatusCode::kNotFound) return children.status();
    if (!options_.create_if_missing) {
      return NotFoundError(dir_ + ": database directory does not exist");
    }
    SYSKIT_RETURN_IF_ERROR(env_->CreateDir(dir_));
    children = env_->GetChildren(dir_);
    if (!children.ok()) return children.status();
  }
  auto lock = env_->LockFile(LockFileName(dir_));
  if (!lock.ok()) {
    return FailedPreconditionError(dir_ + ": database is locked by another process (" +
                                   lock.status().message() + ")");
  }
  lock_ = std::move(lock).value();

  VersionEdit base_edit;  // accumulated state from the manifest
  uint64_t log_number = 0;
  if (env_->FileExists(CurrentFileName(dir_))) {
    if (options_.error_if_exists) return AlreadyExistsError(dir_ + ": database exists already");
    SYSKIT_ASSIGN_OR_RETURN(std::string current, ReadFileToString(env_, CurrentFileName(dir_)));
    uint64_t number = 0;
    if (current.empty() || current.back() != '\n' ||
        ParseFileName(current.substr(0, current.size() - 1), &number) != FileType::kManifest) {
      return CorruptionError(CurrentFileName(dir_) + ": does not name a manifest");
    }
    const std::string manifest = dir_ + "/" + current.substr(0, current.size() - 1);
    if (!env_->FileExists(manifest)) {
      return CorruptionError(manifest + ": manifest named by CURRENT is missing");
    }
    std::shared_ptr<const Version> version = std::make_shared<Version>();
    std::optional<uint64_t> next_file, last_seq, log_num;
    auto read = ReadLog(env_, manifest, [&](std::string_view record) -> Status {
      VersionEdit edit;
      Status s = edit.Decode(record);
      if (!s.ok()) return s.WithContext(manifest);
      if (edit.next_file_number) next_file = edit.next_file_number;
      if (edit.last_sequence) last_seq = edit.last_sequence;
      if (edit.log_number) log_num = edit.log_number;
      if (edit.ingest_id) last_ingest_id_ = *edit.ingest_id;
      version = ApplyEdit(*version, edit, env_, dir_, cache_.get());
      return Status::OK();
    });
    if (!read.ok()) return read.status();
    if (!next_file || !last_seq || !log_num) {
      return CorruptionError(manifest + ": truncated manifest (" + std::to_string(read->records) +
                             " complete records, no complete version snapshot)");
    }
    for (int level = 0; level < kNumLevels; ++level) {
      for (const FilePtr& f : version->files[level]) {
        if (!env_->FileExists(f->path)) {
          return CorruptionError(f->path + ": table file listed in the manifest is missing");
        }
      }
    }
    current_ = version;
    next_file_number_ = std::max<uint64_t>(*next_file, 2);
    last_sequence_ = *last_seq;
    log_number = *log_num;
  } else {
    for (const std::string& name : *children) {
      // TIERS and fast/ belong to a tiered store being created.
      if (name != "LOCK" && name != "TIERS" && name != "fast") {
        return InvalidArgumentError(dir_ +
                                    ": not a syskit kv database (no CURRENT file) and the "
                                    "directory is not empty (found \"" +
                                    name + "\")");
      }
    }
  }

  // Replay every WAL at or after the manifest's log number, oldest first.
  std::vector<uint64_t> logs;
  SYSKIT_ASSIGN_OR_RETURN(auto names, env_->GetChildren(dir_));
  for (const std::string& name : names) {
    uint64_t number = 0;
    const FileType type = ParseFileName(name, &number);
    if (type == FileType::kLog && number >= log_number) logs.push_back(number);
    if (type != FileType::kOther && type != FileType::kCurrent && type != FileType::kLock) {
      next_file_number_ = std::max(next_file_number_, number + 1);
    }
  }
  std::sort(logs.begin(), logs.end());
  auto recovered = std::make_shared<MemTable>();
  for (uint64_t number : logs) {
    const std::string path = LogFileName(dir_, number);
    auto read = ReadLog(env_, path, [&](std::string_view record) -> Status {
      if (record.size() < 12) return CorruptionError(path + ": write batch record too short");
      uint64_t seq = DecodeFixed64(record.data());
      Status s =
          ForEachBatchOp(record, [&](ValueType type, std::string_view key, std::string_view value) {
            recovered->Add(seq++, type, key, value);
          });
      if (!s.ok()) return s.WithContext(path);
      last_sequence_ = std::max(last_sequence_, seq - 1);
      ++recovered_records_;
      return Status::OK();
    });
    if (!read.ok()) return read.status();
    recovered_torn_tail_ |= read->torn_tail;
  }

  VersionEdit edit;
  if (recovered->num_entries() > 0) {
    NewFile table;
    const uint64_t number = next_file_number_++;
    SYSKIT_RETURN_IF_ERROR(WriteLevel0Table(*recovered, &table, number));
    edit.added.push_back(table);
  }
  SYSKIT_RETURN_IF_ERROR(NewLog());
  edit.log_number = log_number_;
  manifest_log_number_ = log_number_;
  current_ = ApplyEdit(*current_, edit, env_, dir_, cache_.get());
  SYSKIT_RETURN_IF_ERROR(WriteNewManifest());
  DeleteObsoleteFiles();
  bg_thread_ = std::thread([this] { BackgroundThread(); });
  return Status::OK();
}

Status DBImpl::NewLog(std::unique_lock<std::mutex>* lock) {
  const uint64_t number = next_file_number_++;
  // The file creation and fsyncs run without mu_ (when the caller holds it)
  // so readers are not blocked behind the disk; only the group-commit leader
  // (or Recover) touches log_, so nothing else changes it meanwhile.
  if (lock != nullptr) lock->unlock();
  Status status = [&]() -> Status {
    SYSKIT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(LogFileName(dir_, number)));
    // The new log's directory entry must be durable before a synced write in
    // it is acknowledged.
    SYSKIT_RETURN_IF_ERROR(env_->SyncDir(dir_));
    if (log_ != nullptr) {
      // Syncing the old log keeps the durable WAL a prefix of the acknowledged
      // writes: a later synced write in the new log cannot survive a power
      // loss that drops earlier unsynced records of the old one.
      SYSKIT_RETURN_IF_ERROR(log_->Sync());
      log_->Close().IgnoreError();
    }
    log_ = std::make_unique<LogWriter>(std::move(file));
    return Status::OK();
  }();
  if (lock != nullptr) lock->lock();
  if (status.ok()) log_number_ = number;
  return status;
}

VersionEdit DBImpl::SnapshotEdit() const {
  VersionEdit snapshot;
  snapshot.log_number = manifest_log_number_;
  snapshot.next_file_number = next_file_number_;
  snapshot.last_sequence = last_sequence_;
  if (last_ingest_id_ > 0) snapshot.ingest_id = last_ingest_id_;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : current_->files[level]) {
      snapshot.added.push_back({level, f->number, f->file_size, f->smallest, f->largest, f->tier});
    }
  }
  return snapshot;
}

Status DBImpl::WriteNewManifest() {
  const uint64_t number = next_file_number_++;
  bool switching = false;
  return InstallNewManifest(number, SnapshotEdit(), &switching);
}

// A full snapshot in a fresh manifest, then CURRENT switched to it
// atomically (write temp, sync, rename, sync directory). A crash before the
// rename leaves CURRENT on the old, complete manifest; after it, on the new
// one, which holds everything.
Status DBImpl::InstallNewManifest(uint64_t number, const VersionEdit& snapshot, bool* switching) {
  *switching = false;
  const std::string path = ManifestFileName(dir_, number);
  std::string record;
  snapshot.Encode(&record);
  SYSKIT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(path));
  auto writer = std::make_unique<LogWriter>(std::move(file));
  SYSKIT_RETURN_IF_ERROR(writer->AddRecord(record));
  SYSKIT_RETURN_IF_ERROR(writer->Sync());
  SYSKIT_RETURN_IF_ERROR(env_->SyncDir(dir_));
  char name[64];
  std::snprintf(name, sizeof(name), "MANIFEST-%06" PRIu64 "\n", number);
  *switching = true;
  SYSKIT_RETURN_IF_ERROR(WriteFileAtomically(env_, name, CurrentFileName(dir_)));
  if (manifest_ != nullptr) manifest_->Close().IgnoreError();
  manifest_ = std::move(writer);
  manifest_number_ = number;
  manifest_bytes_ = record.size() + kLogHeaderSize;
  // A snapshot near the limit would roll over at every edit: allow twice it.
  next_rollover_bytes_ = std::max<uint64_t>(options_.max_manifest_file_size, 2 * manifest_bytes_);
  return Status::OK();
}

void DBImpl::DeleteObsoleteFiles() {
  std::set<uint64_t> live;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : current_->files[level]) live.insert(f->number);
  }
  auto names = env_->GetChildren(dir_);
  if (!names.ok()) return;
  for (const std::string& name : *names) {
    uint64_t number = 0;
    const FileType type = ParseFileName(name, &number);
    const bool obsolete = (type == FileType::kLog && number < log_number_) ||
                          (type == FileType::kManifest && number != manifest_number_) ||
                          (type == FileType::kTable && live.count(number) == 0) ||
                          type == FileType::kTemp;
    if (obsolete) env_->DeleteFile(dir_ + "/" + name).IgnoreError();
  }
}

Status DBImpl::WriteLevel0Table(const MemTable& mem, NewFile* out, uint64_t number) {
  const std::string path = TableFileName(dir_, number);
  SYSKIT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(path));
  TableBuilder builder(std::move(file), options_.block_size, options_.bloom_bits_per_key,
                       options_.tier, options_.compression);
  auto it = mem.NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    SYSKIT_RETURN_IF_ERROR(builder.Add(it->key(), it->value()));
  }
  SYSKIT_RETURN_IF_ERROR(builder.Finish());
  SYSKIT_RETURN_IF_ERROR(env_->SyncDir(dir_));
  *out = {0, number, builder.file_size(), builder.smallest(), builder.largest(), options_.tier};
  return Status::OK();
}

void DBImpl::SetBackgroundError(const Status& s) {
  if (bg_error_.ok()) bg_error_ = s;
  done_cv_.notify_all();
}

// ---------------------------------------------------------------- properties

std::string DBImpl::StatsText() {
  std::string out;
  char line[256];
  for (int level = 0; level < kNumLevels; ++level) {
    std::snprintf(line, sizeof(line), "level%d files=%d bytes=%" PRIu64 "\n", level,
                  current_->NumFiles(level), current_->LevelBytes(level));
    out += line;
  }
  std::snprintf(line, sizeof(line),
                "last_sequence=%" PRIu64 " memtable_bytes=%zu imm_pending=%d writes=%" PRIu64
                " group_commits=%" PRIu64 " wal_bytes=%" PRIu64 "\n",
                last_sequence_, mem_->ApproximateMemoryUsage(), imm_ != nullptr ? 1 : 0, writes_,
                group_commits_, wal_bytes_);
  out += line;
  std::snprintf(line, sizeof(line),
                "flushes=%" PRIu64 " flush_bytes=%" PRIu64 " compactions=%" PRIu64
                " trivial_moves=%" PRIu64 " compaction_read=%" PRIu64 " compaction_written=%" PRIu64
                " manifest_rollovers=%" PRIu64 " manifest_rollover_failures=%" PRIu64 "\n",
                flushes_, flush_bytes_, compactions_, trivial_moves_, compaction_bytes_read_,
                compaction_bytes_written_, manifest_rollovers_, manifest_rollover_failures_);
  out += line;
  std::snprintf(line, sizeof(line),
                "stall_micros=%" PRIu64 " slowdowns=%" PRIu64 " stops=%" PRIu64
                " block_cache_bytes=%zu block_cache_hits=%" PRIu64 " block_cache_misses=%" PRIu64
                " recovered_records=%" PRIu64 " recovered_torn_tail=%d bg_error=%s\n",
                stall_micros_, slowdowns_, stops_, cache_ ? cache_->usage() : 0,
                cache_ ? cache_->hits() : 0, cache_ ? cache_->misses() : 0, recovered_records_,
                recovered_torn_tail_ ? 1 : 0, bg_error_.ToString().c_str());
  out += line;
  if (tracker_ != nullptr) {
    const std::array<uint64_t, 4> h = tracker_->Histogram();
    std::snprintf(line, sizeof(line),
                  "popularity_tracked=%zu popularity_capacity=%zu popularity_evictions=%" PRIu64
                  " clock_histogram=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
                  tracker_->size(), tracker_->capacity(), tracker_->evictions(), h[0], h[1], h[2],
                  h[3]);
    out += line;
  }
  return out;
}

bool DBImpl::GetProperty(std::string_view name, std::string* value) {
  std::lock_guard<std::mutex> guard(mu_);
  if (name == "kv.stats") {
    *value = StatsText();
    return true;
  }
  if (name.starts_with("kv.num-files-at-level")) {
    const std::string_view digits = name.substr(21);
    if (digits.size() != 1 || digits[0] < '0' || digits[0] >= '0' + kNumLevels) return false;
    *value = std::to_string(current_->NumFiles(digits[0] - '0'));
    return true;
  }
  if (name == "kv.sstables") {
    value->clear();
    char line[512];
    for (int level = 0; level < kNumLevels; ++level) {
      for (const FilePtr& f : current_->files[level]) {
        std::snprintf(line, sizeof(line),
                      "level=%d file=%06" PRIu64 ".sst bytes=%" PRIu64 " tier=%d\n", level,
                      f->number, f->file_size, f->tier);
        *value += line;
      }
    }
    return true;
  }
  if (name == "kv.approximate-memory-usage") {
    *value = std::to_string(mem_->ApproximateMemoryUsage() +
                            (imm_ ? imm_->ApproximateMemoryUsage() : 0) +
                            (cache_ ? cache_->usage() : 0));
    return true;
  }
  if (name == "kv.block-cache-usage") {
    *value = std::to_string(cache_ ? cache_->usage() : 0);
    return true;
  }
  if (name == "kv.stall-micros") {
    *value = std::to_string(stall_micros_);
    return true;
  }
  if (name == "kv.last-sequence") {
    *value = std::to_string(last_sequence_);
    return true;
  }
  return false;
}

}  // namespace syskit::kv
