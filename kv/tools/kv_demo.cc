// The kv component's part of `syskit demo`: a generated random workload
// (puts, deletes, batches) against a std::map model in a temporary
// directory, with flushes, a full compaction and a reopen; checks every key
// by Get and the full ordered scan against the model, and `CheckDatabase`.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "syskit/core/demo.h"
#include "syskit/core/random.h"
#include "syskit/core/timer.h"
#include "syskit/kv/check.h"
#include "syskit/kv/db.h"

namespace syskit::kv::tools {

Status KvDemo(const std::string& /*data_dir*/, std::vector<DemoRow>* rows) {
  Timer timer;
  std::string dir = (std::filesystem::temp_directory_path() / "syskit-kv-demo-XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return ErrnoError("mkdtemp " + dir, errno);
  Options options;
  options.write_buffer_size = 256 << 10;
  options.target_file_size = 256 << 10;
  options.max_bytes_for_level_base = 1 << 20;
  std::map<std::string, std::string> model;
  Random rng(2026);
  constexpr int kOps = 60000;
  bool ok = true;
  {
    SYSKIT_ASSIGN_OR_RETURN(auto db, DB::Open(options, dir));
    for (int op = 0; op < kOps; ++op) {
      char key[32];
      std::snprintf(key, sizeof(key), "user%08llu",
                    static_cast<unsigned long long>(rng.Uniform(20000)));
      const uint64_t kind = rng.Uniform(10);
      if (kind < 7) {
        const std::string value =
            "value-" + std::to_string(op) + std::string(rng.Uniform(100), 'x');
        SYSKIT_RETURN_IF_ERROR(db->Put({}, key, value));
        model[key] = value;
      } else if (kind < 9) {
        SYSKIT_RETURN_IF_ERROR(db->Delete({}, key));
        model.erase(key);
      } else {
        WriteBatch batch;
        batch.Put(key, "batched");
        batch.Delete(std::string(key) + "-shadow");
        SYSKIT_RETURN_IF_ERROR(db->Write({}, &batch));
        model[key] = "batched";
      }
    }
    SYSKIT_RETURN_IF_ERROR(db->CompactRange("", ""));
  }
  SYSKIT_ASSIGN_OR_RETURN(auto db, DB::Open(options, dir));
  std::string value;
  for (const auto& [key, expected] : model) {
    ok = ok && db->Get({}, key, &value).ok() && value == expected;
  }
  auto it = db->NewIterator({});
  auto expected = model.begin();
  size_t scanned = 0;
  for (it->SeekToFirst(); it->Valid() && ok; it->Next(), ++expected, ++scanned) {
    ok = expected != model.end() && it->key() == expected->first && it->value() == expected->second;
  }
  ok = ok && it->status().ok() && scanned == model.size();
  std::string level_files;
  for (int level = 0; level < 7; ++level) {
    std::string n;
    db->GetProperty("kv.num-files-at-level" + std::to_string(level), &n);
    level_files += (level ? "," : "") + n;
  }
  it.reset();
  db.reset();
  SYSKIT_ASSIGN_OR_RETURN(CheckReport report, CheckDatabase(Env::Default(), dir));
  ok = ok && report.problems.empty();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  char text[256];
  std::snprintf(text, sizeof(text),
                "ops=%d live_keys=%zu files_per_level=%s tables=%llu blocks=%llu "
                "checksums_ok=%d",
                kOps, model.size(), level_files.c_str(),
                static_cast<unsigned long long>(report.tables),
                static_cast<unsigned long long>(report.blocks), report.problems.empty() ? 1 : 0);
  rows->push_back({"kv", "generated(seed=2026)", text, ok ? "ok" : "FAIL", timer.ElapsedSeconds()});
  return Status::OK();
}

}  // namespace syskit::kv::tools
