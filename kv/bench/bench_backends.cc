#include "bench_backends.h"

#include <algorithm>
#include <limits>

#ifdef SYSKIT_KV_HAVE_ROCKSDB
#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#endif
#ifdef SYSKIT_KV_HAVE_LEVELDB
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#endif

namespace syskit::kv::bench_driver {

std::vector<std::pair<std::string, EmulatedDevice*>> DevicePrefixes(const std::string& dir,
                                                                    const Config& config) {
  std::vector<std::pair<std::string, EmulatedDevice*>> out;
  for (const auto& [subdir, device] : config.placement) {
    out.emplace_back(subdir.empty() ? dir + "/" : dir + "/" + subdir + "/", device);
  }
  return out;
}

namespace {

// The device charged for `path`: the first prefix that matches.
EmulatedDevice* DeviceOf(const std::vector<std::pair<std::string, EmulatedDevice*>>& prefixes,
                         const std::string& path) {
  for (const auto& [prefix, device] : prefixes) {
    if (path.starts_with(prefix)) return device;
  }
  return nullptr;
}

class SyskitBackend final : public Backend {
 public:
  Status Open(const std::string& dir, const Config& config) override {
    Options options;
    options.block_cache_bytes = config.block_cache_bytes;
    options.bloom_bits_per_key = config.bloom_bits;
    options.write_buffer_size = config.write_buffer_bytes;
    options.compression = config.compression;
    if (!config.placement.empty()) {
      env_ = std::make_unique<DeviceEnv>(Env::Default(), DevicePrefixes(dir, config));
      options.env = env_.get();
    }
    if (config.fast_tier_bytes > 0) {
      options.tiering.fast_tier_bytes = config.fast_tier_bytes;
      options.tiering.use_popularity = config.popularity;
      options.tiering.pin_threshold = config.pin_threshold;
      options.tiering.promotion = config.popularity;
      options.popularity_tracker_keys = config.tracker_keys;
    }
    SYSKIT_ASSIGN_OR_RETURN(db_, DB::Open(options, dir));
    return Status::OK();
  }
  Status Put(std::string_view key, std::string_view value) override {
    return db_->Put({}, key, value);
  }
  Status Get(std::string_view key, std::string* value) override { return db_->Get({}, key, value); }
  Result<int> Scan(std::string_view start, int count) override {
    auto it = db_->NewIterator({});
    int n = 0;
    for (it->Seek(start); it->Valid() && n < count; it->Next()) ++n;
    SYSKIT_RETURN_IF_ERROR(it->status());
    return n;
  }
  std::string Stats() override {
    std::string stats;
    return db_->GetProperty("kv.stats", &stats) ? stats : "";
  }
  std::string TierStats() override {
    std::string stats;
    return db_->GetProperty("kv.tier-stats", &stats) ? stats : "";
  }
  void Close() override {
    db_.reset();
    env_.reset();
  }

 private:
  std::unique_ptr<DeviceEnv> env_;  // outlives db_
  std::unique_ptr<DB> db_;
};

#ifdef SYSKIT_KV_HAVE_ROCKSDB
// RocksDB's files through the same device model as syskit's DeviceEnv.
class DeviceRandomAccessFile final : public rocksdb::FSRandomAccessFileOwnerWrapper {
 public:
  DeviceRandomAccessFile(std::unique_ptr<rocksdb::FSRandomAccessFile> base, EmulatedDevice* device)
      : FSRandomAccessFileOwnerWrapper(std::move(base)), device_(device) {}
  rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& options,
                         rocksdb::Slice* result, char* scratch,
                         rocksdb::IODebugContext* dbg) const override {
    const uint64_t issued = SteadyNowNanos();
    rocksdb::IOStatus s = target()->Read(offset, n, options, result, scratch, dbg);
    if (s.ok()) device_->ReadRange(offset, result->size(), issued);
    return s;
  }
  rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs,
                              const rocksdb::IOOptions& options,
                              rocksdb::IODebugContext* dbg) override {
    const uint64_t issued = SteadyNowNanos();
    rocksdb::IOStatus s = target()->MultiRead(reqs, num_reqs, options, dbg);
    for (size_t i = 0; i < num_reqs; ++i) {
      if (reqs[i].status.ok()) device_->ReadRange(reqs[i].offset, reqs[i].result.size(), issued);
    }
    return s;
  }

 private:
  EmulatedDevice* device_;
};

class DeviceWritable final : public rocksdb::FSWritableFileOwnerWrapper {
 public:
  DeviceWritable(std::unique_ptr<rocksdb::FSWritableFile> base, EmulatedDevice* device,
                 uint64_t existing)
      : FSWritableFileOwnerWrapper(std::move(base)), tracker_(device, existing) {}
  ~DeviceWritable() override { tracker_.Closed(); }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->Append(data, options, dbg);
    if (s.ok()) tracker_.Appended(data.size());
    return s;
  }
  rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& options,
                           const rocksdb::DataVerificationInfo& info,
                           rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->Append(data, options, info, dbg);
    if (s.ok()) tracker_.Appended(data.size());
    return s;
  }
  rocksdb::IOStatus Sync(const rocksdb::IOOptions& options, rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->Sync(options, dbg);
    if (s.ok()) tracker_.Synced();
    return s;
  }
  rocksdb::IOStatus Fsync(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->Fsync(options, dbg);
    if (s.ok()) tracker_.Synced();
    return s;
  }
  rocksdb::IOStatus Close(const rocksdb::IOOptions& options,
                          rocksdb::IODebugContext* dbg) override {
    tracker_.Closed();
    return target()->Close(options, dbg);
  }

 private:
  DeviceWriteTracker tracker_;
};

class DeviceFileSystem final : public rocksdb::FileSystemWrapper {
 public:
  explicit DeviceFileSystem(std::vector<std::pair<std::string, EmulatedDevice*>> prefixes)
      : FileSystemWrapper(rocksdb::FileSystem::Default()), prefixes_(std::move(prefixes)) {}
  const char* Name() const override { return "SyskitDeviceFileSystem"; }
  rocksdb::IOStatus NewRandomAccessFile(const std::string& f, const rocksdb::FileOptions& o,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* r,
                                        rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewRandomAccessFile(f, o, r, dbg);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = std::make_unique<DeviceRandomAccessFile>(std::move(*r), device);
    }
    return s;
  }
  rocksdb::IOStatus NewWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                    std::unique_ptr<rocksdb::FSWritableFile>* r,
                                    rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->NewWritableFile(f, o, r, dbg);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = std::make_unique<DeviceWritable>(std::move(*r), device, 0);
    }
    return s;
  }
  rocksdb::IOStatus ReopenWritableFile(const std::string& f, const rocksdb::FileOptions& o,
                                       std::unique_ptr<rocksdb::FSWritableFile>* r,
                                       rocksdb::IODebugContext* dbg) override {
    uint64_t size = 0;
    target()->GetFileSize(f, rocksdb::IOOptions(), &size, dbg).PermitUncheckedError();
    rocksdb::IOStatus s = target()->ReopenWritableFile(f, o, r, dbg);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = std::make_unique<DeviceWritable>(std::move(*r), device, size);
    }
    return s;
  }
  rocksdb::IOStatus ReuseWritableFile(const std::string& f, const std::string& old,
                                      const rocksdb::FileOptions& o,
                                      std::unique_ptr<rocksdb::FSWritableFile>* r,
                                      rocksdb::IODebugContext* dbg) override {
    rocksdb::IOStatus s = target()->ReuseWritableFile(f, old, o, r, dbg);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = std::make_unique<DeviceWritable>(std::move(*r), device, 0);
    }
    return s;
  }

 private:
  const std::vector<std::pair<std::string, EmulatedDevice*>> prefixes_;
};

class RocksDbBackend final : public Backend {
 public:
  Status Open(const std::string& dir, const Config& config) override {
    rocksdb::Options options;
    options.create_if_missing = true;
    switch (config.compression) {
      case CompressionType::kNone:
        options.compression = rocksdb::kNoCompression;
        break;
      case CompressionType::kSnappy:
        options.compression = rocksdb::kSnappyCompression;
        break;
      case CompressionType::kLz4:
        options.compression = rocksdb::kLZ4Compression;
        break;
      case CompressionType::kZstd:
        options.compression = rocksdb::kZSTD;
        break;
    }
    options.write_buffer_size = config.write_buffer_bytes;
    options.max_background_jobs = 1;  // syskit has one background thread
    if (!config.placement.empty()) {
      env_ =
          rocksdb::NewCompositeEnv(std::make_shared<DeviceFileSystem>(DevicePrefixes(dir, config)));
      options.env = env_.get();
    }
    if (config.fast_path_bytes > 0) {
      options.db_paths = {{dir + "/fast", config.fast_path_bytes},
                          {dir + "/slow", std::numeric_limits<uint64_t>::max() / 2}};
    }
    rocksdb::BlockBasedTableOptions table;
    table.block_cache = rocksdb::NewLRUCache(std::max<size_t>(config.block_cache_bytes, 1));
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(config.bloom_bits, false));
    table.block_size = 4096;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* db = nullptr;
    rocksdb::Status s = rocksdb::DB::Open(options, dir, &db);
    if (!s.ok()) return IOError("rocksdb open: " + s.ToString());
    db_.reset(db);
    return Status::OK();
  }
  Status Put(std::string_view key, std::string_view value) override {
    rocksdb::Status s = db_->Put(rocksdb::WriteOptions(), Slice(key), Slice(value));
    return s.ok() ? Status::OK() : IOError("rocksdb put: " + s.ToString());
  }
  Status Get(std::string_view key, std::string* value) override {
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), Slice(key), value);
    if (s.IsNotFound()) return NotFoundError("not found");
    return s.ok() ? Status::OK() : IOError("rocksdb get: " + s.ToString());
  }
  Result<int> Scan(std::string_view start, int count) override {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    int n = 0;
    for (it->Seek(Slice(start)); it->Valid() && n < count; it->Next()) ++n;
    if (!it->status().ok()) return IOError("rocksdb scan: " + it->status().ToString());
    return n;
  }
  std::string Stats() override {
    std::string stats;
    return db_->GetProperty("rocksdb.stats", &stats) ? stats : "";
  }
  void Close() override {
    db_.reset();
    env_.reset();
  }

 private:
  static rocksdb::Slice Slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
  std::unique_ptr<rocksdb::Env> env_;  // outlives db_
  std::unique_ptr<rocksdb::DB> db_;
};
#endif

#ifdef SYSKIT_KV_HAVE_LEVELDB
// LevelDB's files through the same device model.
class LevelDbDeviceEnv final : public leveldb::EnvWrapper {
 public:
  explicit LevelDbDeviceEnv(std::vector<std::pair<std::string, EmulatedDevice*>> prefixes)
      : EnvWrapper(leveldb::Env::Default()), prefixes_(std::move(prefixes)) {}
  leveldb::Status NewRandomAccessFile(const std::string& f,
                                      leveldb::RandomAccessFile** r) override {
    leveldb::Status s = target()->NewRandomAccessFile(f, r);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = new ReadFile(*r, device);
    }
    return s;
  }
  leveldb::Status NewWritableFile(const std::string& f, leveldb::WritableFile** r) override {
    leveldb::Status s = target()->NewWritableFile(f, r);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = new WriteFile(*r, device, 0);
    }
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& f, leveldb::WritableFile** r) override {
    uint64_t size = 0;
    if (!target()->GetFileSize(f, &size).ok()) size = 0;
    leveldb::Status s = target()->NewAppendableFile(f, r);
    if (EmulatedDevice* device = DeviceOf(prefixes_, f); s.ok() && device != nullptr) {
      *r = new WriteFile(*r, device, size);
    }
    return s;
  }

 private:
  class ReadFile final : public leveldb::RandomAccessFile {
   public:
    ReadFile(leveldb::RandomAccessFile* base, EmulatedDevice* device)
        : base_(base), device_(device) {}
    leveldb::Status Read(uint64_t offset, size_t n, leveldb::Slice* result,
                         char* scratch) const override {
      const uint64_t issued = SteadyNowNanos();
      leveldb::Status s = base_->Read(offset, n, result, scratch);
      if (s.ok()) device_->ReadRange(offset, result->size(), issued);
      return s;
    }

   private:
    std::unique_ptr<leveldb::RandomAccessFile> base_;
    EmulatedDevice* device_;
  };
  class WriteFile final : public leveldb::WritableFile {
   public:
    WriteFile(leveldb::WritableFile* base, EmulatedDevice* device, uint64_t existing)
        : base_(base), tracker_(device, existing) {}
    ~WriteFile() override { tracker_.Closed(); }
    leveldb::Status Append(const leveldb::Slice& data) override {
      leveldb::Status s = base_->Append(data);
      if (s.ok()) tracker_.Appended(data.size());
      return s;
    }
    leveldb::Status Close() override {
      tracker_.Closed();
      return base_->Close();
    }
    leveldb::Status Flush() override { return base_->Flush(); }
    leveldb::Status Sync() override {
      leveldb::Status s = base_->Sync();
      if (s.ok()) tracker_.Synced();
      return s;
    }

   private:
    std::unique_ptr<leveldb::WritableFile> base_;
    DeviceWriteTracker tracker_;
  };

  const std::vector<std::pair<std::string, EmulatedDevice*>> prefixes_;
};

class LevelDbBackend final : public Backend {
 public:
  Status Open(const std::string& dir, const Config& config) override {
    cache_.reset(leveldb::NewLRUCache(std::max<size_t>(config.block_cache_bytes, 1)));
    filter_.reset(leveldb::NewBloomFilterPolicy(config.bloom_bits));
    leveldb::Options options;
    options.create_if_missing = true;
    // LevelDB 1.23 has Snappy only; main() rejects lz4/zstd with leveldb.
    options.compression = config.compression == CompressionType::kSnappy
                              ? leveldb::kSnappyCompression
                              : leveldb::kNoCompression;
    options.write_buffer_size = config.write_buffer_bytes;
    options.block_cache = cache_.get();
    options.filter_policy = filter_.get();
    options.max_open_files = 10000;
    if (!config.placement.empty()) {
      env_ = std::make_unique<LevelDbDeviceEnv>(DevicePrefixes(dir, config));
      options.env = env_.get();
    }
    leveldb::DB* db = nullptr;
    leveldb::Status s = leveldb::DB::Open(options, dir, &db);
    if (!s.ok()) return IOError("leveldb open: " + s.ToString());
    db_.reset(db);
    return Status::OK();
  }
  Status Put(std::string_view key, std::string_view value) override {
    leveldb::Status s = db_->Put(leveldb::WriteOptions(), Slice(key), Slice(value));
    return s.ok() ? Status::OK() : IOError("leveldb put: " + s.ToString());
  }
  Status Get(std::string_view key, std::string* value) override {
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), Slice(key), value);
    if (s.IsNotFound()) return NotFoundError("not found");
    return s.ok() ? Status::OK() : IOError("leveldb get: " + s.ToString());
  }
  Result<int> Scan(std::string_view start, int count) override {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    int n = 0;
    for (it->Seek(Slice(start)); it->Valid() && n < count; it->Next()) ++n;
    if (!it->status().ok()) return IOError("leveldb scan: " + it->status().ToString());
    return n;
  }
  void Close() override {
    db_.reset();
    cache_.reset();
    filter_.reset();
    env_.reset();
  }

 private:
  static leveldb::Slice Slice(std::string_view s) { return leveldb::Slice(s.data(), s.size()); }
  std::unique_ptr<leveldb::Cache> cache_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_;
  std::unique_ptr<LevelDbDeviceEnv> env_;  // outlives db_
  std::unique_ptr<leveldb::DB> db_;
};
#endif

}  // namespace

Result<std::unique_ptr<Backend>> MakeBackend(const std::string& name) {
  if (name == "syskit") return std::unique_ptr<Backend>(std::make_unique<SyskitBackend>());
#ifdef SYSKIT_KV_HAVE_ROCKSDB
  if (name == "rocksdb") return std::unique_ptr<Backend>(std::make_unique<RocksDbBackend>());
#endif
#ifdef SYSKIT_KV_HAVE_LEVELDB
  if (name == "leveldb") return std::unique_ptr<Backend>(std::make_unique<LevelDbBackend>());
#endif
  if (name == "rocksdb" || name == "leveldb") {
    return FailedPreconditionError("backend " + name + " was not built (library not found)");
  }
  return InvalidArgumentError("unknown backend \"" + name + "\" (syskit, rocksdb, leveldb)");
}

}  // namespace syskit::kv::bench_driver
