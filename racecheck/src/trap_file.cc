// Trap and bug files (TSVD section 3.4, "across runs"): JSON, replaced
// atomically so readers see the old or the new content, never a mix.
#include "syskit/racecheck/trap_file.h"

#include <nlohmann/json.hpp>

#include "syskit/core/env.h"

namespace syskit::racecheck {
namespace {

// The whole document; a missing file is {key: [], "version": current}.
Result<nlohmann::json> ReadJsonDocument(const std::string& path, const char* key) {
  Env* env = Env::Default();
  if (!env->FileExists(path)) {
    return nlohmann::json{{key, nlohmann::json::array()}, {"version", kTrapFileVersion}};
  }
  SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(env, path));
  nlohmann::json document = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return InvalidArgumentError(path + ": malformed JSON");
  if (!document.is_object() || !document.contains(key) || !document[key].is_array()) {
    return InvalidArgumentError(path + ": expected {\"" + key + "\": [...]}");
  }
  return document;
}

Result<std::string> SiteField(const nlohmann::json& entry, const char* key,
                              const std::string& where) {
  if (!entry.contains(key) || !entry[key].is_string() || entry[key].get<std::string>().empty()) {
    return InvalidArgumentError(where + ": expected a non-empty string \"" + key + "\"");
  }
  return entry[key].get<std::string>();
}

Result<uint32_t> HitsField(const nlohmann::json& entry, const char* key, const std::string& where) {
  if (!entry.contains(key)) return 0u;
  if (!entry[key].is_number_unsigned() || entry[key].get<uint64_t>() > UINT32_MAX) {
    return InvalidArgumentError(where + ": \"" + key + "\" must be an unsigned 32-bit count");
  }
  return entry[key].get<uint32_t>();
}

// The trap file's "version": 1 (no decay state) or 2.
Result<int> TrapFileVersion(const std::string& path, const nlohmann::json& document) {
  if (!document.contains("version")) return InvalidArgumentError(path + ": missing \"version\"");
  const nlohmann::json& version = document["version"];
  if (!version.is_number_integer() || version.get<int64_t>() < 1 ||
      version.get<int64_t>() > kTrapFileVersion) {
    return InvalidArgumentError(path + ": unsupported trap-file version " + version.dump() +
                                " (expected 1 to " + std::to_string(kTrapFileVersion) + ")");
  }
  return version.get<int>();
}

}  // namespace

Status ReplaceFileAtomically(const std::string& path, const std::string& data) {
  const std::string temp_path = path + ".tmp";
  Env* env = Env::Default();
  SYSKIT_RETURN_IF_ERROR(WriteStringToFile(env, data, temp_path, /*sync=*/false));
  Status status = env->RenameFile(temp_path, path);
  if (!status.ok()) env->DeleteFile(temp_path).IgnoreError();
  return status;
}

Result<std::vector<TrapPair>> ReadTrapFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(nlohmann::json document, ReadJsonDocument(path, "pairs"));
  SYSKIT_ASSIGN_OR_RETURN(int version, TrapFileVersion(path, document));
  const nlohmann::json& entries = document["pairs"];
  std::vector<TrapPair> pairs;
  for (size_t p = 0; p < entries.size(); ++p) {
    const std::string where = path + ": pairs[" + std::to_string(p) + "]";
    const nlohmann::json& entry = entries[p];
    if (!entry.is_object()) return InvalidArgumentError(where + ": expected an object");
    TrapPair pair;
    SYSKIT_ASSIGN_OR_RETURN(pair.first, SiteField(entry, "first", where));
    SYSKIT_ASSIGN_OR_RETURN(pair.second, SiteField(entry, "second", where));
    SYSKIT_ASSIGN_OR_RETURN(pair.first_hits, HitsField(entry, "first_hits", where));
    SYSKIT_ASSIGN_OR_RETURN(pair.second_hits, HitsField(entry, "second_hits", where));
    if (version >= 2) {
      SYSKIT_ASSIGN_OR_RETURN(pair.failed_traps, HitsField(entry, "failed_traps", where));
    } else if (entry.contains("failed_traps")) {
      return InvalidArgumentError(where + ": \"failed_traps\" needs version 2");
    }
    if (entry.contains("state") && !entry["state"].is_string()) {
      return InvalidArgumentError(where + ": \"state\" must be a string");
    }
    const std::string state = entry.value("state", std::string("dangerous"));
    if (state == "dangerous") {
      pair.state = TrapPair::State::kDangerous;
    } else if (state == "happens_before") {
      pair.state = TrapPair::State::kHappensBefore;
    } else if (state == "retired") {
      pair.state = TrapPair::State::kRetired;
    } else {
      return InvalidArgumentError(where + ": unknown state \"" + state +
                                  "\" (expected dangerous, happens_before or retired)");
    }
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

Status WriteTrapFile(const std::string& path, const std::vector<TrapPair>& pairs) {
  nlohmann::json entries = nlohmann::json::array();
  for (const TrapPair& pair : pairs) {
    entries.push_back({{"first", pair.first},
                       {"second", pair.second},
                       {"first_hits", pair.first_hits},
                       {"second_hits", pair.second_hits},
                       {"state", pair.state == TrapPair::State::kDangerous       ? "dangerous"
                                 : pair.state == TrapPair::State::kHappensBefore ? "happens_before"
                                                                                 : "retired"},
                       {"failed_traps", pair.failed_traps}});
  }
  nlohmann::json document = {{"version", kTrapFileVersion}, {"pairs", entries}};
  return ReplaceFileAtomically(path, document.dump(1) + "\n");
}

Result<std::vector<BugPair>> ReadBugFile(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(nlohmann::json document, ReadJsonDocument(path, "bugs"));
  const nlohmann::json& entries = document["bugs"];
  std::vector<BugPair> bugs;
  for (size_t b = 0; b < entries.size(); ++b) {
    const std::string where = path + ": bugs[" + std::to_string(b) + "]";
    if (!entries[b].is_object()) return InvalidArgumentError(where + ": expected an object");
    BugPair bug;
    SYSKIT_ASSIGN_OR_RETURN(bug.first, SiteField(entries[b], "first", where));
    SYSKIT_ASSIGN_OR_RETURN(bug.second, SiteField(entries[b], "second", where));
    bugs.push_back(std::move(bug));
  }
  return bugs;
}

Status WriteBugFile(const std::string& path, const std::vector<BugPair>& bugs) {
  nlohmann::json entries = nlohmann::json::array();
  for (const BugPair& bug : bugs) entries.push_back({{"first", bug.first}, {"second", bug.second}});
  nlohmann::json document = {{"version", 1}, {"bugs", entries}};
  return ReplaceFileAtomically(path, document.dump(1) + "\n");
}

}  // namespace syskit::racecheck
