// Text edge lists and the in-memory edge list the CSR builder consumes.
//
// Text format, one edge per line:
//   u v [w] [t]
// u, v: non-negative integers up to 2^64-1 (sparse ids are fine); w: a
// floating-point weight (when ParseOptions::weighted); t: a non-negative
// integer edge type (when ParseOptions::typed; it follows w if both). Fields
// are separated by any mix of spaces and tabs; blank lines and lines starting
// with '#' or '%' are skipped; CRLF line ends are accepted; extra fields are an
// error. Parsing uses all cores: the buffer is cut into slices at line ends.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "syskit/core/progress.h"
#include "syskit/core/result.h"
#include "syskit/graph/graph.h"

namespace syskit::graph {

// Edges with their input ids, in input order.
struct EdgeList {
  std::vector<OriginalId> sources;
  std::vector<OriginalId> targets;
  std::vector<float> weights;   // empty unless weighted
  std::vector<EdgeType> types;  // empty unless typed
  size_t size() const { return sources.size(); }
};

struct ParseOptions {
  bool weighted = false;  // expect a weight column
  bool typed = false;     // expect an edge-type column (after the weight)
  int threads = 0;        // 0 = all cores
  // If set, receives Add(bytes) as the text is parsed (about every MiB).
  // Not owned.
  Progress* progress = nullptr;
};

// Parses `text`; `filename` names the source in error messages, which read
// `<filename>:<line>: <what>, got "<line text>"`. InvalidArgument on bad input.
Result<EdgeList> ParseEdgeListText(std::string_view text, std::string_view filename,
                                   const ParseOptions& options);

}  // namespace syskit::graph
