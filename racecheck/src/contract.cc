// Thread-safety contracts (TSVD, Li et al., SOSP 2019, section 3.1): per
// type, the member calls that read and those that write the receiver.
#include "syskit/racecheck/contract.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>

#include "syskit/core/env.h"

namespace syskit::racecheck {
namespace {

using Methods = std::vector<std::string>;

const std::map<std::string, Methods, std::less<>>& WrappedTable() {
  static const auto* table = new std::map<std::string, Methods, std::less<>>{
      {"std::vector",
       {"size",  "empty", "capacity", "at",        "operator[]",   "front",    "back",
        "begin", "end",   "data",     "push_back", "emplace_back", "pop_back", "insert",
        "erase", "clear", "resize",   "reserve",   "assign",       "swap",     "shrink_to_fit"}},
      {"std::deque", {"size",         "empty",         "at",       "operator[]", "front",
                      "back",         "begin",         "end",      "push_back",  "push_front",
                      "emplace_back", "emplace_front", "pop_back", "pop_front",  "insert",
                      "erase",        "clear",         "resize",   "assign",     "swap"}},
      {"std::list", {"size",     "empty",     "front",      "back",         "begin",
                     "end",      "push_back", "push_front", "emplace_back", "emplace_front",
                     "pop_back", "pop_front", "insert",     "erase",        "clear",
                     "remove",   "sort",      "reverse",    "splice",       "swap"}},
      {"std::map",
       {"size", "empty", "find", "count", "contains", "at", "begin", "end", "lower_bound",
        "upper_bound", "operator[]", "insert", "emplace", "insert_or_assign", "try_emplace",
        "erase", "clear", "swap"}},
      {"std::unordered_map",
       {"size", "empty", "find", "count", "contains", "at", "begin", "end", "bucket_count",
        "operator[]", "insert", "emplace", "insert_or_assign", "try_emplace", "erase", "clear",
        "swap", "rehash", "reserve"}},
      {"std::set",
       {"size", "empty", "find", "count", "contains", "begin", "end", "lower_bound", "upper_bound",
        "insert", "emplace", "erase", "clear", "swap"}},
      {"std::unordered_set",
       {"size", "empty", "find", "count", "contains", "begin", "end", "insert", "emplace", "erase",
        "clear", "swap", "rehash", "reserve"}},
      {"std::string",
       {"size",   "length",  "empty", "at",     "operator[]", "c_str",      "data",      "find",
        "substr", "compare", "begin", "end",    "append",     "operator+=", "push_back", "pop_back",
        "insert", "erase",   "clear", "resize", "reserve",    "assign",     "replace",   "swap"}},
  };
  return *table;
}

bool IsDefaultWrite(std::string_view type, std::string_view method) {
  static const Methods kWrites = {
      "push_back", "push_front", "emplace_back",     "emplace_front", "pop_back",      "pop_front",
      "insert",    "emplace",    "insert_or_assign", "try_emplace",   "erase",         "clear",
      "resize",    "reserve",    "assign",           "swap",          "shrink_to_fit", "rehash",
      "sort",      "remove",     "reverse",          "splice",        "append",        "operator+=",
      "replace"};
  if (method == "operator[]") return type == "std::map" || type == "std::unordered_map";
  return std::find(kWrites.begin(), kWrites.end(), method) != kWrites.end();
}

bool Matches(std::string_view pattern, std::string_view method) {
  if (!pattern.empty() && pattern.back() == '*') {
    return method.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  }
  return pattern == method;
}

Result<Methods> ParseNames(const nlohmann::json& value, std::string_view where) {
  if (!value.is_array()) {
    return InvalidArgumentError(std::string(where) + ": expected an array of method names");
  }
  Methods names;
  for (const nlohmann::json& name : value) {
    if (!name.is_string() || name.get<std::string>().empty()) {
      return InvalidArgumentError(std::string(where) + ": expected a non-empty method name, got " +
                                  name.dump());
    }
    names.push_back(name.get<std::string>());
  }
  return names;
}

}  // namespace

const std::vector<std::string>* Contract::WrappedMethods(std::string_view type) {
  auto it = WrappedTable().find(type);
  return it == WrappedTable().end() ? nullptr : &it->second;
}

Contract Contract::Defaults() {
  Contract contract;
  for (const auto& [type, methods] : WrappedTable()) {
    ContractGroup group{type, {}, {}};
    for (const std::string& method : methods) {
      (IsDefaultWrite(type, method) ? group.writes : group.reads).push_back(method);
    }
    contract.groups_.push_back(std::move(group));
  }
  return contract;
}

Result<Contract> Contract::Parse(std::string_view json, std::string_view source) {
  const std::string where(source);
  nlohmann::json document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return InvalidArgumentError(where + ": malformed JSON");
  if (!document.is_object()) return InvalidArgumentError(where + ": expected a JSON object");
  for (const auto& [key, value] : document.items()) {
    if (key != "groups") {
      return InvalidArgumentError(where + ": unknown key \"" + key + "\" (expected \"groups\")");
    }
  }
  if (!document.contains("groups") || !document["groups"].is_array()) {
    return InvalidArgumentError(where + ": expected \"groups\": [...]");
  }
  Contract contract = Defaults();
  for (size_t g = 0; g < document["groups"].size(); ++g) {
    const nlohmann::json& entry = document["groups"][g];
    const std::string at = where + ": groups[" + std::to_string(g) + "]";
    if (!entry.is_object()) return InvalidArgumentError(at + ": expected an object");
    ContractGroup group;
    for (const auto& [key, value] : entry.items()) {
      if (key == "type") {
        if (!value.is_string() || value.get<std::string>().empty()) {
          return InvalidArgumentError(at + ": \"type\" must be a non-empty string");
        }
        group.type = value.get<std::string>();
      } else if (key == "read") {
        SYSKIT_ASSIGN_OR_RETURN(group.reads, ParseNames(value, at + ".read"));
      } else if (key == "write") {
        SYSKIT_ASSIGN_OR_RETURN(group.writes, ParseNames(value, at + ".write"));
      } else {
        return InvalidArgumentError(at + ": unknown key \"" + key +
                                    "\" (expected type, read, write)");
      }
    }
    if (group.type.empty()) return InvalidArgumentError(at + ": missing \"type\"");
    if (const Methods* known = WrappedMethods(group.type)) {
      for (const Methods* names : {&group.reads, &group.writes}) {
        for (const std::string& name : *names) {
          const bool any = std::any_of(known->begin(), known->end(),
                                       [&](const std::string& m) { return Matches(name, m); });
          if (!any) {
            return InvalidArgumentError(at + ": unknown method \"" + name + "\" of " + group.type);
          }
        }
      }
    }
    for (const std::string& name : group.reads) {
      if (std::find(group.writes.begin(), group.writes.end(), name) != group.writes.end()) {
        return InvalidArgumentError(at + ": method \"" + name + "\" is listed as read and write");
      }
    }
    auto same = std::find_if(contract.groups_.begin(), contract.groups_.end(),
                             [&](const ContractGroup& c) { return c.type == group.type; });
    if (same != contract.groups_.end()) {
      *same = std::move(group);
    } else {
      contract.groups_.push_back(std::move(group));
    }
  }
  return contract;
}

Result<Contract> Contract::Load(const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(std::string text, ReadFileToString(Env::Default(), path));
  return Parse(text, path);
}

Result<Access> Contract::Classify(std::string_view type, std::string_view method) const {
  auto group = std::find_if(groups_.begin(), groups_.end(),
                            [&](const ContractGroup& g) { return g.type == type; });
  if (group == groups_.end()) {
    return NotFoundError("no contract group for type \"" + std::string(type) + "\"");
  }
  size_t best = 0;
  bool found = false;
  Access access = Access::kRead;
  for (Access kind : {Access::kRead, Access::kWrite}) {
    for (const std::string& pattern : kind == Access::kRead ? group->reads : group->writes) {
      if (!Matches(pattern, method)) continue;
      // Exact names rank above every wildcard; longer prefixes above shorter.
      const size_t rank = pattern.back() == '*' ? pattern.size() : std::string::npos;
      if (!found || rank > best) {
        best = rank;
        access = kind;
        found = true;
      }
    }
  }
  if (!found) {
    return NotFoundError("contract for \"" + std::string(type) + "\" has no rule for method \"" +
                         std::string(method) + "\"");
  }
  return access;
}

}  // namespace syskit::racecheck
