// FastStore: see fast_store.h.
#include "fast_store.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "db_impl.h"

namespace syskit::kv {
namespace {

constexpr uint8_t kWriteRecord = 1;
constexpr uint8_t kDemotionRecord = 2;
// A write that copies a slow-tier value up (promotion): the entry is clean,
// so demoting it again needs no slow-tier write.
constexpr uint8_t kPromotedRecord = 3;
// Index and bookkeeping bytes charged per entry on top of key and value.
constexpr uint32_t kEntryOverhead = 24;

bool ParseSegmentName(const std::string& name, uint64_t* number) {
  // At least six digits ("%06" widens past 999999), then ".fseg".
  if (name.size() < 11 || name.size() > 25 || name.compare(name.size() - 5, 5, ".fseg") != 0) {
    return false;
  }
  uint64_t n = 0;
  for (size_t i = 0; i + 5 < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    n = n * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *number = n;
  return true;
}

}  // namespace

FastStore::FastStore(Env* env, std::string dir, uint64_t segment_bytes)
    : env_(env), dir_(std::move(dir)), segment_bytes_(std::max<uint64_t>(segment_bytes, 4096)) {}

FastStore::~FastStore() {
  if (head_writer_ != nullptr) head_writer_->Close().IgnoreError();
}

std::string FastStore::SegmentName(uint64_t number) const {
  char name[32];
  std::snprintf(name, sizeof(name), "%06" PRIu64 ".fseg", number);
  return dir_ + "/" + name;
}

Status FastStore::Recover(uint64_t completed_ingest) {
  if (!env_->FileExists(dir_)) {
    SYSKIT_RETURN_IF_ERROR(env_->CreateDir(dir_));
    // The directory entry must be durable before anything in it is.
    const size_t slash = dir_.find_last_of('/');
    if (slash != std::string::npos && slash > 0) env_->SyncDir(dir_.substr(0, slash)).IgnoreError();
  }
  SYSKIT_ASSIGN_OR_RETURN(auto names, env_->GetChildren(dir_));
  std::vector<uint64_t> numbers;
  for (const std::string& name : names) {
    uint64_t number = 0;
    if (ParseSegmentName(name, &number)) numbers.push_back(number);
  }
  std::sort(numbers.begin(), numbers.end());
  for (uint64_t number : numbers) {
    auto segment = std::make_shared<Segment>();
    segment->number = number;
    segment->path = SegmentName(number);
    segment->env = env_;
    SYSKIT_ASSIGN_OR_RETURN(segment->file, env_->NewRandomAccessFile(segment->path));
    segments_[number] = segment;
    segment_live_[number] = 0;
    uint64_t offset = 0;
    auto read = ReadLog(env_, segment->path, [&](std::string_view record) -> Status {
      const uint64_t record_offset = offset;
      offset += kLogHeaderSize + record.size();
      if (record.empty()) return CorruptionError(segment->path + ": empty record");
      const uint8_t kind = static_cast<uint8_t>(record[0]);
      std::string_view body = record.substr(1);
      if (kind == kWriteRecord || kind == kPromotedRecord) {
        return IndexWrites(segment, record_offset, record, true);
      }
      if (kind != kDemotionRecord || body.size() < 8) {
        return CorruptionError(segment->path + ": unknown record kind " + std::to_string(kind));
      }
      const uint64_t ingest_id = DecodeFixed64(body.data());
      body.remove_prefix(8);
      recovered_max_ingest_ = std::max(recovered_max_ingest_, ingest_id);
      uint64_t count = 0;
      if (!GetVarint64(&body, &count)) return CorruptionError(segment->path + ": bad demotion");
      std::vector<std::pair<std::string, uint64_t>> keys;
      for (uint64_t i = 0; i < count; ++i) {
        std::string_view key;
        if (!GetLengthPrefixed(&body, &key) || body.size() < 8) {
          return CorruptionError(segment->path + ": bad demotion record");
        }
        keys.emplace_back(std::string(key), DecodeFixed64(body.data()));
        body.remove_prefix(8);
      }
      // Only demotions the slow tier installed took the keys out; a later
      // one is rolled forward by the caller (pending()).
      if (ingest_id <= completed_ingest) {
        Erase(keys);
      } else {
        pending_.push_back({ingest_id, std::move(keys)});
      }
      return Status::OK();
    });
    if (!read.ok()) return read.status();
    segment_size_[number] = read->valid_bytes;
    file_bytes_ += read->valid_bytes;
    next_segment_ = number + 1;
  }
  return NewHead();
}

Status FastStore::IndexWrites(const SegmentPtr& segment, uint64_t offset, std::string_view payload,
                              bool recovering) {
  const bool clean = static_cast<uint8_t>(payload[0]) == kPromotedRecord;
  const std::string_view rep = payload.substr(1);
  if (rep.size() < 12) return CorruptionError(segment->path + ": write record too short");
  uint64_t seq = DecodeFixed64(rep.data());
  const uint32_t record_size = static_cast<uint32_t>(kLogHeaderSize + payload.size());
  std::unique_lock<std::shared_mutex> lock(mu_);
  return ForEachBatchOp(rep, [&](ValueType type, std::string_view key, std::string_view value) {
    const uint64_t op_seq = seq++;
    recovered_max_seq_ = std::max(recovered_max_seq_, op_seq);
    auto it = index_.find(key);
    if (it != index_.end()) {
      if (recovering && it->second.sequence > op_seq) return;
      live_bytes_ -= it->second.charge;
      segment_live_[it->second.segment->number] -= it->second.charge;
    } else {
      it = index_.emplace(std::string(key), Location{}).first;
    }
    Location& loc = it->second;
    loc.segment = segment;
    loc.offset = offset;
    loc.record_size = record_size;
    loc.value_offset = static_cast<uint32_t>(1 + (value.data() - rep.data()));
    loc.value_size = static_cast<uint32_t>(value.size());
    loc.sequence = op_seq;
    loc.type = type;
    loc.clean = clean;
    loc.charge = static_cast<uint32_t>(key.size() + value.size() + kEntryOverhead);
    live_bytes_ += loc.charge;
    segment_live_[segment->number] += loc.charge;
  });
}

Status FastStore::NewHead() {
  const uint64_t number = next_segment_++;
  auto segment = std::make_shared<Segment>();
  segment->number = number;
  segment->path = SegmentName(number);
  segment->env = env_;
  SYSKIT_ASSIGN_OR_RETURN(auto file, env_->NewWritableFile(segment->path));
  SYSKIT_RETURN_IF_ERROR(env_->SyncDir(dir_));
  if (head_writer_ != nullptr) {
    // The durable log stays a prefix of what was written: a later synced
    // record in the new head cannot outlive unsynced ones in the old.
    SYSKIT_RETURN_IF_ERROR(head_writer_->Sync());
    head_writer_->Close().IgnoreError();
  }
  head_writer_ = std::make_unique<LogWriter>(std::move(file));
  SYSKIT_ASSIGN_OR_RETURN(segment->file, env_->NewRandomAccessFile(segment->path));
  std::unique_lock<std::shared_mutex> lock(mu_);
  segments_[number] = segment;
  segment_live_[number] = 0;
  segment_size_[number] = 0;
  head_ = segment;
  return Status::OK();
}

Status FastStore::AppendRecord(const std::string& payload, uint64_t* offset, SegmentPtr* segment) {
  // After a failed append the head's tail is unknown: refuse further appends
  // (the store is then read-only until reopened, which drops the torn tail).
  SYSKIT_RETURN_IF_ERROR(append_error_);
  Status s = AppendRecordUnchecked(payload, offset, segment);
  if (!s.ok()) append_error_ = s;
  return s;
}

Status FastStore::AppendRecordUnchecked(const std::string& payload, uint64_t* offset,
                                        SegmentPtr* segment) {
  if (head_writer_->size() > 0 && head_writer_->size() + payload.size() > segment_bytes_) {
    SYSKIT_RETURN_IF_ERROR(NewHead());
  }
  *offset = head_writer_->size();
  *segment = head_;
  SYSKIT_RETURN_IF_ERROR(head_writer_->AddRecord(payload));
  const uint64_t added = head_writer_->size() - *offset;
  file_bytes_ += added;
  std::unique_lock<std::shared_mutex> lock(mu_);
  segment_size_[head_->number] += added;
  return Status::OK();
}

Status FastStore::Append(const std::string& rep, bool sync, bool promoted) {
  std::string payload;
  payload.reserve(rep.size() + 1);
  payload.push_back(static_cast<char>(promoted ? kPromotedRecord : kWriteRecord));
  payload += rep;
  uint64_t offset = 0;
  SegmentPtr segment;
  SYSKIT_RETURN_IF_ERROR(AppendRecord(payload, &offset, &segment));
  if (sync) SYSKIT_RETURN_IF_ERROR(head_writer_->Sync());
  return IndexWrites(segment, offset, payload, false);
}

Status FastStore::AppendIfAbsent(std::string_view key, std::string_view value, uint64_t sequence) {
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (index_.find(key) != index_.end()) return Status::OK();
  }
  WriteBatch batch;
  batch.Put(key, value);
  std::string rep = batch.rep();
  std::string seq;
  PutFixed64(&seq, sequence);
  rep.replace(0, 8, seq);
  return Append(rep, false, true);
}

Status FastStore::AppendDemotion(uint64_t ingest_id,
                                 const std::vector<std::pair<std::string, uint64_t>>& keys) {
  std::string payload(1, static_cast<char>(kDemotionRecord));
  PutFixed64(&payload, ingest_id);
  PutVarint64(&payload, keys.size());
  for (const auto& [key, seq] : keys) {
    PutLengthPrefixed(&payload, key);
    PutFixed64(&payload, seq);
  }
  uint64_t offset = 0;
  SegmentPtr segment;
  SYSKIT_RETURN_IF_ERROR(AppendRecord(payload, &offset, &segment));
  return head_writer_->Sync();
}

Status FastStore::Sync() {
  if (head_writer_ == nullptr) return Status::OK();  // Recover failed or did not run
  return head_writer_->Sync();
}

Status FastStore::ReadValue(const Location& loc, std::string* value) const {
  std::string record(loc.record_size, '\0');
  SYSKIT_ASSIGN_OR_RETURN(size_t got, loc.segment->file->ReadAt(loc.offset, record));
  if (got != record.size()) {
    return CorruptionError(loc.segment->path + ": record at offset " + std::to_string(loc.offset) +
                           " is cut short");
  }
  const uint32_t length = DecodeFixed32(record.data() + 4);
  if (length + kLogHeaderSize != record.size() ||
      Checksum32(std::string_view(record).substr(4)) != DecodeFixed32(record.data())) {
    return CorruptionError(loc.segment->path + ": checksum mismatch in record at offset " +
                           std::to_string(loc.offset));
  }
  value->assign(record, kLogHeaderSize + loc.value_offset, loc.value_size);
  return Status::OK();
}

Status FastStore::ReadValueCached(const Location& loc, std::string* value, bool fill_cache) const {
  if (cache_ == nullptr) return ReadValue(loc, value);
  // Table file numbers are small; the top bit keeps segment keys apart. The
  // offset is the value's own (a batch's operations share one record).
  const uint64_t file = (uint64_t{1} << 63) | loc.segment->number;
  const uint64_t offset = loc.offset + kLogHeaderSize + loc.value_offset;
  if (auto cached = cache_->Lookup(file, offset)) {
    value->assign(*cached);
    return Status::OK();
  }
  SYSKIT_RETURN_IF_ERROR(ReadValue(loc, value));
  if (fill_cache) cache_->Insert(file, offset, std::make_shared<const std::string>(*value));
  return Status::OK();
}

Status FastStore::Get(std::string_view key, std::string* value, bool* found, ValueType* type,
                      uint64_t* sequence, bool fill_cache) {
  Location loc;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    auto it = index_.find(key);
    *found = it != index_.end();
    if (!*found) return Status::OK();
    loc = it->second;
  }
  *type = loc.type;
  *sequence = loc.sequence;
  if (loc.type == kTypeDeletion) return Status::OK();
  return ReadValueCached(loc, value, fill_cache);
}

void FastStore::Erase(const std::vector<std::pair<std::string, uint64_t>>& keys) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const auto& [key, seq] : keys) {
    auto it = index_.find(key);
    if (it == index_.end() || it->second.sequence != seq) continue;
    live_bytes_ -= it->second.charge;
    segment_live_[it->second.segment->number] -= it->second.charge;
    index_.erase(it);
  }
}

std::vector<std::pair<std::string, FastStore::Location>> FastStore::Range(
    std::string_view begin, std::string_view end) const {
  std::vector<std::pair<std::string, Location>> out;
  std::shared_lock<std::shared_mutex> lock(mu_);
  for (auto it = index_.lower_bound(begin); it != index_.end(); ++it) {
    if (!end.empty() && it->first >= end) break;
    out.emplace_back(it->first, it->second);
  }
  return out;
}

std::shared_ptr<const FastStore::Index> FastStore::CopyIndex() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return std::make_shared<const Index>(index_);
}

double FastStore::OldestLiveFraction() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  if (segments_.size() < 2) return 1.0;
  const uint64_t number = segments_.begin()->first;
  const uint64_t size = segment_size_.at(number);
  if (size == 0) return 0.0;
  return static_cast<double>(segment_live_.at(number)) / static_cast<double>(size);
}

Status FastStore::ReclaimOldest(uint64_t* freed, uint64_t* copied) {
  *freed = 0;
  *copied = 0;
  std::lock_guard<std::mutex> write_lock(write_mu_);
  SegmentPtr oldest;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (segments_.size() < 2) return Status::OK();
    oldest = segments_.begin()->second;
  }
  // Re-append every entry of this segment the index still points at (read
  // in file order: sequential reads of one segment, not an index scan).
  std::vector<std::pair<std::string, Location>> live;
  uint64_t offset = 0;
  auto read = ReadLog(env_, oldest->path, [&](std::string_view record) -> Status {
    const uint64_t record_offset = offset;
    offset += kLogHeaderSize + record.size();
    if (record.empty() || (static_cast<uint8_t>(record[0]) != kWriteRecord &&
                           static_cast<uint8_t>(record[0]) != kPromotedRecord)) {
      return Status::OK();
    }
    std::shared_lock<std::shared_mutex> lock(mu_);
    return ForEachBatchOp(record.substr(1), [&](ValueType, std::string_view key, std::string_view) {
      auto it = index_.find(key);
      if (it != index_.end() && it->second.segment == oldest &&
          it->second.offset == record_offset) {
        live.emplace_back(it->first, it->second);
      }
    });
  });
  if (!read.ok()) return read.status();
  for (const auto& [key, loc] : live) {
    WriteBatch batch;
    std::string value;
    if (loc.type == kTypeValue) {
      SYSKIT_RETURN_IF_ERROR(ReadValue(loc, &value));
      batch.Put(key, value);
    } else {
      batch.Delete(key);
    }
    std::string rep = batch.rep();
    std::string seq;
    PutFixed64(&seq, loc.sequence);
    rep.replace(0, 8, seq);
    std::string payload(1, static_cast<char>(loc.clean ? kPromotedRecord : kWriteRecord));
    payload += rep;
    uint64_t append_offset = 0;
    SegmentPtr segment;
    SYSKIT_RETURN_IF_ERROR(AppendRecord(payload, &append_offset, &segment));
    *copied += kLogHeaderSize + payload.size();
    // Writers are held off (write_mu_), so the entry is still the one copied.
    SYSKIT_RETURN_IF_ERROR(IndexWrites(segment, append_offset, payload, false));
  }
  // The copies must be durable before the only other copy goes away.
  SYSKIT_RETURN_IF_ERROR(head_writer_->Sync());
  uint64_t size = 0;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    size = segment_size_[oldest->number];
    segments_.erase(oldest->number);
    segment_live_.erase(oldest->number);
    segment_size_.erase(oldest->number);
  }
  // Unlinked now (readers holding the segment keep reading through their
  // open descriptor) and the directory synced, so segments disappear from
  // disk strictly oldest first, which recovery's replay rule relies on.
  SYSKIT_RETURN_IF_ERROR(env_->DeleteFile(oldest->path));
  SYSKIT_RETURN_IF_ERROR(env_->SyncDir(dir_));
  file_bytes_ -= size;
  *freed = size;
  return Status::OK();
}

bool FastStore::Find(std::string_view key, Location* loc) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  *loc = it->second;
  return true;
}

size_t FastStore::num_keys() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return index_.size();
}

size_t FastStore::num_segments() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return segments_.size();
}

}  // namespace syskit::kv
