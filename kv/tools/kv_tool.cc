// `syskit kv put|get|del|scan|stats|check|dump|serve --dir=D`: the kv store
// from the command line, and its Redis-protocol server.
#include <cctype>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "syskit/core/flags.h"
#include "syskit/kv/check.h"
#include "syskit/kv/db.h"
#include "syskit/kv/emulated_device.h"
#include "syskit/kv/resp_server.h"

namespace syskit::kv::tools {
namespace {

constexpr const char* kTool = "syskit kv";

RespServer* g_server = nullptr;
void HandleStopSignal(int) {
  if (g_server != nullptr) g_server->Stop();
}

Result<std::unique_ptr<DB>> OpenDb(const std::string& dir, bool create,
                                   CompressionType compression = CompressionType::kSnappy,
                                   size_t tracker_keys = 0, uint64_t fast_tier_bytes = 0,
                                   Env* env = Env::Default()) {
  Options options;
  options.env = env;
  options.create_if_missing = create;
  options.compression = compression;
  options.popularity_tracker_keys = tracker_keys;
  options.tiering.fast_tier_bytes = fast_tier_bytes;
  return DB::Open(options, dir);
}

// --tiers=FAST:SIZE,SLOW: FAST and SLOW are device presets (optane, tlc, qlc)
// whose cost is emulated, or "real" (the medium as it is); SIZE is the fast
// tier's capacity in bytes with an optional K, M or G suffix.
struct TierFlag {
  uint64_t fast_bytes = 0;
  std::unique_ptr<EmulatedDevice> fast, slow;  // null: "real"
};

Status ParseTierFlag(const std::string& flag, TierFlag* out) {
  const size_t comma = flag.find(',');
  const size_t colon = flag.find(':');
  if (comma == std::string::npos || colon == std::string::npos || colon > comma) {
    return InvalidArgumentError("--tiers: expected FAST:SIZE,SLOW (e.g. optane:256M,qlc), got '" +
                                flag + "'");
  }
  const std::string size = flag.substr(colon + 1, comma - colon - 1);
  size_t used = 0;
  double number = 0;
  try {
    number = std::stod(size, &used);
  } catch (...) {
    used = 0;
  }
  double unit = 1;
  if (used + 1 == size.size()) {
    const char suffix = static_cast<char>(std::toupper(static_cast<unsigned char>(size.back())));
    unit = suffix == 'K' ? 1024.0 : suffix == 'M' ? 1048576.0 : suffix == 'G' ? 1073741824.0 : 0;
  } else if (used != size.size()) {
    unit = 0;
  }
  if (used == 0 || unit == 0 || !(number > 0) || !std::isfinite(number * unit) ||
      number * unit > 1e18) {
    return InvalidArgumentError("--tiers: bad fast-tier size '" + size + "'");
  }
  out->fast_bytes = static_cast<uint64_t>(number * unit);
  const std::string names[2] = {flag.substr(0, colon), flag.substr(comma + 1)};
  std::unique_ptr<EmulatedDevice>* devices[2] = {&out->fast, &out->slow};
  for (int i = 0; i < 2; ++i) {
    if (names[i] == "real") continue;
    SYSKIT_ASSIGN_OR_RETURN(DeviceSpec spec, DevicePreset(names[i]));
    *devices[i] = std::make_unique<EmulatedDevice>(spec);
  }
  return Status::OK();
}

int RunServe(const std::string& dir, const std::string& bind, int port, const std::string& sync,
             CompressionType compression, size_t tracker_keys, const std::string& tiers_flag,
             bool quiet) {
  TierFlag tiers;
  std::unique_ptr<DeviceEnv> device_env;
  Env* env = Env::Default();
  if (!tiers_flag.empty()) {
    if (Status s = ParseTierFlag(tiers_flag, &tiers); !s.ok()) {
      return flags::ReportUsageError(kTool, s.message());
    }
    std::vector<std::pair<std::string, EmulatedDevice*>> prefixes;
    if (tiers.fast != nullptr) prefixes.emplace_back(dir + "/fast", tiers.fast.get());
    if (tiers.slow != nullptr) prefixes.emplace_back(dir, tiers.slow.get());
    if (tiers.slow != nullptr && tiers.fast == nullptr) {
      return flags::ReportUsageError(kTool,
                                     "--tiers: an emulated slow tier needs an emulated fast "
                                     "tier (the fast tier lives inside the directory)");
    }
    if (!prefixes.empty()) {
      device_env = std::make_unique<DeviceEnv>(Env::Default(), prefixes);
      env = device_env.get();
    }
    if (!quiet) {
      for (const auto& [prefix, device] : prefixes) {
        std::fprintf(stderr, "syskit kv: %s: EMULATED device %s\n", prefix.c_str(),
                     device->spec().Describe().c_str());
      }
    }
  }
  auto db = OpenDb(dir, true, compression, tracker_keys, tiers.fast_bytes, env);
  if (!db.ok()) return flags::ReportError(kTool, db.status());
  ServerOptions options;
  options.bind = bind;
  options.port = port;
  options.sync = sync == "always";
  auto server = RespServer::Start(db->get(), options);
  if (!server.ok()) {
    if (server.status().code() == StatusCode::kInvalidArgument) {
      return flags::ReportUsageError(kTool, server.status().message());
    }
    return flags::ReportError(kTool, server.status());
  }
  g_server = server->get();
  std::signal(SIGINT, HandleStopSignal);
  std::signal(SIGTERM, HandleStopSignal);
  std::signal(SIGPIPE, SIG_IGN);
  if (!quiet) {
    std::fprintf(stderr, "syskit kv: serving %s on %s:%d (sync=%s, compression=%s)\n", dir.c_str(),
                 bind.c_str(), (*server)->port(), sync.c_str(),
                 std::string(CompressionTypeName(compression)).c_str());
  }
  Status s = (*server)->Run();
  g_server = nullptr;
  if (!s.ok()) return flags::ReportError(kTool, s);
  if (!quiet) {
    std::fprintf(stderr, "syskit kv: shut down after %llu commands\n",
                 static_cast<unsigned long long>((*server)->commands()));
  }
  return flags::kExitOk;
}

}  // namespace

int KvMain(int argc, const char* const* argv) {
  auto app = flags::NewApp(kTool, "durable LSM key-value store with a Redis-protocol server");
  flags::CommonFlags common;
  flags::AddCommonFlags(*app, &common);
  app->require_subcommand(1);
  std::string dir;
  auto add_dir = [&](CLI::App* sub) {
    sub->add_option("--dir", dir, "database directory")->required();
  };
  std::string key, value, start, end, bind = "127.0.0.1", sync = "none", compression = "snappy";
  int limit = 0, port = 6379;
  bool sync_put = false;
  CLI::App* put = app->add_subcommand("put", "store KEY=VALUE (creates the database if missing)");
  add_dir(put);
  put->add_option("key", key, "key")->required();
  put->add_option("value", value, "value")->required();
  put->add_flag("--sync", sync_put, "fsync the WAL before returning");
  CLI::App* get = app->add_subcommand("get", "print the value of KEY (exit 1 if absent)");
  add_dir(get);
  get->add_option("key", key, "key")->required();
  CLI::App* del = app->add_subcommand("del", "delete KEY");
  add_dir(del);
  del->add_option("key", key, "key")->required();
  CLI::App* scan = app->add_subcommand("scan", "print key<TAB>value for keys in [start, end)");
  add_dir(scan);
  scan->add_option("--start", start, "first key (default: the smallest)");
  scan->add_option("--end", end, "stop before this key (default: no bound)");
  scan->add_option("--limit", limit, "print at most N keys (0 = all)")
      ->check(CLI::NonNegativeNumber);
  CLI::App* stats = app->add_subcommand("stats", "print levels, files, tiers and counters");
  add_dir(stats);
  CLI::App* check = app->add_subcommand(
      "check", "verify every checksum (manifest, tables, blocks, WAL); exit 1 if damaged");
  add_dir(check);
  CLI::App* dump = app->add_subcommand("dump", "print every table's entries (internal keys)");
  add_dir(dump);
  CLI::App* serve = app->add_subcommand("serve", "serve the database over RESP2 (redis-cli)");
  add_dir(serve);
  serve->add_option("--port", port, "TCP port (0 = any free port)")->check(CLI::Range(0, 65535));
  serve->add_option("--bind", bind, "IPv4 address to listen on");
  serve->add_option("--sync", sync, "always: fsync the WAL before each reply; none: do not")
      ->check(CLI::IsMember({"always", "none"}));
  int64_t tracker_keys = 0;
  std::string tiers_flag;
  serve->add_option("--tiers", tiers_flag,
                    "PrismDB two-tier store: FAST:SIZE,SLOW, e.g. optane:256M,qlc (devices "
                    "optane, tlc, qlc are emulated; real = the medium as it is); INFO and "
                    "`syskit kv stats` show per-tier bytes, hit ratio and clock histogram");
  serve
      ->add_option("--popularity_keys", tracker_keys,
                   "track the read popularity of up to N keys (2-bit CLOCK; INFO shows its "
                   "histogram); 0 = off")
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 32));
  serve->add_option("--compression", compression, "codec for new table files' data blocks")
      ->check(CLI::IsMember({"none", "snappy", "lz4", "zstd"}));
  if (auto exit_code = flags::Parse(*app, argc, argv, &common)) return *exit_code;

  if (serve->parsed()) {
    auto codec = ParseCompressionType(compression);
    if (!codec.ok()) return flags::ReportUsageError(kTool, codec.status().message());
    return RunServe(dir, bind, port, sync, *codec, static_cast<size_t>(tracker_keys), tiers_flag,
                    common.quiet);
  }
  if (check->parsed()) {
    auto report = CheckDatabase(Env::Default(), dir);
    if (!report.ok()) return flags::ReportError(kTool, report.status());
    std::printf(
        "tables=%llu blocks=%llu entries=%llu wal_records=%llu wal_torn_tail=%d "
        "problems=%zu\n",
        static_cast<unsigned long long>(report->tables),
        static_cast<unsigned long long>(report->blocks),
        static_cast<unsigned long long>(report->entries),
        static_cast<unsigned long long>(report->wal_records), report->wal_torn_tail ? 1 : 0,
        report->problems.size());
    for (const CheckProblem& p : report->problems) {
      std::printf("damaged file=%s problem=\"%s\" key_range=[%s, %s]\n", p.file.c_str(),
                  p.what.c_str(), p.first_key.empty() ? "-" : p.first_key.c_str(),
                  p.last_key.empty() ? "-" : p.last_key.c_str());
    }
    if (!report->problems.empty()) {
      std::fprintf(stderr, "%s: error: %zu damaged item(s) in %s\n", kTool, report->problems.size(),
                   dir.c_str());
      return flags::kExitRuntimeError;
    }
    return flags::kExitOk;
  }
  if (dump->parsed()) {
    Status s = DumpDatabase(Env::Default(), dir, stdout);
    return s.ok() ? flags::kExitOk : flags::ReportError(kTool, s);
  }
  auto db = OpenDb(dir, put->parsed());
  if (!db.ok()) return flags::ReportError(kTool, db.status());
  if (put->parsed()) {
    WriteOptions options;
    options.sync = sync_put;
    Status s = (*db)->Put(options, key, value);
    return s.ok() ? flags::kExitOk : flags::ReportError(kTool, s);
  }
  if (get->parsed()) {
    std::string found;
    Status s = (*db)->Get({}, key, &found);
    if (s.code() == StatusCode::kNotFound) {
      return flags::ReportError(kTool, NotFoundError("key \"" + key + "\" not found"));
    }
    if (!s.ok()) return flags::ReportError(kTool, s);
    std::fwrite(found.data(), 1, found.size(), stdout);
    std::fputc('\n', stdout);
    return flags::kExitOk;
  }
  if (del->parsed()) {
    Status s = (*db)->Delete({}, key);
    return s.ok() ? flags::kExitOk : flags::ReportError(kTool, s);
  }
  if (scan->parsed()) {
    auto it = (*db)->NewIterator({});
    if (start.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(start);
    }
    int printed = 0;
    for (; it->Valid() && (end.empty() || it->key() < end) && (limit == 0 || printed < limit);
         it->Next(), ++printed) {
      std::printf("%.*s\t%.*s\n", static_cast<int>(it->key().size()), it->key().data(),
                  static_cast<int>(it->value().size()), it->value().data());
    }
    if (!it->status().ok()) return flags::ReportError(kTool, it->status());
    return flags::kExitOk;
  }
  if (stats->parsed()) {
    std::string text, tables;
    (*db)->GetProperty("kv.stats", &text);
    (*db)->GetProperty("kv.sstables", &tables);
    std::printf("%s%s", text.c_str(), tables.c_str());
    return flags::kExitOk;
  }
  return flags::kExitUsageError;
}

}  // namespace syskit::kv::tools
