// kv_bench: YCSB workloads A-F (Cooper et al., SoCC 2010) and db_bench-style
// micro-benchmarks (fillseq, fillrandom, readrandom) over the syskit kv store
// and, side by side in the same process and directory type, RocksDB and
// LevelDB with comparable options (same block cache, same Bloom bits/key,
// the same compression (--compression, none by default), same write buffer, WAL on, sync off).
//
//   kv_bench --benchmarks=ycsb_a,ycsb_c --backends=syskit,rocksdb,leveldb
//            --property=recordcount=200000 --property=operationcount=200000
#include <algorithm>
#include <atomic>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "bench_backends.h"
#include "bench_tiers.h"
#include "syskit/core/bench.h"
#include "syskit/core/flags.h"
#include "syskit/core/histogram.h"
#include "syskit/core/random.h"
#include "syskit/core/timer.h"
#include "syskit/kv/db.h"

namespace syskit::kv::bench_driver {
namespace {

// ------------------------------------------------------------ generators

uint64_t Fnv64(uint64_t value) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (int byte = 0; byte < 8; ++byte) {
    hash ^= value & 0xff;
    hash *= 1099511628211ULL;
    value >>= 8;
  }
  return hash;
}

// YCSB key: "user" + 12 digits of the hashed key number (16 bytes).
std::string KeyFor(uint64_t keynum, bool hashed = true) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "user%012" PRIu64,
                static_cast<uint64_t>((hashed ? Fnv64(keynum) : keynum) % 1000000000000ULL));
  return buf;
}

// Zipfian over [0, n) after Gray et al., "Quickly generating billion-record
// synthetic databases" (SIGMOD 1994), as in YCSB's ZipfianGenerator.
class Zipfian {
 public:
  Zipfian(uint64_t n, double theta) : n_(n), theta_(theta) {
    if (theta >= 1) {
      // YCSB's generator (Gray et al.) needs theta < 1; beyond it, invert the
      // exact CDF (n doubles) by binary search.
      cdf_.resize(n);
      double sum = 0;
      for (uint64_t i = 0; i < n; ++i) {
        sum += 1.0 / std::pow(static_cast<double>(i + 1), theta);
        cdf_[i] = sum;
      }
      for (double& c : cdf_) c /= sum;
      return;
    }
    for (uint64_t i = 1; i <= n; ++i) zeta_n_ += 1.0 / std::pow(static_cast<double>(i), theta);
    const double zeta2 = 1 + 1.0 / std::pow(2.0, theta);
    alpha_ = 1.0 / (1.0 - theta);
    eta_ = (1 - std::pow(2.0 / n, 1 - theta)) / (1 - zeta2 / zeta_n_);
  }
  uint64_t Next(Random& rng) const {
    const double u = rng.NextDouble();
    if (!cdf_.empty()) {
      const auto at = std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
      return std::min(static_cast<uint64_t>(at), n_ - 1);
    }
    const double uz = u * zeta_n_;
    if (uz < 1.0) return 0;
    if (uz < 1.0 + std::pow(0.5, theta_)) return 1;
    const auto v = static_cast<uint64_t>(n_ * std::pow(eta_ * u - eta_ + 1, alpha_));
    return std::min(v, n_ - 1);
  }

 private:
  uint64_t n_;
  double theta_, zeta_n_ = 0, alpha_ = 0, eta_ = 0;
  std::vector<double> cdf_;  // theta >= 1 only
};

struct Workload {
  std::string name;
  double read = 0, update = 0, insert = 0, scan = 0, rmw = 0;
  std::string distribution = "zipfian";
};

// YCSB core workloads (workloads/workloada..f in the YCSB repository).
std::map<std::string, Workload> CoreWorkloads() {
  return {
      {"ycsb_a", {"ycsb_a", 0.5, 0.5, 0, 0, 0, "zipfian"}},
      {"ycsb_b", {"ycsb_b", 0.95, 0.05, 0, 0, 0, "zipfian"}},
      {"ycsb_c", {"ycsb_c", 1.0, 0, 0, 0, 0, "zipfian"}},
      {"ycsb_d", {"ycsb_d", 0.95, 0, 0.05, 0, 0, "latest"}},
      {"ycsb_e", {"ycsb_e", 0, 0, 0.05, 0.95, 0, "zipfian"}},
      {"ycsb_f", {"ycsb_f", 0.5, 0, 0, 0, 0.5, "zipfian"}},
  };
}

struct Properties {
  uint64_t recordcount = 200000;
  uint64_t operationcount = 200000;
  int fieldcount = 10, fieldlength = 100;  // 1000-byte values
  int maxscanlength = 100;
  double zipfian_const = 0.99;
  std::map<std::string, std::string> overrides;  // per-workload proportions/distribution
};

enum OpType { kRead = 0, kUpdate, kInsert, kScan, kRmw, kNumOps };
const char* const kOpNames[kNumOps] = {"read", "update", "insert", "scan", "rmw"};

struct RunResult {
  double seconds = 0;
  uint64_t ops = 0, errors = 0, not_found = 0;
  Histogram latency[kNumOps];
};

// Fraction of each value that is random bytes; the rest repeats that random
// prefix, so a block codec can shrink values to about this fraction
// (db_bench's --compression_ratio). 1 = incompressible.
double g_value_random_fraction = 1.0;

std::string ValueFor(Random& rng, size_t size) {
  std::string value(size, '\0');
  const size_t random_bytes = std::clamp<size_t>(
      static_cast<size_t>(static_cast<double>(size) * g_value_random_fraction + 0.5), 1, size);
  for (size_t i = 0; i < random_bytes; i += 8) {
    const uint64_t word = rng.Next();
    std::memcpy(value.data() + i, &word, std::min<size_t>(8, random_bytes - i));
  }
  for (size_t i = random_bytes; i < size; ++i) value[i] = value[i - random_bytes];
  return value;
}

// Key numbers of inserts: `next` hands them out; reads choose among the
// `acknowledged` ones, a prefix that grows only past completed inserts
// (YCSB's AcknowledgedCounterGenerator), so "latest" reads never ask for a
// key whose insert is still in flight.
// Inserts never wait for each other: a finished insert records itself in a
// window slot, and whoever finds the next key's slot filled advances
// `acknowledged` over it. Allocation waits only if the window is full.
struct InsertCounter {
  static constexpr uint64_t kWindow = 1 << 16;
  explicit InsertCounter(uint64_t records) : next(records), acknowledged(records), done(kWindow) {}
  uint64_t Allocate() {
    const uint64_t key = next.fetch_add(1);
    while (key >= acknowledged.load() + kWindow) std::this_thread::yield();
    return key;
  }
  void Acknowledge(uint64_t key) {
    done[key % kWindow].store(key + 1);  // slot holds key + 1: never stale
    uint64_t a = acknowledged.load();
    while (done[a % kWindow].load() == a + 1) {
      if (acknowledged.compare_exchange_strong(a, a + 1)) ++a;
    }
  }
  std::atomic<uint64_t> next, acknowledged;
  std::vector<std::atomic<uint64_t>> done;
};

// Runs `ops` operations of `w` from `threads` threads.
RunResult RunYcsb(Backend* db, const Workload& w, const Properties& props, uint64_t ops,
                  int threads, uint64_t seed, InsertCounter* inserted, const Zipfian& zipf) {
  std::vector<RunResult> per_thread(threads);
  Timer timer;
  std::vector<std::thread> workers;
  const size_t value_size = static_cast<size_t>(props.fieldcount) * props.fieldlength;
  const double total = w.read + w.update + w.insert + w.scan + w.rmw;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Random rng(seed, t);
      RunResult& r = per_thread[t];
      std::string value, got;
      const uint64_t my_ops = ops / threads + (static_cast<uint64_t>(t) < ops % threads ? 1 : 0);
      for (uint64_t op = 0; op < my_ops; ++op) {
        const uint64_t count = inserted->acknowledged.load(std::memory_order_acquire);
        uint64_t keynum, fresh = 0;
        if (w.distribution == "uniform") {
          keynum = rng.Uniform(count);
        } else if (w.distribution == "latest") {
          const uint64_t back = zipf.Next(rng);
          keynum = back >= count ? 0 : count - 1 - back;
        } else {  // scrambled zipfian: popular items spread over the key space
          keynum = Fnv64(zipf.Next(rng)) % count;
        }
        const double pick = rng.NextDouble() * total;
        OpType type = kRead;
        if (pick < w.read) {
          type = kRead;
        } else if (pick < w.read + w.update) {
          type = kUpdate;
        } else if (pick < w.read + w.update + w.insert) {
          type = kInsert;
        } else if (pick < w.read + w.update + w.insert + w.scan) {
          type = kScan;
        } else {
          type = kRmw;
        }
        const uint64_t start = Env::Default()->NowNanos();
        Status s;
        switch (type) {
          case kRead:
            s = db->Get(KeyFor(keynum), &got);
            break;
          case kUpdate:
            s = db->Put(KeyFor(keynum), ValueFor(rng, value_size));
            break;
          case kInsert:
            fresh = inserted->Allocate();
            s = db->Put(KeyFor(fresh), ValueFor(rng, value_size));
            break;
          case kScan: {
            auto n =
                db->Scan(KeyFor(keynum), 1 + static_cast<int>(rng.Uniform(props.maxscanlength)));
            s = n.ok() ? Status::OK() : n.status();
            break;
          }
          case kRmw:
            s = db->Get(KeyFor(keynum), &got);
            if (s.ok() || s.code() == StatusCode::kNotFound) {
              s = db->Put(KeyFor(keynum), ValueFor(rng, value_size));
            }
            break;
          default:
            break;
        }
        r.latency[type].Record(Env::Default()->NowNanos() - start);
        if (type == kInsert) inserted->Acknowledge(fresh);
        if (s.code() == StatusCode::kNotFound) {
          ++r.not_found;
        } else if (!s.ok()) {
          ++r.errors;
        }
        ++r.ops;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  RunResult result;
  result.seconds = timer.ElapsedSeconds();
  for (RunResult& r : per_thread) {
    result.ops += r.ops;
    result.errors += r.errors;
    result.not_found += r.not_found;
    for (int op = 0; op < kNumOps; ++op) result.latency[op].Merge(r.latency[op]);
  }
  return result;
}

Status Load(Backend* db, uint64_t records, size_t value_size, bool hashed, int threads,
            uint64_t seed) {
  std::vector<std::thread> workers;
  std::atomic<bool> failed{false};
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Random rng(seed, 1000 + t);
      for (uint64_t keynum = t; keynum < records; keynum += threads) {
        if (!db->Put(KeyFor(keynum, hashed), ValueFor(rng, value_size)).ok()) failed = true;
      }
    });
  }
  for (auto& worker : workers) worker.join();
  return failed ? IOError("load failed") : Status::OK();
}

void PrintResult(const std::string& backend, const std::string& bench, int trial,
                 const RunResult& r) {
  std::printf("backend=%s benchmark=%s trial=%d ops=%" PRIu64
              " seconds=%.3f ops_per_sec=%.0f"
              " errors=%" PRIu64 " not_found=%" PRIu64,
              backend.c_str(), bench.c_str(), trial, r.ops, r.seconds, r.ops / r.seconds, r.errors,
              r.not_found);
  for (int op = 0; op < kNumOps; ++op) {
    if (r.latency[op].count() == 0) continue;
    std::printf(" %s_p50_us=%.1f %s_p99_us=%.1f %s_p999_us=%.1f", kOpNames[op],
                r.latency[op].Percentile(50) / 1e3, kOpNames[op],
                r.latency[op].Percentile(99) / 1e3, kOpNames[op],
                r.latency[op].Percentile(99.9) / 1e3);
  }
  std::printf("\n");
  std::fflush(stdout);
}

// Java-properties lines of a YCSB workload file as "name=value" entries
// (`#`/`!` comments; `=` or `:` separators).
Result<std::vector<std::string>> ReadPropertyFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), path));
  std::vector<std::string> out;
  int line_number = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_number;
    const auto trim = [](std::string v) {
      const size_t a = v.find_first_not_of(" \t\r");
      if (a == std::string::npos) return std::string();
      return v.substr(a, v.find_last_not_of(" \t\r") - a + 1);
    };
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    const size_t sep = line.find_first_of("=:");
    if (sep == std::string::npos) {
      return InvalidArgumentError(path + ":" + std::to_string(line_number) +
                                  ": expected name=value, got \"" + line + "\"");
    }
    out.push_back(trim(line.substr(0, sep)) + "=" + trim(line.substr(sep + 1)));
  }
  return out;
}

// YCSB properties whose only supported value is what this driver does.
bool AcceptedAsDefault(const std::string& name, const std::string& value) {
  return (name == "insertorder" && value == "hashed") ||
         (name == "scanlengthdistribution" && value == "uniform") ||
         (name == "fieldlengthdistribution" && value == "constant");
}

}  // namespace

int Main(int argc, char** argv) {
  auto app =
      flags::NewApp("kv_bench", "YCSB and db_bench-style benchmarks: syskit vs RocksDB vs LevelDB");
  std::string benchmarks =
      "fillseq,fillrandom,readrandom,ycsb_a,ycsb_b,ycsb_c,ycsb_d,ycsb_e,ycsb_f";
  std::string backends = "syskit,rocksdb,leveldb";
  std::string db_dir = "/tmp/kv_bench";
  std::vector<std::string> properties;
  int threads = 2, trials = 3;
  uint64_t seed = 1;
  double cache_fraction = 0.1;
  bool print_stats = false;
  std::string compression = "none";
  std::string tiers_flag, device_config, csv_path;
  std::vector<std::string> property_files;
  double pin_threshold = 0.7, tracker_fraction = 0.1, warmup_fraction = 0.1;
  app->add_option("--benchmarks", benchmarks,
                  "comma-separated: fillseq, fillrandom, readrandom, ycsb_a..ycsb_f");
  app->add_option("--backends", backends, "comma-separated: syskit, rocksdb, leveldb");
  app->add_option("--db_dir", db_dir, "parent directory for the databases (removed afterwards)");
  app->add_option("-P,--property_file", property_files,
                  "YCSB workload file (Java properties, e.g. YCSB's workloads/workloada); "
                  "repeatable; --property entries override it");
  app->add_option("-p,--property", properties,
                  "YCSB property name=value (recordcount, operationcount, fieldcount, "
                  "fieldlength, readproportion, updateproportion, scanproportion, "
                  "insertproportion, readmodifywriteproportion, requestdistribution, "
                  "zipfianconstant, maxscanlength); repeatable");
  app->add_option("--threads", threads, "client threads")->check(CLI::Range(1, 64));
  app->add_option("--trials", trials, "measured trials per benchmark (median reported)")
      ->check(CLI::Range(1, 100));
  app->add_option("--seed", seed, "random seed");
  app->add_option("--cache_fraction", cache_fraction, "block cache as a fraction of the data size")
      ->check(CLI::Range(0.0, 10.0));
  app->add_option("--compression", compression,
                  "data-block codec for every backend: none, snappy, lz4, zstd (leveldb: none or "
                  "snappy)")
      ->check(CLI::IsMember({"none", "snappy", "lz4", "zstd"}));
  app->add_option("--compression_ratio", g_value_random_fraction,
                  "fraction of each value that is random (the rest repeats it); 1 = "
                  "incompressible values")
      ->check(CLI::Range(0.01, 1.0));
  app->add_option("--tiers", tiers_flag,
                  "emulated devices, e.g. optane:0.11,qlc (presets optane, tlc, qlc or [names] "
                  "from --device_config; the share is the fast tier's size as a fraction of the "
                  "data, for rocksdb-dbpaths); backends engine-<tier> put all files on one tier");
  app->add_option("--device_config", device_config,
                  "device config file ([name] sections; see syskit/kv/emulated_device.h)");
  app->add_option("--pin_threshold", pin_threshold,
                  "syskit tiered: share of tracked keys treated as popular (PrismDB's theta)")
      ->check(CLI::Range(0.0, 1.0));
  app->add_option("--tracker_fraction", tracker_fraction,
                  "syskit tiered: keys the popularity CLOCK tracks, as a fraction of recordcount")
      ->check(CLI::Range(0.0001, 1.0));
  app->add_option("--warmup_fraction", warmup_fraction,
                  "unreported warm-up before each YCSB workload, as a fraction of operationcount "
                  "(PrismDB's runs warm up for as long as they measure: 1)")
      ->check(CLI::Range(0.0, 10.0));
  app->add_option("--csv", csv_path,
                  "append one row per (backend, YCSB workload) to this CSV file (header when new)");
  app->add_flag("--print_stats", print_stats,
                "print each backend's engine statistics after each YCSB workload (stderr)");
  if (auto exit_code = flags::Parse(*app, argc, argv)) return *exit_code;

  // Workload files first, so that --property entries override them.
  std::vector<std::string> all_properties;
  for (const std::string& path : property_files) {
    auto parsed = ReadPropertyFile(path);
    if (!parsed.ok()) {
      if (parsed.status().code() == StatusCode::kInvalidArgument) {
        return flags::ReportUsageError("kv_bench", parsed.status().message());
      }
      return flags::ReportError("kv_bench", parsed.status());
    }
    all_properties.insert(all_properties.end(), parsed->begin(), parsed->end());
  }
  all_properties.insert(all_properties.end(), properties.begin(), properties.end());
  Properties props;
  for (const std::string& property : all_properties) {
    const size_t eq = property.find('=');
    if (eq == std::string::npos) {
      return flags::ReportUsageError("kv_bench",
                                     "--property expects name=value, got \"" + property + "\"");
    }
    const std::string name = property.substr(0, eq), value = property.substr(eq + 1);
    try {
      if (name == "recordcount") {
        props.recordcount = std::stoull(value);
      } else if (name == "operationcount") {
        props.operationcount = std::stoull(value);
      } else if (name == "fieldcount") {
        props.fieldcount = std::stoi(value);
      } else if (name == "fieldlength") {
        props.fieldlength = std::stoi(value);
      } else if (name == "maxscanlength") {
        props.maxscanlength = std::stoi(value);
      } else if (name == "zipfianconstant") {
        props.zipfian_const = std::stod(value);
      } else if (name == "readproportion" || name == "updateproportion" ||
                 name == "scanproportion" || name == "insertproportion" ||
                 name == "readmodifywriteproportion") {
        std::stod(value);
        props.overrides[name] = value;
      } else if (name == "requestdistribution") {
        if (value != "zipfian" && value != "uniform" && value != "latest") {
          return flags::ReportUsageError("kv_bench",
                                         "requestdistribution must be zipfian, uniform or latest");
        }
        props.overrides[name] = value;
      } else if (name == "workload") {
        if (!value.ends_with("CoreWorkload")) {
          return flags::ReportUsageError("kv_bench",
                                         "only YCSB's CoreWorkload is implemented, not " + value);
        }
      } else if (name == "readallfields" || name == "writeallfields") {
        // Records are one value: every read and update covers all fields.
      } else if (!AcceptedAsDefault(name, value)) {
        return flags::ReportUsageError(
            "kv_bench", "unknown or unsupported YCSB property \"" + name + "=" + value + "\"");
      }
    } catch (const std::exception&) {
      return flags::ReportUsageError("kv_bench", "bad value in --property " + property);
    }
  }
  if (props.recordcount < 2 || props.fieldcount < 1 || props.fieldlength < 1 ||
      props.maxscanlength < 1 || props.zipfian_const <= 0 || props.zipfian_const > 3) {
    return flags::ReportUsageError("kv_bench",
                                   "recordcount >= 2, positive field sizes and 0 < zipfianconstant "
                                   "<= 3 required (uniform: requestdistribution=uniform)");
  }
  const auto workloads = CoreWorkloads();
  std::vector<std::string> bench_list = Split(benchmarks), backend_list = Split(backends);
  for (const std::string& b : bench_list) {
    if (b != "fillseq" && b != "fillrandom" && b != "readrandom" && workloads.count(b) == 0) {
      return flags::ReportUsageError("kv_bench", "unknown benchmark \"" + b + "\"");
    }
  }
  Config config;
  config.compression = ParseCompressionType(compression).value();
  if (config.compression != CompressionType::kNone &&
      config.compression != CompressionType::kSnappy &&
      std::find(backend_list.begin(), backend_list.end(), "leveldb") != backend_list.end()) {
    return flags::ReportUsageError("kv_bench",
                                   "leveldb supports --compression=none or snappy only");
  }
  std::vector<Tier> tiers;
  if (Status st = ParseTiers(tiers_flag, device_config, &tiers); !st.ok()) {
    if (st.code() == StatusCode::kInvalidArgument) {
      return flags::ReportUsageError("kv_bench", st.message());
    }
    return flags::ReportError("kv_bench", st);
  }
  std::vector<std::string> usable;
  std::map<std::string, Plan> plans;
  for (const std::string& name : backend_list) {
    auto plan = PlanBackend(name, tiers);
    if (!plan.ok()) return flags::ReportUsageError("kv_bench", plan.status().message());
    plans[name] = *plan;
    auto backend = MakeBackend(plan->engine);
    if (!backend.ok()) {
      if (backend.status().code() == StatusCode::kInvalidArgument) {
        return flags::ReportUsageError("kv_bench", backend.status().message());
      }
      std::fprintf(stderr, "kv_bench: skipping: %s\n", backend.status().message().c_str());
      continue;
    }
    usable.push_back(name);
  }

  const size_t value_size = static_cast<size_t>(props.fieldcount) * props.fieldlength;
  const uint64_t data_bytes = props.recordcount * (value_size + 16);
  config.block_cache_bytes = static_cast<size_t>(data_bytes * cache_fraction);
  char details[512];
  std::snprintf(
      details, sizeof(details),
      "threads=%d trials=%d seed=%" PRIu64 " recordcount=%" PRIu64 " operationcount=%" PRIu64
      " key_bytes=16 value_bytes=%zu zipfian_const=%.2f warmup_fraction=%.2f block_cache_bytes=%zu "
      "bloom_bits=%d "
      "write_buffer_bytes=%zu compression=%s compression_ratio=%.2f sync=off db_dir=%s "
      "machine=shared",
      threads, trials, seed, props.recordcount, props.operationcount, value_size,
      props.zipfian_const, warmup_fraction, config.block_cache_bytes, config.bloom_bits,
      config.write_buffer_bytes, compression.c_str(), g_value_random_fraction, db_dir.c_str());
  bench::PrintHeader("kv_bench", details);
  for (const Tier& tier : tiers) {
    std::printf(
        "# tier: EMULATED device (no such hardware here; latency/bandwidth/queueing model "
        "over %s): %s fast_share=%.3f\n",
        db_dir.c_str(), tier.spec.Describe().c_str(), tier.share);
  }

  std::map<std::string, std::map<std::string, double>> median;  // bench -> backend -> ops/s
  std::map<std::string, std::map<std::string, double>> read_p99;
  std::map<std::string, std::map<std::string, double>> slow_written;  // bytes per op
  const Zipfian zipf(props.recordcount, props.zipfian_const);
  for (const std::string& name : usable) {
    const std::string dir = db_dir + "/" + name;
    std::error_code ignored;
    const Plan& plan = plans[name];
    std::vector<std::unique_ptr<EmulatedDevice>> devices;  // fresh per backend
    config.placement.clear();
    for (const auto& [subdir, tier] : plan.placement) {
      devices.push_back(std::make_unique<EmulatedDevice>(tiers[tier].spec));
      config.placement.emplace_back(subdir, devices.back().get());
    }
    config.fast_path_bytes =
        plan.dbpaths ? static_cast<uint64_t>(tiers[0].share * static_cast<double>(data_bytes)) : 0;
    config.fast_tier_bytes =
        plan.tiered ? static_cast<uint64_t>(tiers[0].share * static_cast<double>(data_bytes)) : 0;
    config.popularity = plan.popularity;
    config.pin_threshold = pin_threshold;
    config.tracker_keys =
        static_cast<size_t>(tracker_fraction * static_cast<double>(props.recordcount));
    Timer backend_timer;
    // Micro-benchmarks: each on a fresh database.
    for (const std::string& bench : bench_list) {
      if (bench != "fillseq" && bench != "fillrandom" && bench != "readrandom") continue;
      std::vector<double> rates;
      for (int trial = 0; trial < trials; ++trial) {
        std::filesystem::remove_all(dir, ignored);
        auto backend = std::move(MakeBackend(plan.engine)).value();
        Status s = backend->Open(dir, config);
        if (!s.ok()) return flags::ReportError("kv_bench", s);
        RunResult r;
        Timer timer;
        if (bench == "readrandom") {
          s = Load(backend.get(), props.recordcount, value_size, true, threads, seed);
          Workload reads{"readrandom", 1.0, 0, 0, 0, 0, "uniform"};
          InsertCounter inserted(props.recordcount);
          r = RunYcsb(backend.get(), reads, props, props.operationcount, threads, seed + trial,
                      &inserted, zipf);
        } else {
          s = Load(backend.get(), props.recordcount, value_size, bench == "fillrandom", threads,
                   seed + trial);
          r.seconds = timer.ElapsedSeconds();
          r.ops = props.recordcount;
        }
        if (!s.ok()) return flags::ReportError("kv_bench", s);
        PrintResult(name, bench, trial, r);
        rates.push_back(r.ops / r.seconds);
        backend->Close();
      }
      median[bench][name] = bench::Median(rates);
    }
    // YCSB: load once, then the workloads in order on the same database.
    bool loaded = false;
    std::unique_ptr<Backend> backend;
    InsertCounter inserted(props.recordcount);
    for (const std::string& bench : bench_list) {
      auto found = workloads.find(bench);
      if (found == workloads.end()) continue;
      if (!loaded) {
        std::filesystem::remove_all(dir, ignored);
        backend = std::move(MakeBackend(plan.engine)).value();
        Status s = backend->Open(dir, config);
        if (s.ok()) {
          Timer timer;
          s = Load(backend.get(), props.recordcount, value_size, true, threads, seed);
          std::printf("backend=%s benchmark=load records=%" PRIu64
                      " seconds=%.3f ops_per_sec=%.0f\n",
                      name.c_str(), props.recordcount, timer.ElapsedSeconds(),
                      props.recordcount / timer.ElapsedSeconds());
        }
        if (!s.ok()) return flags::ReportError("kv_bench", s);
        loaded = true;
      }
      Workload w = found->second;
      auto override_of = [&](const char* key, double* field) {
        if (props.overrides.count(key)) *field = std::stod(props.overrides[key]);
      };
      override_of("readproportion", &w.read);
      override_of("updateproportion", &w.update);
      override_of("scanproportion", &w.scan);
      override_of("insertproportion", &w.insert);
      override_of("readmodifywriteproportion", &w.rmw);
      if (props.overrides.count("requestdistribution"))
        w.distribution = props.overrides["requestdistribution"];
      // Warm-up (a tenth of the operations by default), not reported.
      const auto warmup =
          static_cast<uint64_t>(warmup_fraction * static_cast<double>(props.operationcount));
      if (warmup > 0) {
        RunYcsb(backend.get(), w, props, warmup, threads, seed + 99, &inserted, zipf);
      }
      std::vector<double> rates, p99s;
      std::vector<DeviceStats> before;
      for (const auto& device : devices) before.push_back(device->stats());
      double measured_ops = 0;
      for (int trial = 0; trial < trials; ++trial) {
        RunResult r = RunYcsb(backend.get(), w, props, props.operationcount, threads, seed + trial,
                              &inserted, zipf);
        PrintResult(name, bench, trial, r);
        rates.push_back(r.ops / r.seconds);
        measured_ops += r.ops;
        const int read_type = r.latency[kRead].count() > 0 ? kRead : kScan;
        p99s.push_back(r.latency[read_type].Percentile(99) / 1e3);
      }
      median[bench][name] = bench::Median(rates);
      read_p99[bench][name] = bench::Median(p99s);
      // Device traffic of the measured trials, per operation and per tier.
      std::string per_tier;
      double slow_written_per_op = 0;
      for (size_t i = 0; i < devices.size(); ++i) {
        const DeviceStats after = devices[i]->stats();
        const double written =
            static_cast<double>(after.bytes_written - before[i].bytes_written) / measured_ops;
        const double read =
            static_cast<double>(after.bytes_read - before[i].bytes_read) / measured_ops;
        char field[160];
        std::snprintf(field, sizeof(field), " %s_written_per_op=%.1f %s_read_per_op=%.1f",
                      devices[i]->spec().name.c_str(), written, devices[i]->spec().name.c_str(),
                      read);
        per_tier += field;
        if (devices[i]->spec().name == tiers.back().spec.name) slow_written_per_op = written;
      }
      slow_written[bench][name] = slow_written_per_op;
      const std::string tier_stats = backend->TierStats();
      std::printf("tierio backend=%s benchmark=%s%s%s%s\n", name.c_str(), bench.c_str(),
                  per_tier.c_str(), tier_stats.empty() ? "" : " ", tier_stats.c_str());
      if (!csv_path.empty()) {
        const bool fresh = !std::filesystem::exists(csv_path);
        if (FILE* csv = std::fopen(csv_path.c_str(), "a")) {
          if (fresh) {
            std::fprintf(
                csv,
                "backend,benchmark,recordcount,zipfian_const(0=uniform),fast_share,pin_threshold,"
                "ops_per_sec,read_p99_us,fast_hit_ratio,slow_written_per_op\n");
          }
          std::fprintf(csv, "%s,%s,%" PRIu64 ",%.2f,%.3f,%.2f,%.0f,%.1f,%s,%.1f\n", name.c_str(),
                       bench.c_str(), props.recordcount,
                       w.distribution == "uniform" ? 0.0 : props.zipfian_const,
                       tiers.empty() ? 0.0 : tiers.front().share, pin_threshold,
                       median[bench][name], read_p99[bench][name],
                       FieldOf(tier_stats, "fast_hit_ratio").c_str(), slow_written_per_op);
          std::fclose(csv);
        }
      }
      if (print_stats) {
        std::fprintf(stderr, "stats backend=%s after=%s\n%s\n", name.c_str(), bench.c_str(),
                     backend->Stats().c_str());
      }
    }
    if (backend) backend->Close();
    std::filesystem::remove_all(dir, ignored);
    for (const auto& device : devices) {
      PrintDeviceStats(name, *device, backend_timer.ElapsedSeconds());
    }
  }
  for (const std::string& bench : bench_list) {
    for (const std::string& name : usable) {
      std::printf("summary benchmark=%s backend=%s median_ops_per_sec=%.0f", bench.c_str(),
                  name.c_str(), median[bench][name]);
      if (read_p99[bench].count(name))
        std::printf(" median_read_p99_us=%.1f", read_p99[bench][name]);
      std::printf("\n");
    }
    // The first backend against each of the others.
    const std::string& first = usable.empty() ? std::string() : usable.front();
    for (const std::string& base : usable) {
      if (base == first || !median[bench].count(first) || !median[bench].count(base) ||
          median[bench][base] <= 0) {
        continue;
      }
      std::printf("ratio benchmark=%s %s/%s=%.2f", bench.c_str(), first.c_str(), base.c_str(),
                  median[bench][first] / median[bench][base]);
      if (read_p99[bench].count(first) && read_p99[bench][base] > 0) {
        std::printf(" read_p99_ratio=%.2f", read_p99[bench][first] / read_p99[bench][base]);
      }
      if (slow_written[bench].count(first) && slow_written[bench][first] > 0) {
        std::printf(" slow_write_reduction=%.2f",
                    slow_written[bench][base] / slow_written[bench][first]);
      }
      std::printf("\n");
    }
  }
  return flags::kExitOk;
}

}  // namespace syskit::kv::bench_driver

int main(int argc, char** argv) { return syskit::kv::bench_driver::Main(argc, argv); }
