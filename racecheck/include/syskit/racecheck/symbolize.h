// Symbolises the raw frames of reports (module + offset, as the runtime
// records them with backtrace() and dladdr()) by running binutils' addr2line
// once per module. Done by the harness after the target exits, so the
// program under test never forks a symboliser.
#pragma once

#include <vector>

#include "syskit/racecheck/runtime.h"

namespace syskit::racecheck {

// Fills Frame::function and Frame::source where addr2line knows them; frames
// it cannot resolve keep their dladdr name (or "??"). Never fails: a missing
// addr2line leaves the raw frames.
void Symbolize(std::vector<Report>* reports);

}  // namespace syskit::racecheck
