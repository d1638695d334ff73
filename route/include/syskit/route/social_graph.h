// The friendship graph connection-aware routing partitions: an undirected
// simple graph in CSR form, a loader for edge lists, the exclusion rule for
// hubs (celebrity and page vertices keep no edges in the partition input),
// and a seeded hierarchical stochastic block model generator whose top level
// is geographic regions (so a region's users enter at that region's edges).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "syskit/core/result.h"

namespace syskit::route {

struct SocialGraph {
  std::vector<int64_t> offsets;    // size num_users + 1
  std::vector<int32_t> neighbors;  // sorted per user, no self loops, no duplicates
  std::vector<int32_t> region;     // per user (0 when unknown)
  std::vector<int32_t> group;      // per user: SBM group of 16 communities in its region

  int32_t num_users() const { return static_cast<int32_t>(offsets.size()) - 1; }
  int64_t num_edges() const { return static_cast<int64_t>(neighbors.size()) / 2; }
  int64_t degree(int32_t user) const { return offsets[user + 1] - offsets[user]; }

  // Builds from undirected pairs; drops self loops and duplicates.
  // InvalidArgument for an id outside [0, num_users).
  static Result<SocialGraph> FromEdges(int32_t num_users,
                                       const std::vector<std::pair<int32_t, int32_t>>& edges);
};

// Loads a whitespace-separated edge list ("u v" per line, '#' comments);
// ids are renumbered densely in order of appearance. InvalidArgument with
// "path:line" on a malformed line; NotFound/IOError from the file.
Result<SocialGraph> LoadEdgeList(const std::string& path);

// The graph without the edges of vertices whose degree exceeds max_degree.
SocialGraph ExcludeHubs(const SocialGraph& graph, int64_t max_degree);

struct SbmOptions {
  int32_t users = 20000;
  int regions = 4;                  // top level of the hierarchy
  int32_t community_size = 40;      // leaves of the hierarchy
  double friends_in_community = 8;  // expected friends inside the community
  double friends_in_group = 2;      // ... in the same group of 16 communities
  double friends_in_region = 1;     // ... elsewhere in the region
  double friends_global = 0.5;      // ... anywhere
  uint64_t seed = 1;
};

// Users are numbered in a random order (so that ids carry no community
// structure); region[] says where each one lives and group[] which group of
// 16 communities (numbered within the region) holds them.
SocialGraph GenerateHierarchicalSbm(const SbmOptions& options);

}  // namespace syskit::route
