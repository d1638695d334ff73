// The migration policy of the tiered store (PrismDB's cross-tier compaction,
// brief section "Choosing what to compact"): each candidate key range is
// scored by benefit / cost, where
//
//   p       = popular fraction of the range's fast-tier keys
//   o       = overlap: fraction of the keys to demote that the slow tier
//             already holds (they replace a version instead of adding one)
//   F       = slow-tier bytes rewritten per byte demoted, (slow + demoted) / demoted
//   benefit = unpopular keys the demotion frees
//   cost    = F * (2 - o) / (1 - p) + 1
//
// and the migration demotes the unpopular keys of the best range.
#pragma once

#include <cstdint>
#include <vector>

namespace syskit::kv {

struct MigrationCandidate {
  uint64_t fast_keys = 0;     // fast-tier keys in the range
  uint64_t popular_keys = 0;  // of which popular (stay pinned)
  uint64_t demote_bytes = 0;  // bytes of the unpopular ones
  uint64_t overlap_keys = 0;  // unpopular keys the slow tier already has
  uint64_t slow_bytes = 0;    // slow-tier table bytes in the range
};

// benefit / cost; 0 when the range frees nothing (no unpopular keys).
double CostBenefitScore(const MigrationCandidate& candidate);

// Index of the best-scoring candidate, or -1 when none frees anything.
int PickMigrationRange(const std::vector<MigrationCandidate>& candidates);

}  // namespace syskit::kv
