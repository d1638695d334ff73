// Source instrumentation with Clang LibTooling, the C++ analogue of TSVD's
// IL rewriting: every member call (and member operator call) on an object of
// a configured type gets the runtime hook in front of it, as a comma
// expression:
//
//   v.push_back(x);   =>   (::syskit::racecheck::OnCall(&(v),
//                              ::syskit::racecheck::RegisterOp("std::vector", "push_back")),
//                          v.push_back(x));
//
// The hook's std::source_location is that of the call's line. Only calls
// written in a translation unit's main file are rewritten (headers are
// shared between TUs); calls inside macros, and calls whose object
// expression has side effects (it would be evaluated twice), are skipped and
// counted. Built only when Clang's CMake config is found
// (SYSKIT_RACECHECK_HAVE_CLANG); otherwise Instrument returns
// FailedPrecondition.
#pragma once

#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/racecheck/contract.h"

namespace syskit::racecheck {

struct InstrumentOptions {
  std::string build_dir;                     // holds compile_commands.json
  std::vector<std::string> sources;          // files to rewrite; empty = every file in the database
  std::string out_dir;                       // rewritten files go to <out_dir>/<file name>
  Contract contract = Contract::Defaults();  // its group types are instrumented
};

struct InstrumentedFile {
  std::string source;
  std::string output;
  int hooks = 0;    // calls instrumented
  int skipped = 0;  // calls on configured types left alone (macro, side effects)
};

// InvalidArgument for a missing or malformed compilation database or a
// source not in it; Internal if Clang fails to parse a file.
Result<std::vector<InstrumentedFile>> Instrument(const InstrumentOptions& options);

}  // namespace syskit::racecheck
