// DBImpl: the LSM engine (O'Neil et al. 1996, in LevelDB's shape).
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

#include "format.h"

namespace syskit::kv {

struct DBImpl::Writer {
  WriteBatch* batch = nullptr;
  bool sync = false;
  bool done = false;
  Status status;
  std::condition_variable cv;
};

Status ForEachBatchOp(
    std::string_view rep,
    const std::function<void(ValueType, std::string_view, std::string_view)>& fn) {
  if (rep.size() < 12) return CorruptionError("write batch shorter than its header");
  const uint32_t count = DecodeFixed32(rep.data() + 8);
  rep.remove_prefix(12);
  uint32_t seen = 0;
  while (!rep.empty()) {
    const auto type = static_cast<ValueType>(rep[0]);
    rep.remove_prefix(1);
    std::string_view key, value;
    if (!GetLengthPrefixed(&rep, &key)) return CorruptionError("write batch: bad key");
    if (type == kTypeValue) {
      if (!GetLengthPrefixed(&rep, &value)) return CorruptionError("write batch: bad value");
    } else if (type != kTypeDeletion) {
      return CorruptionError("write batch: unknown op type " + std::to_string(int(type)));
    }
    fn(type, key, value);
    ++seen;
  }
  if (seen != count) {
    return CorruptionError("write batch: header says " + std::to_string(count) + " ops, found " +
                           std::to_string(seen));
  }
  return Status::OK();
}

Status DB::Put(const WriteOptions& options, std::string_view key, std::string_view value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, &batch);
}

Status DB::Delete(const WriteOptions& options, std::string_view key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, &batch);
}

Result<std::unique_ptr<DB>> DB::Open(const Options& options, const std::string& path) {
  if (options.env == nullptr) return InvalidArgumentError("options.env is null");
  if (options.block_size == 0 || options.write_buffer_size < 4096 ||
      options.target_file_size == 0 || options.level0_compaction_trigger < 1 ||
      options.level0_slowdown_trigger < options.level0_compaction_trigger ||
      options.level0_stop_trigger < options.level0_slowdown_trigger) {
    return InvalidArgumentError(
        "invalid options (block_size, write_buffer_size >= 4096, "
        "target_file_size, level-0 triggers in increasing order)");
  }
  if (path.empty()) return InvalidArgumentError("empty database path");
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
      if (name != "LOCK") {
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

// A full snapshot of the current version in a fresh manifest, then CURRENT
// switched to it atomically (write temp, sync, rename, sync directory).
Status DBImpl::WriteNewManifest() {
  const uint64_t number = next_file_number_++;
  const std::string path = ManifestFileName(dir_, number);
  VersionEdit snapshot;
  snapshot.log_number = log_number_;
  snapshot.next_file_number = next_file_number_;
  snapshot.last_sequence = last_sequence_;
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : current_->files[level]) {
      snapshot.added.push_back({level, f->number, f->file_size, f->smallest, f->largest, f->tier});
    }
  }
  std::string record;
  snapshot.Encode(&record);
  SYSKIT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(path));
  auto writer = std::make_unique<LogWriter>(std::move(file));
  SYSKIT_RETURN_IF_ERROR(writer->AddRecord(record));
  SYSKIT_RETURN_IF_ERROR(writer->Sync());
  SYSKIT_RETURN_IF_ERROR(env_->SyncDir(dir_));
  char name[64];
  std::snprintf(name, sizeof(name), "MANIFEST-%06" PRIu64 "\n", number);
  SYSKIT_RETURN_IF_ERROR(WriteFileAtomically(env_, name, CurrentFileName(dir_)));
  manifest_ = std::move(writer);
  manifest_number_ = number;
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
                       options_.tier);
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

// ---------------------------------------------------------------- writes

Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch != nullptr) {
    Status bad;
    Status parsed =
        ForEachBatchOp(batch->rep(), [&](ValueType, std::string_view key, std::string_view value) {
          if (!bad.ok()) return;
          if (key.empty()) {
            bad = InvalidArgumentError("empty key");
          } else if (key.size() > options_.max_key_bytes) {
            bad = InvalidArgumentError("key of " + std::to_string(key.size()) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(options_.max_key_bytes) + " bytes");
          } else if (value.size() > options_.max_value_bytes) {
            bad = InvalidArgumentError("value of " + std::to_string(value.size()) +
                                       " bytes exceeds the limit of " +
                                       std::to_string(options_.max_value_bytes) + " bytes");
          }
        });
    SYSKIT_RETURN_IF_ERROR(parsed);
    SYSKIT_RETURN_IF_ERROR(bad);
    if (batch->Count() == 0) return Status::OK();
  }
  Writer w;
  w.batch = batch;
  w.sync = options.sync;
  std::unique_lock<std::mutex> lock(mu_);
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.wait(lock);
  if (w.done) return w.status;

  Status status =
      MakeRoomForWrite(batch == nullptr, batch == nullptr ? 0 : batch->ApproximateSize(), lock);
  Writer* last_writer = &w;
  if (status.ok() && batch != nullptr) {
    WriteBatch* group = BuildBatchGroup(&last_writer);
    const uint64_t first_seq = last_sequence_ + 1;
    std::memcpy(group->mutable_rep()->data(), &first_seq, 8);
    const uint64_t last_seq = first_seq + group->Count() - 1;
    bool sync = w.sync;
    std::shared_ptr<MemTable> mem = mem_;
    lock.unlock();
    status = log_->AddRecord(group->rep());
    if (status.ok() && sync) status = log_->Sync();
    if (status.ok()) {
      uint64_t seq = first_seq;
      ForEachBatchOp(group->rep(), [&](ValueType type, std::string_view key,
                                       std::string_view value) {
        mem->Add(seq++, type, key, value);
      }).IgnoreError();  // validated above
    }
    lock.lock();
    if (status.ok()) {
      last_sequence_ = last_seq;
      wal_bytes_ += group->rep().size() + kLogHeaderSize;
      user_bytes_ += group->rep().size();
      ++group_commits_;
    } else {
      SetBackgroundError(status);
    }
    if (group != batch) group->Clear();
  }
  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    ++writes_;
    if (ready != &w) {
      ready->status = status;
      ready->done = true;
      ready->cv.notify_one();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  return status;
}

// Joins the leader's batch with queued followers' (group commit), up to
// 1 MiB, never adding a sync write to a non-sync group (it would be
// acknowledged without its fsync).
WriteBatch* DBImpl::BuildBatchGroup(Writer** last_writer) {
  static thread_local WriteBatch group;
  Writer* first = writers_.front();
  WriteBatch* result = first->batch;
  size_t size = first->batch->ApproximateSize();
  const size_t max_size = size <= (128 << 10) ? size + (128 << 10) : (1 << 20);
  *last_writer = first;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr || (w->sync && !first->sync)) break;
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    if (result == first->batch) {
      group.Clear();
      group.Append(*first->batch);
      result = &group;
    }
    result->Append(*w->batch);
    *last_writer = w;
  }
  return result;
}

// Write stalls (documented in README.md):
//  - level-0 files >= level0_slowdown_trigger: each write sleeps once, for
//    its bytes at delayed_write_rate;
//  - memtable full while the previous one is still being flushed: wait;
//  - level-0 files >= level0_stop_trigger: wait for compaction.
Status DBImpl::MakeRoomForWrite(bool force, size_t bytes, std::unique_lock<std::mutex>& lock) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) {
      return FailedPreconditionError("database is in read-only error state after: " +
                                     bg_error_.ToString());
    }
    const int l0 = current_->NumFiles(0);
    if (allow_delay && l0 >= options_.level0_slowdown_trigger) {
      // Delay this write by its share of delayed_write_rate (RocksDB's
      // scheme) rather than a fixed 1 ms, which capped two writers at 2000
      // writes/s whatever their size.
      const uint64_t delay = std::max<uint64_t>(
          1, bytes * 1000000 / std::max<uint64_t>(options_.delayed_write_rate, 1));
      lock.unlock();
      const uint64_t start = env_->NowMicros();
      env_->SleepForMicros(static_cast<int>(std::min<uint64_t>(delay, 1000000)));
      lock.lock();
      stall_micros_ += env_->NowMicros() - start;
      ++slowdowns_;
      allow_delay = false;
      continue;
    }
    if (!force && mem_->ApproximateMemoryUsage() < options_.write_buffer_size) return Status::OK();
    if (force && mem_->num_entries() == 0) return Status::OK();
    if (imm_ != nullptr || l0 >= options_.level0_stop_trigger) {
      const uint64_t start = env_->NowMicros();
      ++stops_;
      bg_cv_.notify_all();
      done_cv_.wait(lock);
      stall_micros_ += env_->NowMicros() - start;
      continue;
    }
    Status s = NewLog(&lock);
    if (!s.ok()) {
      SetBackgroundError(s);
      return s;
    }
    imm_ = std::move(mem_);
    has_imm_.store(true);
    imm_log_number_ = log_number_;
    mem_ = std::make_shared<MemTable>();
    force = false;
    bg_cv_.notify_all();
  }
}

// ---------------------------------------------------------------- reads

Status DBImpl::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  std::shared_ptr<MemTable> mem, imm;
  std::shared_ptr<const Version> version;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> guard(mu_);
    seq = options.snapshot != nullptr ? options.snapshot->sequence() : last_sequence_;
    mem = mem_;
    imm = imm_;
    version = current_;
  }
  bool deleted = false;
  if (mem->Get(key, seq, value, &deleted) ||
      (imm != nullptr && imm->Get(key, seq, value, &deleted))) {
    return deleted ? NotFoundError("key not found") : Status::OK();
  }
  std::string lookup;
  AppendInternalKey(&lookup, key, seq, kTypeValue);
  bool found = false;
  SYSKIT_RETURN_IF_ERROR(version->Get(lookup, options.fill_cache, value, &found, &deleted));
  if (!found || deleted) return NotFoundError("key not found");
  return Status::OK();
}

namespace {

// Turns internal entries into the user view at one sequence: the newest
// visible version of each key, tombstoned keys hidden.
class DBIter final : public Iterator {
 public:
  DBIter(std::unique_ptr<InternalIterator> it, uint64_t seq, std::shared_ptr<MemTable> mem,
         std::shared_ptr<MemTable> imm, std::shared_ptr<const Version> version)
      : it_(std::move(it)),
        seq_(seq),
        mem_(std::move(mem)),
        imm_(std::move(imm)),
        version_(std::move(version)) {}
  bool Valid() const override { return valid_; }
  void SeekToFirst() override {
    it_->SeekToFirst();
    FindNext(false);
  }
  void Seek(std::string_view target) override {
    std::string lookup;
    AppendInternalKey(&lookup, target, seq_, kTypeValue);
    it_->Seek(lookup);
    FindNext(false);
  }
  void Next() override {
    it_->Next();
    FindNext(true);
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

  std::unique_ptr<InternalIterator> it_;
  const uint64_t seq_;
  std::shared_ptr<MemTable> mem_, imm_;
  std::shared_ptr<const Version> version_;
  bool valid_ = false;
  std::string key_;
  std::string_view value_;
};

}  // namespace

std::unique_ptr<Iterator> DBImpl::NewIterator(const ReadOptions& options) {
  std::shared_ptr<MemTable> mem, imm;
  std::shared_ptr<const Version> version;
  uint64_t seq;
  {
    std::lock_guard<std::mutex> guard(mu_);
    seq = options.snapshot != nullptr ? options.snapshot->sequence() : last_sequence_;
    mem = mem_;
    imm = imm_;
    version = current_;
  }
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

void DBImpl::ReleaseSnapshot(const Snapshot* snapshot) {
  {
    std::lock_guard<std::mutex> guard(mu_);
    snapshots_.erase(snapshots_.find(snapshot->sequence()));
  }
  delete snapshot;
}

// ---------------------------------------------------------------- background

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
    while (!shutting_down_ &&
           (!bg_error_.ok() || (imm_ == nullptr && manual_ == nullptr && !NeedsCompaction()))) {
      if (manual_ != nullptr && !bg_error_.ok()) {
        manual_->status = bg_error_;
        manual_->done = true;
        manual_ = nullptr;
        done_cv_.notify_all();
      }
      bg_cv_.wait(lock);
    }
    if (shutting_down_) break;
    Status s;
    if (imm_ != nullptr) {
      s = FlushImmutable(lock);
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
  MarkObsolete(*base, *edit);
  current_ = std::move(next);
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
                                               options_.bloom_bits_per_key, options_.tier);
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
                "\n",
                flushes_, flush_bytes_, compactions_, trivial_moves_, compaction_bytes_read_,
                compaction_bytes_written_);
  out += line;
  std::snprintf(line, sizeof(line),
                "stall_micros=%" PRIu64 " slowdowns=%" PRIu64 " stops=%" PRIu64
                " block_cache_bytes=%zu block_cache_hits=%" PRIu64 " block_cache_misses=%" PRIu64
                " recovered_records=%" PRIu64 " recovered_torn_tail=%d bg_error=%s\n",
                stall_micros_, slowdowns_, stops_, cache_ ? cache_->usage() : 0,
                cache_ ? cache_->hits() : 0, cache_ ? cache_->misses() : 0, recovered_records_,
                recovered_torn_tail_ ? 1 : 0, bg_error_.ToString().c_str());
  out += line;
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
