// Online Stable Segment Assignment (Taiji section 5.2), run per edge every
// epoch: turns one row of the routing table (DC fractions) into a bucket ->
// DC map. Segments are the bucket-tree nodes at level L (2^L segments of
// 2^(H-L) buckets). Each DC has a pseudo-random preference order over the
// segments, seeded by its name so it is the same every epoch. Tuples
// (rank of the bucket's segment in the DC's order, DC, bucket) are walked in
// lexicographic order; a still-unassigned bucket goes to the tuple's DC while
// that DC has weight left. Whole segments therefore stay together, and a
// small change in fractions moves few buckets. L = H degenerates to
// per-bucket hashing.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/route/model.h"

namespace syskit::route {

struct SegmentOptions {
  int height = 14;  // H
  int level = 7;    // L, 0 <= L <= H
  uint64_t seed = 0;
};

// Per-DC segment preference orders: order[d] is a permutation of
// [0, 2^level), a function of (dc_names[d], level, seed) only.
std::vector<std::vector<uint32_t>> SegmentPreferences(const std::vector<std::string>& dc_names,
                                                      int level, uint64_t seed);

// DC index per bucket for one edge. `fractions` (one per DC, summing to 1)
// are the DC weights; `bucket_weights` (2^H entries, >= 0; empty = uniform)
// the traffic per bucket. Every DC receives bucket weight within one bucket
// (the largest) of fraction * total. InvalidArgument on shape or value
// errors.
Result<std::vector<int16_t>> AssignSegments(std::span<const double> fractions,
                                            const std::vector<std::vector<uint32_t>>& preferences,
                                            std::span<const double> bucket_weights,
                                            const SegmentOptions& options);

// Incremental Stable Segment Assignment: the same walk, but starting from
// `previous` (last epoch's map of this edge; entries outside [0, D) are
// unassigned). A DC whose weight fell releases buckets from the end of its
// preference walk (its least preferred segment first) until it is within
// half a bucket of its weight; DCs whose weight grew take free buckets in
// their preference order (rank by rank, as AssignSegments); buckets of DCs
// with weight 0 are freed. Everything else keeps its DC, so a change of
// fractions moves about the minimum sum(|dW|)/2 buckets. The same weight
// guarantee as AssignSegments; deterministic in (fractions, preferences,
// weights, previous). An empty `previous` gives AssignSegments.
Result<std::vector<int16_t>> ReassignSegments(std::span<const double> fractions,
                                              const std::vector<std::vector<uint32_t>>& preferences,
                                              std::span<const double> bucket_weights,
                                              std::span<const int16_t> previous,
                                              const SegmentOptions& options);

// The stateless baseline: bucket b goes to the DC whose cumulative-fraction
// interval holds hash(b) in [0, 1) (weighted per-bucket hashing). Weights
// are met in expectation only, and a change of one fraction shifts every
// later interval.
std::vector<int16_t> AssignPerBucketHash(std::span<const double> fractions, int height,
                                         uint64_t seed);

// The routing configuration {edge: {dc: bucket ranges}} for a whole table,
// with uniform bucket weights. With `previous` (last epoch's configuration
// for the same edges and DCs, in the same order, and the same height), each
// edge is reassigned incrementally (ReassignSegments); otherwise from
// scratch.
struct RoutingConfig {
  int height = 14;
  std::vector<std::vector<int16_t>> dc_of_bucket;  // [edge][bucket]
};
Result<RoutingConfig> BuildRoutingConfig(const State& state, const Fractions& table,
                                         const SegmentOptions& options,
                                         const RoutingConfig* previous = nullptr);

// Half-open [begin, end) bucket ranges held by `dc` in one edge's map.
std::vector<std::pair<uint32_t, uint32_t>> BucketRanges(const std::vector<int16_t>& dc_of_bucket,
                                                        int dc);

// Buckets whose DC differs between two maps of the same edge.
int64_t BucketMoves(const std::vector<int16_t>& a, const std::vector<int16_t>& b);

// Segments (level-L nodes) whose buckets go to more than one DC.
int64_t SplitSegments(const std::vector<int16_t>& dc_of_bucket, int height, int level);

}  // namespace syskit::route
