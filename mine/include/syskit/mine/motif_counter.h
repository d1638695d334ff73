// Exact 3- and 4-motif counts (vertex-induced) from a few cheap statistics
// instead of one compiled plan per motif: degrees, per-edge triangle counts,
// 4-cycles and 4-cliques, combined by inclusion-exclusion over the
// non-induced counts (the identities are listed in motif_counter.cc).
//
// Thread-safety: reads the MiningGraph only; safe to call concurrently.
#pragma once

#include <vector>

#include "syskit/core/result.h"
#include "syskit/mine/executor.h"

namespace syskit::mine {

// Counts every k-motif (k = 3 or 4) of `graph`, in the order and under the
// names of Motifs(k). InvalidArgument for other k; OutOfRange if a count
// exceeds 2^64 - 1.
Result<std::vector<PatternCount>> CountMotifsByFormula(const MiningGraph& graph, int k,
                                                       const MineOptions& options);

// The same in two steps for a split outer loop: this rank's share
// (options.rank of options.ranks) of the statistics the formulas combine,
// as 64-bit words (each 128-bit sum as low word, high word) ...
Result<std::vector<uint64_t>> MotifStatisticsPartial(const MiningGraph& graph, int k,
                                                     const MineOptions& options);
// ... and the counts from every rank's words. OutOfRange on overflow.
Result<std::vector<PatternCount>> CombineMotifStatistics(
    int k, const std::vector<std::vector<uint64_t>>& per_rank);

}  // namespace syskit::mine
