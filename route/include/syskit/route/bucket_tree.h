// Offline user -> bucket assignment (Taiji section 5, after Social Hash):
// the friendship graph is split by successive balanced bipartitions (METIS,
// minimising edge cut) into a complete binary tree of height H; leaf b is
// bucket b, and the tree node at level L holding bucket b is b >> (H - L).
// Socially close users therefore share a bucket, or at least a subtree.
//
// A weekly refresh passes the previous assignment: every bisection is
// oriented to agree with it, and if more than `move_cap` of the users would
// still change bucket, randomly chosen movers keep their old bucket.
#pragma once

#include <cstdint>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/route/social_graph.h"

namespace syskit::route {

struct BucketTreeOptions {
  int height = 14;          // H: 2^H buckets
  double imbalance = 1.03;  // METIS ubvec per bisection
  uint64_t seed = 1;
  const std::vector<uint32_t>* previous = nullptr;  // last week's bucket per user
  double move_cap = 0.05;                           // max share of users whose bucket changes
};

struct BucketTree {
  int height = 0;
  std::vector<uint32_t> bucket;  // per user, in [0, 2^height)
  // cut_by_level[l]: share of friendship edges whose endpoints lie in
  // different tree nodes at level l (l = 1..height; [0] = 0).
  std::vector<double> cut_by_level;
  double moved_share = 0;  // vs options.previous (0 without one)

  uint32_t num_buckets() const { return 1u << height; }
};

// InvalidArgument for height outside [1, 20]; Internal if METIS fails.
Result<BucketTree> BuildBucketTree(const SocialGraph& graph, const BucketTreeOptions& options);

// Share of friendship edges cut at each level by `bucket` (as cut_by_level).
std::vector<double> CutByLevel(const SocialGraph& graph, const std::vector<uint32_t>& bucket,
                               int height);

}  // namespace syskit::route
