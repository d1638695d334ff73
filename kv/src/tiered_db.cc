// TieredDB: see tiered_db.h.
#include "tiered_db.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "format.h"
#include "syskit/core/random.h"
#include "tiered_iterator.h"

namespace syskit::kv {
namespace {

// Live bytes (of the capacity) above which a migration step demotes a range;
// below it the step reclaims the oldest segment, whose dead entries then
// make up most of the space above this mark.
constexpr double kLiveTarget = 0.8;
// Unpopular keys per candidate probed against the slow tier's Bloom filters
// to estimate the overlap fraction o.
constexpr size_t kOverlapProbes = 32;

uint64_t NowMicros() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

double CostBenefitScore(const MigrationCandidate& c) {
  if (c.fast_keys == 0 || c.popular_keys >= c.fast_keys || c.demote_bytes == 0) return 0;
  const double unpopular = static_cast<double>(c.fast_keys - c.popular_keys);
  const double p = static_cast<double>(c.popular_keys) / static_cast<double>(c.fast_keys);
  const double o = std::min(1.0, static_cast<double>(c.overlap_keys) / unpopular);
  const double f =
      static_cast<double>(c.slow_bytes + c.demote_bytes) / static_cast<double>(c.demote_bytes);
  const double cost = f * (2.0 - o) / (1.0 - p) + 1.0;
  return unpopular / cost;
}

int PickMigrationRange(const std::vector<MigrationCandidate>& candidates) {
  int best = -1;
  double best_score = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const double score = CostBenefitScore(candidates[i]);
    if (score > best_score) {
      best_score = score;
      best = static_cast<int>(i);
    }
  }
  return best;
}

TieredDB::TieredDB(const Options& options, std::string path)
    : options_(options),
      tiering_(options.tiering),
      path_(std::move(path)),
      range_rng_(options.tiering.seed, uint64_t{1} << 20) {}

Result<std::unique_ptr<DB>> TieredDB::Open(const Options& given, const std::string& path) {
  Options options = given;
  TieringOptions& t = options.tiering;
  // TIERS: "fast_tier_bytes=N\nfast_dir=D\n", written when the store is
  // created. A later open without tiering options takes it from there.
  const std::string tiers_file = path + "/TIERS";
  if (options.env->FileExists(tiers_file)) {
    SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(options.env, tiers_file));
    uint64_t recorded = 0;
    std::string recorded_dir;
    size_t at = 0;
    while (at < text.size()) {
      const size_t nl = text.find('\n', at);
      if (nl == std::string::npos) return CorruptionError(tiers_file + ": truncated");
      const std::string line = text.substr(at, nl - at);
      at = nl + 1;
      if (line.rfind("fast_tier_bytes=", 0) == 0) {
        recorded = std::strtoull(line.c_str() + 16, nullptr, 10);
      } else if (line.rfind("fast_dir=", 0) == 0) {
        recorded_dir = line.substr(9);
      } else {
        return CorruptionError(tiers_file + ": unknown line '" + line + "'");
      }
    }
    if (recorded == 0) return CorruptionError(tiers_file + ": no fast_tier_bytes");
    // The capacity may change between opens; the fast tier's place may not
    // (its segments would be left behind).
    if (t.fast_tier_bytes == 0) t.fast_tier_bytes = recorded;
    if (t.fast_dir.empty()) t.fast_dir = recorded_dir;
    if (t.fast_dir != recorded_dir) {
      return InvalidArgumentError(path + ": the fast tier is in '" +
                                  (recorded_dir.empty() ? path + "/fast" : recorded_dir) +
                                  "' (TIERS), not '" + t.fast_dir + "'");
    }
  } else if (t.fast_tier_bytes == 0) {
    return InvalidArgumentError("tiering options without fast_tier_bytes");
  }
  if (!(t.migrate_stop > 0 && t.migrate_stop < t.migrate_start && t.migrate_start <= 1) ||
      !(t.pin_threshold >= 0 && t.pin_threshold <= 1) || t.sampled_ranges < 0 ||
      !(t.promotion_read_share >= 0 && t.promotion_read_share <= 1) || t.promotion_window == 0 ||
      t.fast_tier_bytes < (64 << 10) || t.segment_bytes < 4096) {
    return InvalidArgumentError(
        "invalid tiering options (0 < migrate_stop < migrate_start <= 1, pin_threshold and "
        "promotion_read_share in [0, 1], promotion_window > 0, fast_tier_bytes >= 64 KiB, "
        "segment_bytes >= 4096)");
  }
  // At least 16 segments, so reclaiming the oldest frees a small share.
  t.segment_bytes = std::max<uint64_t>(4096, std::min(t.segment_bytes, t.fast_tier_bytes / 16));
  std::unique_ptr<TieredDB> db(new TieredDB(options, path));
  SYSKIT_RETURN_IF_ERROR(db->Recover());
  return std::unique_ptr<DB>(std::move(db));
}

Status TieredDB::Recover() {
  Options slow = options_;
  slow.tiering = TieringOptions();
  slow.popularity_tracker_keys = 0;  // this class tracks reads across both tiers
  slow.tier = 1;
  slow_ = std::make_unique<DBImpl>(slow, path_);
  SYSKIT_RETURN_IF_ERROR(slow_->Recover());  // takes the LOCK
  // TIERS (see Open) is written before the fast tier holds anything, under
  // the lock, so no crash leaves fast-tier data that a later open skips.
  const std::string tiers_file = path_ + "/TIERS";
  if (!options_.env->FileExists(tiers_file)) {
    SYSKIT_RETURN_IF_ERROR(
        WriteFileAtomically(options_.env,
                            "fast_tier_bytes=" + std::to_string(tiering_.fast_tier_bytes) +
                                "\nfast_dir=" + tiering_.fast_dir + "\n",
                            tiers_file));
  }
  const std::string fast_dir = tiering_.fast_dir.empty() ? path_ + "/fast" : tiering_.fast_dir;
  fast_ = std::make_unique<FastStore>(options_.env, fast_dir, tiering_.segment_bytes);
  fast_->set_cache(slow_->block_cache());
  SYSKIT_RETURN_IF_ERROR(fast_->Recover(slow_->last_ingest_id()));
  last_sequence_ = std::max(fast_->max_sequence(), slow_->last_sequence());
  // Finish the demotions a crash cut short, under their own ids, so the
  // slow tier's last ingest id keeps meaning "every id up to it is done".
  for (const FastStore::PendingDemotion& pending : fast_->pending()) {
    if (pending.ingest_id != slow_->last_ingest_id() + 1) {
      return CorruptionError(fast_dir + ": demotion record " + std::to_string(pending.ingest_id) +
                             " does not follow the slow tier's last ingest " +
                             std::to_string(slow_->last_ingest_id()));
    }
    std::vector<std::pair<std::string, FastStore::Location>> demote;
    for (const auto& [key, sequence] : pending.keys) {
      FastStore::Location loc;
      if (fast_->Find(key, &loc) && loc.sequence == sequence) demote.emplace_back(key, loc);
    }
    uint64_t freed = 0;
    SYSKIT_RETURN_IF_ERROR(Demote(demote, pending.ingest_id, false, &freed));
    ++rolled_forward_;
  }
  next_ingest_id_ = std::max(fast_->max_ingest_id(), slow_->last_ingest_id()) + 1;
  if (tiering_.use_popularity) {
    const size_t keys = options_.popularity_tracker_keys > 0
                            ? options_.popularity_tracker_keys
                            : std::max<size_t>(1024, tiering_.fast_tier_bytes / 1024);
    tracker_ = std::make_unique<PopularityTracker>(keys);
  }
  migration_thread_ = std::thread([this] { MigrationThread(); });
  return Status::OK();
}

TieredDB::~TieredDB() {
  {
    std::lock_guard<std::mutex> guard(mu_);
    shutting_down_ = true;
  }
  migrate_cv_.notify_all();
  room_cv_.notify_all();
  if (migration_thread_.joinable()) migration_thread_.join();
  if (fast_ != nullptr) {
    std::lock_guard<std::mutex> guard(fast_->write_mutex());
    fast_->Sync().IgnoreError();
  }
}

// ------------------------------------------------------------------- writes

Status TieredDB::Write(const WriteOptions& options, WriteBatch* batch) {
  if (batch == nullptr) return Status::OK();
  SYSKIT_RETURN_IF_ERROR(ValidateBatch(*batch, options_));
  if (batch->Count() == 0) return Status::OK();
  const uint64_t capacity = tiering_.fast_tier_bytes;
  if (batch->ApproximateSize() > capacity / 8) {
    return InvalidArgumentError("write batch of " + std::to_string(batch->ApproximateSize()) +
                                " bytes exceeds an eighth of the fast tier (" +
                                std::to_string(capacity) + " bytes)");
  }
  CountOp(false);
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (fast_->file_bytes() + batch->ApproximateSize() >= capacity) {
      // The fast tier is full: wait for the migration thread, which keeps
      // going while a writer waits.
      const uint64_t start = NowMicros();
      ++stalls_;
      ++waiting_writers_;
      migrate_cv_.notify_all();
      room_cv_.wait(lock, [&] {
        return shutting_down_ || !bg_error_.ok() ||
               fast_->file_bytes() + batch->ApproximateSize() < capacity;
      });
      --waiting_writers_;
      stall_micros_ += NowMicros() - start;
    }
    if (!bg_error_.ok()) return bg_error_;
    if (shutting_down_) return FailedPreconditionError("database is closing");
  }
  {
    std::lock_guard<std::mutex> guard(fast_->write_mutex());
    std::string* rep = batch->mutable_rep();
    std::string seq;
    PutFixed64(&seq, last_sequence_ + 1);
    rep->replace(0, 8, seq);
    Status s = fast_->Append(*rep, options.sync);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (bg_error_.ok()) bg_error_ = s;
      return s;
    }
    last_sequence_ += batch->Count();
  }
  if (fast_->file_bytes() >= static_cast<uint64_t>(tiering_.migrate_start * capacity)) {
    migrate_cv_.notify_all();
  }
  return Status::OK();
}

// -------------------------------------------------------------------- reads

void TieredDB::CountOp(bool read) {
  if (read) reads_.fetch_add(1, std::memory_order_relaxed);
  const uint64_t ops = ops_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (ops % tiering_.promotion_window != 0) return;
  const uint64_t reads = reads_.load(std::memory_order_relaxed);
  const uint64_t window_reads = reads - window_reads_start_.exchange(reads);
  read_dominated_.store(static_cast<double>(window_reads) >=
                        tiering_.promotion_read_share *
                            static_cast<double>(tiering_.promotion_window));
  if (tracker_ != nullptr) {
    auto probabilities = PinningProbabilities(tracker_->Histogram(), tiering_.pin_threshold);
    std::lock_guard<std::mutex> guard(pin_mu_);
    pin_probabilities_ = probabilities;
  }
}

std::array<double, 4> TieredDB::CurrentPinProbabilities() {
  if (tracker_ == nullptr) return {0, 0, 0, 0};
  return PinningProbabilities(tracker_->Histogram(), tiering_.pin_threshold);
}

bool TieredDB::Popular(std::string_view key, const std::array<double, 4>& probabilities) {
  if (tracker_ == nullptr) return false;
  static std::atomic<uint64_t> streams{0};
  thread_local Random rng(tiering_.seed, streams.fetch_add(1));
  return IsPopular(*tracker_, probabilities, key, rng);
}

Status TieredDB::Get(const ReadOptions& options, std::string_view key, std::string* value) {
  if (options.snapshot != nullptr) {
    const auto* snapshot = static_cast<const TieredSnapshot*>(options.snapshot);
    auto it = snapshot->index->find(key);
    if (it != snapshot->index->end()) {
      if (it->second.type == kTypeDeletion) return NotFoundError("key not found");
      return fast_->ReadValueCached(it->second, value, options.fill_cache);
    }
    ReadOptions slow_options = options;
    slow_options.snapshot = snapshot->slow;
    return slow_->Get(slow_options, key, value);
  }
  CountOp(true);
  const uint64_t epoch = demotion_epoch_.load(std::memory_order_acquire);
  bool found = false;
  ValueType type = kTypeValue;
  uint64_t sequence = 0;
  SYSKIT_RETURN_IF_ERROR(fast_->Get(key, value, &found, &type, &sequence, options.fill_cache));
  if (found) {
    if (type == kTypeDeletion) {
      ++misses_;
      return NotFoundError("key not found");
    }
    ++fast_hits_;
    if (tracker_ != nullptr) tracker_->Touch(key);
    return Status::OK();
  }
  Status s = slow_->Get(options, key, value);
  if (!s.ok()) {
    if (s.code() == StatusCode::kNotFound) ++misses_;
    return s;
  }
  ++slow_hits_;
  if (tracker_ != nullptr) {
    tracker_->Touch(key);
    MaybePromote(key, *value, epoch);
  }
  return Status::OK();
}

void TieredDB::MaybePromote(std::string_view key, const std::string& value, uint64_t epoch) {
  if (!tiering_.promotion || !read_dominated_.load(std::memory_order_relaxed)) return;
  std::array<double, 4> probabilities;
  {
    std::lock_guard<std::mutex> guard(pin_mu_);
    probabilities = pin_probabilities_;
  }
  if (!Popular(key, probabilities)) return;
  // Promotions fill free room only, up to the migration trigger: they never
  // start a migration themselves (that demoted dirty keys to make room for
  // clean copies, paying slow-tier writes on a read-only workload).
  const auto start =
      static_cast<uint64_t>(tiering_.migrate_start * static_cast<double>(tiering_.fast_tier_bytes));
  if (fast_->file_bytes() + key.size() + value.size() + 64 >= start) return;
  {
    std::lock_guard<std::mutex> guard(fast_->write_mutex());
    // A demotion finished since the slow-tier read: the value read may be
    // older than one demoted meanwhile, so do not copy it up.
    if (demotion_epoch_.load(std::memory_order_acquire) != epoch) return;
    Status s = fast_->AppendIfAbsent(key, value, last_sequence_ + 1);
    if (!s.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      if (bg_error_.ok()) bg_error_ = s;  // the fast tier stops taking writes
      return;
    }
    ++last_sequence_;
  }
  ++promotions_;
}

// ---------------------------------------------------------------- migration

void TieredDB::MigrationThread() {
  const uint64_t capacity = tiering_.fast_tier_bytes;
  const auto start = static_cast<uint64_t>(tiering_.migrate_start * static_cast<double>(capacity));
  const auto stop = static_cast<uint64_t>(tiering_.migrate_stop * static_cast<double>(capacity));
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    migrate_cv_.wait(lock, [&] {
      return shutting_down_ ||
             (bg_error_.ok() && (fast_->file_bytes() >= start || waiting_writers_ > 0));
    });
    if (shutting_down_) break;
    ++migrations_;
    lock.unlock();
    Status s;
    size_t idle_steps = 0;  // steps in a row that freed nothing
    while (s.ok() && idle_steps <= fast_->num_segments()) {
      {
        std::lock_guard<std::mutex> guard(mu_);
        if (shutting_down_) break;
        // Down to migrate_stop, and on while a writer still waits for room.
        if (fast_->file_bytes() <= stop && waiting_writers_ == 0) break;
      }
      bool progressed = false;
      const uint64_t live = fast_->live_bytes();
      if (live > static_cast<uint64_t>(kLiveTarget * static_cast<double>(capacity))) {
        uint64_t freed_live = 0;
        // Popular keys are demoted too only when they alone overfill the tier.
        s = DemoteOneRange(live > stop, &freed_live);
        progressed = freed_live > 0;
      }
      if (s.ok() && !progressed) {
        uint64_t freed = 0, copied = 0;
        s = fast_->ReclaimOldest(&freed, &copied);
        ++reclaims_;
        reclaim_copied_bytes_ += copied;
        progressed = freed > copied;
      }
      room_cv_.notify_all();
      idle_steps = progressed ? 0 : idle_steps + 1;
    }
    // Nothing could move although a writer waits (e.g. every key pinned and
    // under the stop mark): do not spin; try again shortly.
    if (idle_steps > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    lock.lock();
    if (!s.ok() && bg_error_.ok()) bg_error_ = s;
    room_cv_.notify_all();
  }
}

Status TieredDB::DemoteOneRange(bool allow_forced, uint64_t* freed_live) {
  *freed_live = 0;
  // Candidate ranges: one per table of the slow tier's deepest level, from
  // its smallest key to the next one's (the whole key space when empty).
  std::vector<DBImpl::TableRange> tables = slow_->TableRanges();
  int deepest = -1;
  for (const auto& t : tables) deepest = std::max(deepest, t.level);
  std::vector<std::string> bounds;
  for (const auto& t : tables) {
    if (t.level == deepest) bounds.push_back(t.smallest);
  }
  std::sort(bounds.begin(), bounds.end());
  if (!bounds.empty()) bounds.front().clear();  // the first range starts at the beginning
  if (bounds.empty()) bounds.emplace_back();
  std::vector<size_t> picked(bounds.size());
  for (size_t i = 0; i < picked.size(); ++i) picked[i] = i;
  Random& rng = range_rng_;
  if (tiering_.sampled_ranges > 0 && picked.size() > static_cast<size_t>(tiering_.sampled_ranges)) {
    for (size_t i = 0; i < static_cast<size_t>(tiering_.sampled_ranges); ++i) {
      std::swap(picked[i], picked[i + rng.Uniform(picked.size() - i)]);
    }
    picked.resize(static_cast<size_t>(tiering_.sampled_ranges));
  }
  const std::array<double, 4> probabilities = CurrentPinProbabilities();
  struct Scored {
    std::vector<std::pair<std::string, FastStore::Location>> keep, demote;
  };
  std::vector<MigrationCandidate> candidates;
  std::vector<Scored> scored;
  for (size_t index : picked) {
    const std::string& begin = bounds[index];
    const std::string end = index + 1 < bounds.size() ? bounds[index + 1] : std::string();
    Scored entry;
    MigrationCandidate c;
    for (auto& [key, loc] : fast_->Range(begin, end)) {
      ++c.fast_keys;
      if (Popular(key, probabilities)) {
        ++c.popular_keys;
        entry.keep.emplace_back(std::move(key), std::move(loc));
      } else {
        if (!loc.clean) c.demote_bytes += loc.charge;
        entry.demote.emplace_back(std::move(key), std::move(loc));
      }
    }
    const size_t step = std::max<size_t>(1, entry.demote.size() / kOverlapProbes);
    uint64_t probed = 0, present = 0;
    for (size_t i = 0; i < entry.demote.size(); i += step, ++probed) {
      present += slow_->MayContain(entry.demote[i].first) ? 1 : 0;
    }
    if (probed > 0) c.overlap_keys = present * entry.demote.size() / probed;
    for (const auto& t : tables) {
      if ((end.empty() || t.smallest < end) && t.largest >= begin) c.slow_bytes += t.bytes;
    }
    // Clean entries free fast-tier space without a slow-tier write.
    if (c.demote_bytes == 0 && !entry.demote.empty()) c.demote_bytes = 1;
    candidates.push_back(c);
    scored.push_back(std::move(entry));
  }
  int best = PickMigrationRange(candidates);
  if (best < 0 && !allow_forced) return Status::OK();
  if (best < 0) {
    // Every candidate is all popular: pinned keys exceed the fast tier, so
    // the largest range goes down whole (pinning is capped by capacity).
    size_t most = 0;
    for (size_t i = 0; i < scored.size(); ++i) {
      if (scored[i].keep.size() + scored[i].demote.size() > most) {
        most = scored[i].keep.size() + scored[i].demote.size();
        best = static_cast<int>(i);
      }
    }
    if (best < 0) return Status::OK();
    ++forced_demotions_;
    auto& entry = scored[static_cast<size_t>(best)];
    for (auto& kept : entry.keep) entry.demote.push_back(std::move(kept));
    entry.keep.clear();
    std::sort(entry.demote.begin(), entry.demote.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  Scored& chosen = scored[static_cast<size_t>(best)];
  pinned_kept_ += chosen.keep.size();
  // One demotion moves at most what brings the tier under migrate_stop (and
  // at least a few table files' worth or a tenth of the tier, whichever is
  // less), as a key-contiguous window of the range's unpopular entries
  // starting at a random one: a narrow key span overlaps few slow-tier
  // tables, so the ingest lands deep and costs little compaction (taking the
  // oldest entries of the range instead spread each batch over the whole
  // range: 921 against 44 slow-tier bytes written per op on YCSB B), and the
  // random start reaches keys that sort late in a wide range.
  const auto stop =
      static_cast<uint64_t>(tiering_.migrate_stop * static_cast<double>(tiering_.fast_tier_bytes));
  const uint64_t file = fast_->file_bytes();
  const uint64_t budget =
      std::max<uint64_t>(file > stop ? file - stop : 0,
                         std::min<uint64_t>(4 * static_cast<uint64_t>(options_.target_file_size),
                                            tiering_.fast_tier_bytes / 10));
  uint64_t total = 0;
  for (const auto& entry : chosen.demote) total += entry.second.charge;
  if (total > budget) {
    // The start is uniform over the starts whose window reaches the budget
    // (so the tail of the range is not favoured); the window is [first, last).
    const size_t n = chosen.demote.size();
    size_t latest = n;
    for (uint64_t suffix = 0; latest > 0 && suffix < budget;) {
      suffix += chosen.demote[--latest].second.charge;
    }
    size_t first = rng.Uniform(latest + 1), last = first;
    uint64_t taken = 0;
    while (last < n && taken < budget) taken += chosen.demote[last++].second.charge;
    chosen.demote.erase(chosen.demote.begin() + static_cast<std::ptrdiff_t>(last),
                        chosen.demote.end());
    chosen.demote.erase(chosen.demote.begin(),
                        chosen.demote.begin() + static_cast<std::ptrdiff_t>(first));
  }
  return Demote(chosen.demote, next_ingest_id_++, true, freed_live);
}

Status TieredDB::Demote(const std::vector<std::pair<std::string, FastStore::Location>>& demote,
                        uint64_t id, bool write_record, uint64_t* freed_live) {
  DBImpl::Entries entries;
  std::vector<std::pair<std::string, uint64_t>> keys;
  uint64_t bytes = 0, clean = 0;
  for (const auto& [key, loc] : demote) {
    keys.emplace_back(key, loc.sequence);
    *freed_live += loc.charge;
    if (loc.clean) {
      ++clean;
      continue;
    }
    std::string ikey;
    AppendInternalKey(&ikey, key, loc.sequence, loc.type);
    std::string value;
    if (loc.type == kTypeValue) SYSKIT_RETURN_IF_ERROR(fast_->ReadValue(loc, &value));
    bytes += ikey.size() + value.size();
    entries.emplace_back(std::move(ikey), std::move(value));
  }
  if (keys.empty() && write_record) return Status::OK();
  if (write_record) {
    // Everything written before the demotion record must be durable first:
    // a recovered log can then never hold an older version of a demoted key
    // without the record that took it out.
    std::lock_guard<std::mutex> guard(fast_->write_mutex());
    SYSKIT_RETURN_IF_ERROR(fast_->Sync());
    SYSKIT_RETURN_IF_ERROR(fast_->AppendDemotion(id, keys));
  }
  SYSKIT_RETURN_IF_ERROR(slow_->Ingest(entries, id));
  {
    // Under the write lock, epoch first: a promotion that read the slow tier
    // before this ingest sees the new epoch and gives up (MaybePromote).
    std::lock_guard<std::mutex> guard(fast_->write_mutex());
    demotion_epoch_.fetch_add(1, std::memory_order_release);
    fast_->Erase(keys);
  }
  ++demotions_;
  demoted_keys_ += entries.size();
  demoted_bytes_ += bytes;
  dropped_clean_ += clean;
  return Status::OK();
}

// -------------------------------------------------- iterators and snapshots

const Snapshot* TieredDB::GetSnapshot() {
  std::lock_guard<std::mutex> guard(fast_->write_mutex());
  const Snapshot* slow = slow_->GetSnapshotAt(last_sequence_);
  return new TieredSnapshot(last_sequence_, fast_->CopyIndex(), slow);
}

void TieredDB::ReleaseSnapshot(const Snapshot* snapshot) {
  const auto* tiered = static_cast<const TieredSnapshot*>(snapshot);
  slow_->ReleaseSnapshot(tiered->slow);
  delete tiered;
}

std::unique_ptr<Iterator> TieredDB::NewIterator(const ReadOptions& options) {
  if (options.snapshot != nullptr) {
    const auto* snapshot = static_cast<const TieredSnapshot*>(options.snapshot);
    ReadOptions slow_options = options;
    slow_options.snapshot = snapshot->slow;
    return std::make_unique<TieredIterator>(fast_.get(), snapshot->index,
                                            slow_->NewIterator(slow_options), nullptr, nullptr,
                                            options.fill_cache);
  }
  // A private snapshot: the index copy and the slow tier at the same sequence.
  const auto* snapshot = static_cast<const TieredSnapshot*>(GetSnapshot());
  ReadOptions slow_options = options;
  slow_options.snapshot = snapshot->slow;
  return std::make_unique<TieredIterator>(fast_.get(), snapshot->index,
                                          slow_->NewIterator(slow_options), this, snapshot,
                                          options.fill_cache);
}

Status TieredDB::Flush() {
  std::lock_guard<std::mutex> guard(fast_->write_mutex());
  return fast_->Sync();
}

Status TieredDB::CompactRange(std::string_view begin, std::string_view end) {
  return slow_->CompactRange(begin, end);
}

// ---------------------------------------------------------------- statistics

std::string TieredDB::TierStats() {
  const uint64_t fast = fast_hits_.load(), slow = slow_hits_.load();
  std::array<uint64_t, 4> histogram{};
  if (tracker_ != nullptr) histogram = tracker_->Histogram();
  char line[1024];
  std::snprintf(
      line, sizeof(line),
      "fast_capacity=%" PRIu64 " fast_file_bytes=%" PRIu64 " fast_live_bytes=%" PRIu64
      " fast_keys=%zu fast_segments=%zu fast_hits=%" PRIu64 " slow_hits=%" PRIu64
      " fast_hit_ratio=%.4f misses=%" PRIu64 " promotions=%" PRIu64 " migrations=%" PRIu64
      " demotions=%" PRIu64 " demoted_keys=%" PRIu64 " demoted_bytes=%" PRIu64
      " dropped_clean=%" PRIu64 " pinned_kept=%" PRIu64 " forced_demotions=%" PRIu64
      " reclaims=%" PRIu64 " reclaim_copied_bytes=%" PRIu64 " rolled_forward=%" PRIu64
      " stalls=%" PRIu64 " stall_micros=%" PRIu64 " popularity=%s clock_histogram=%" PRIu64
      ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
      tiering_.fast_tier_bytes, fast_->file_bytes(), fast_->live_bytes(), fast_->num_keys(),
      fast_->num_segments(), fast, slow,
      fast + slow > 0 ? static_cast<double>(fast) / static_cast<double>(fast + slow) : 0.0,
      misses_.load(), promotions_.load(), migrations_.load(), demotions_.load(),
      demoted_keys_.load(), demoted_bytes_.load(), dropped_clean_.load(), pinned_kept_.load(),
      forced_demotions_.load(), reclaims_.load(), reclaim_copied_bytes_.load(),
      rolled_forward_.load(), stalls_.load(), stall_micros_.load(),
      tracker_ != nullptr ? "on" : "off", histogram[0], histogram[1], histogram[2], histogram[3]);
  return line;
}

bool TieredDB::GetProperty(std::string_view name, std::string* value) {
  if (name == "kv.tier-stats") {
    *value = TierStats();
    return true;
  }
  if (name == "kv.stall-micros") {
    std::string slow;
    slow_->GetProperty(name, &slow);
    *value = std::to_string(stall_micros_.load() + std::strtoull(slow.c_str(), nullptr, 10));
    return true;
  }
  if (name == "kv.last-sequence") {
    std::lock_guard<std::mutex> guard(fast_->write_mutex());
    *value = std::to_string(last_sequence_);
    return true;
  }
  if (!slow_->GetProperty(name, value)) return false;
  if (name == "kv.stats") *value += "tiers: " + TierStats() + "\n";
  return true;
}

}  // namespace syskit::kv
