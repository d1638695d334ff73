#include "syskit/kv/check.h"

#include <cinttypes>

#include "format.h"
#include "version.h"
#include "wal.h"

namespace syskit::kv {
namespace {

// Loads the version named by CURRENT without opening the DB.
Result<std::shared_ptr<const Version>> LoadVersion(Env* env, const std::string& dir,
                                                   std::string* manifest_path) {
  auto current = ReadFileToString(env, CurrentFileName(dir));
  if (!current.ok()) {
    return NotFoundError(dir + ": not a syskit kv database (" + current.status().message() + ")");
  }
  if (current->empty() || current->back() != '\n') {
    return CorruptionError(CurrentFileName(dir) + ": does not name a manifest");
  }
  *manifest_path = dir + "/" + current->substr(0, current->size() - 1);
  std::shared_ptr<const Version> version = std::make_shared<Version>();
  bool has_snapshot = false;
  SYSKIT_ASSIGN_OR_RETURN(
      LogReadResult read, ReadLog(env, *manifest_path, [&](std::string_view record) -> Status {
        VersionEdit edit;
        SYSKIT_RETURN_IF_ERROR(edit.Decode(record).WithContext(*manifest_path));
        has_snapshot |= edit.next_file_number.has_value() && edit.log_number.has_value();
        version = ApplyEdit(*version, edit, env, dir, nullptr);
        return Status::OK();
      }));
  if (!has_snapshot) {
    return CorruptionError(*manifest_path + ": truncated manifest (" +
                           std::to_string(read.records) + " complete records)");
  }
  return version;
}

}  // namespace

Result<CheckReport> CheckDatabase(Env* env, const std::string& dir) {
  CheckReport report;
  std::string manifest;
  auto version = LoadVersion(env, dir, &manifest);
  if (!version.ok()) {
    if (version.status().code() == StatusCode::kNotFound) return version.status();
    report.problems.push_back({manifest, version.status().message(), "", ""});
    return report;
  }
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : (*version)->files[level]) {
      ++report.tables;
      auto table = Table::Open(env, f->path, f->number, nullptr);
      if (!table.ok()) {
        report.problems.push_back({f->path, table.status().message(),
                                   std::string(ExtractUserKey(f->smallest)),
                                   std::string(ExtractUserKey(f->largest))});
        continue;
      }
      report.blocks += (*table)->num_blocks();
      report.entries += (*table)->num_entries();
      std::vector<TableDamage> damage;
      (*table)->Verify(&damage);
      for (TableDamage& d : damage) {
        report.problems.push_back({d.path, d.what, d.first_key, d.last_key});
      }
    }
  }
  SYSKIT_ASSIGN_OR_RETURN(auto names, env->GetChildren(dir));
  for (const std::string& name : names) {
    uint64_t number = 0;
    if (ParseFileName(name, &number) != FileType::kLog) continue;
    const std::string path = dir + "/" + name;
    auto read = ReadLog(env, path, [](std::string_view) { return Status::OK(); });
    if (!read.ok()) {
      report.problems.push_back({path, read.status().message(), "", ""});
      continue;
    }
    report.wal_records += read->records;
    report.wal_torn_tail |= read->torn_tail;
  }
  return report;
}

static std::string Printable(std::string_view bytes, size_t limit = 64) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const unsigned char c = bytes[i];
    if (c >= 32 && c < 127 && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

Status DumpDatabase(Env* env, const std::string& dir, std::FILE* out) {
  std::string manifest;
  SYSKIT_ASSIGN_OR_RETURN(auto version, LoadVersion(env, dir, &manifest));
  std::fprintf(out, "manifest=%s\n", manifest.c_str());
  for (int level = 0; level < kNumLevels; ++level) {
    for (const FilePtr& f : version->files[level]) {
      std::fprintf(
          out, "level=%d file=%06" PRIu64 ".sst bytes=%" PRIu64 " tier=%d smallest=%s largest=%s\n",
          level, f->number, f->file_size, f->tier, Printable(ExtractUserKey(f->smallest)).c_str(),
          Printable(ExtractUserKey(f->largest)).c_str());
      SYSKIT_ASSIGN_OR_RETURN(auto table, Table::Open(env, f->path, f->number, nullptr));
      auto it = table->NewIterator(false);
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
        std::fprintf(out, "  key=%s seq=%" PRIu64 " type=%s value_bytes=%zu value=%s\n",
                     Printable(ExtractUserKey(it->key())).c_str(), ExtractSequence(it->key()),
                     ExtractType(it->key()) == kTypeValue ? "put" : "del", it->value().size(),
                     Printable(it->value(), 32).c_str());
      }
      SYSKIT_RETURN_IF_ERROR(it->status());
    }
  }
  return Status::OK();
}

}  // namespace syskit::kv
