// DBImpl write path: validation, group commit (LevelDB's writer queue), the
// WAL append and memtable insert, and the write stalls.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "db_impl.h"
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

Status ValidateBatch(const WriteBatch& batch, const Options& options) {
  Status bad;
  Status parsed =
      ForEachBatchOp(batch.rep(), [&](ValueType, std::string_view key, std::string_view value) {
        if (!bad.ok()) return;
        if (key.empty()) {
          bad = InvalidArgumentError("empty key");
        } else if (key.size() > options.max_key_bytes) {
          bad = InvalidArgumentError("key of " + std::to_string(key.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(options.max_key_bytes) + " bytes");
        } else if (value.size() > options.max_value_bytes) {
          bad = InvalidArgumentError("value of " + std::to_string(value.size()) +
                                     " bytes exceeds the limit of " +
                                     std::to_string(options.max_value_bytes) + " bytes");
        }
      });
  SYSKIT_RETURN_IF_ERROR(parsed);
  return bad;
}

Status DBImpl::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch != nullptr) {
    SYSKIT_RETURN_IF_ERROR(ValidateBatch(*batch, options_));
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
      last_group_bytes_ = group->rep().size();
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
//  - level-0 files >= level0_slowdown_trigger: each write group's leader
//    sleeps once, for the bytes of its batch or of the last group, whichever
//    is larger, at delayed_write_rate;
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
      const uint64_t charged = std::max<uint64_t>(bytes, last_group_bytes_);
      const uint64_t delay = std::max<uint64_t>(
          1, charged * 1000000 / std::max<uint64_t>(options_.delayed_write_rate, 1));
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

}  // namespace syskit::kv
