// Thread-safety contracts: for each thread-unsafe type, which member calls
// read the object and which write it. Two calls on the same object from
// different threads conflict when at least one of them is a write.
//
// A contract is a JSON document:
//
//   {"groups": [
//     {"type": "std::vector", "read": ["size", "at", "begin*"], "write": ["push_back"]},
//     {"type": "mylib::Handle", "write": ["*"]}
//   ]}
//
// Method names may end in `*` (prefix wildcard) or be `*` alone. Groups for
// the standard containers wrapped by containers.h replace the defaults for that
// type, and their method names must be methods the wrapper reports (a typo
// such as "push_bak" is an error, not a silently ignored rule). Any other type
// name is a user (third-party) type and accepts any method names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit::racecheck {

enum class Access { kRead, kWrite };

struct ContractGroup {
  std::string type;                 // "std::vector", "mylib::Handle"
  std::vector<std::string> reads;   // method names or prefix wildcards
  std::vector<std::string> writes;  // method names or prefix wildcards
};

class Contract {
 public:
  // The standard-library defaults (paper section 2): const members read;
  // structural mutators and map operator[] write; vector/deque/string
  // operator[] count as reads (element writes are memory races, left to TSan).
  static Contract Defaults();

  // Parses a JSON contract on top of the defaults. `source` names the input
  // in error messages. InvalidArgument for malformed JSON, unknown keys, an
  // unknown method of a wrapped std type, or a method listed as both read and
  // write.
  static Result<Contract> Parse(std::string_view json, std::string_view source);
  // Reads and parses `path`; NotFound/IOError if it cannot be read.
  static Result<Contract> Load(const std::string& path);

  // Classifies `type::method`. NotFound when the type has no group or the
  // method matches no rule of its group. An exact name wins over a wildcard;
  // among wildcards the longest prefix wins.
  Result<Access> Classify(std::string_view type, std::string_view method) const;

  const std::vector<ContractGroup>& groups() const { return groups_; }

  // The methods the checked wrapper of a std type reports, or nullptr for a
  // type that has no wrapper.
  static const std::vector<std::string>* WrappedMethods(std::string_view type);

 private:
  std::vector<ContractGroup> groups_;
};

}  // namespace syskit::racecheck
