// Stable Segment Assignment (Taiji, SOSP'19, section 5.2); see
// segment_assignment.h. Invariant: the walk order depends only on the DC
// names, L and the seed, so equal inputs give equal maps, and (from
// scratch) a DC's buckets are a prefix of its preference walk. The
// incremental form keeps last epoch's map and moves only what the new
// weights force.
#include "syskit/route/segment_assignment.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "syskit/core/random.h"

namespace syskit::route {
namespace {

uint64_t Fnv1a(const std::string& text) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

uint64_t SplitMix64Hash(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::vector<std::vector<uint32_t>> SegmentPreferences(const std::vector<std::string>& dc_names,
                                                      int level, uint64_t seed) {
  const uint32_t segments = 1u << level;
  std::vector<std::vector<uint32_t>> order(dc_names.size());
  for (size_t d = 0; d < dc_names.size(); ++d) {
    Random rng(Fnv1a(dc_names[d]) ^ seed, static_cast<uint64_t>(level));
    auto& perm = order[d];
    perm.resize(segments);
    for (uint32_t s = 0; s < segments; ++s) perm[s] = s;
    for (uint32_t s = segments - 1; s > 0; --s) std::swap(perm[s], perm[rng.Uniform(s + 1)]);
  }
  return order;
}

Result<std::vector<int16_t>> AssignSegments(std::span<const double> fractions,
                                            const std::vector<std::vector<uint32_t>>& preferences,
                                            std::span<const double> bucket_weights,
                                            const SegmentOptions& options) {
  return ReassignSegments(fractions, preferences, bucket_weights, {}, options);
}

Result<std::vector<int16_t>> ReassignSegments(std::span<const double> fractions,
                                              const std::vector<std::vector<uint32_t>>& preferences,
                                              std::span<const double> bucket_weights,
                                              std::span<const int16_t> previous,
                                              const SegmentOptions& options) {
  if (options.height < 1 || options.height > 20 || options.level < 0 ||
      options.level > options.height) {
    return InvalidArgumentError(fmt::format("segment level {} must be in [0, H={}], H <= 20",
                                            options.level, options.height));
  }
  const int num_dcs = static_cast<int>(fractions.size());
  if (num_dcs == 0 || num_dcs > 32767 || preferences.size() != fractions.size()) {
    return InvalidArgumentError("segment assignment: need one preference order per DC");
  }
  const uint32_t buckets = 1u << options.height;
  const uint32_t segments = 1u << options.level;
  const uint32_t per_segment = buckets / segments;
  if (!bucket_weights.empty() && bucket_weights.size() != buckets) {
    return InvalidArgumentError(
        fmt::format("expected {} bucket weights, got {}", buckets, bucket_weights.size()));
  }
  if (!previous.empty() && previous.size() != buckets) {
    return InvalidArgumentError(
        fmt::format("previous map has {} buckets, expected {}", previous.size(), buckets));
  }
  auto weight = [&](uint32_t b) { return bucket_weights.empty() ? 1.0 : bucket_weights[b]; };
  double total_buckets = 0, total_fraction = 0, largest = 0;
  for (uint32_t b = 0; b < buckets; ++b) {
    if (!(weight(b) >= 0) || !std::isfinite(weight(b))) {
      return InvalidArgumentError(fmt::format("bucket {} weight is {}", b, weight(b)));
    }
    total_buckets += weight(b);
    largest = std::max(largest, weight(b));
  }
  for (double f : fractions) {
    if (!(f >= 0) || !std::isfinite(f)) return InvalidArgumentError("negative DC fraction");
    total_fraction += f;
  }
  if (total_fraction <= 0) return InvalidArgumentError("DC fractions sum to zero");
  for (const auto& perm : preferences) {
    if (perm.size() != segments) {
      return InvalidArgumentError("preference order does not match the segment level");
    }
  }
  // Remaining weight per DC in bucket-weight units (W_dc * sum W_b / sum W_dc).
  std::vector<double> remaining(num_dcs);
  for (int d = 0; d < num_dcs; ++d) remaining[d] = fractions[d] * total_buckets / total_fraction;
  std::vector<int16_t> dc_of(buckets, -1);
  uint32_t unassigned = buckets;
  // Position of bucket b in DC d's preference walk (segment rank, then
  // bucket within the segment): the walk takes in increasing position and
  // releases in decreasing position.
  std::vector<std::vector<uint32_t>> rank_of(num_dcs, std::vector<uint32_t>(segments));
  for (int d = 0; d < num_dcs; ++d) {
    for (uint32_t r = 0; r < segments; ++r) rank_of[d][preferences[d][r]] = r;
  }
  auto position = [&](int d, uint32_t b) {
    return rank_of[d][b / per_segment] * per_segment + b % per_segment;
  };
  if (!previous.empty()) {
    std::vector<std::vector<uint32_t>> held(num_dcs);
    for (uint32_t b = 0; b < buckets; ++b) {
      const int d = previous[b];
      if (d < 0 || d >= num_dcs) continue;
      dc_of[b] = static_cast<int16_t>(d);
      remaining[d] -= weight(b);
      held[d].push_back(b);
      --unassigned;
    }
    // A DC above its weight gives back the tail of its walk, never going
    // below its weight.
    for (int d = 0; d < num_dcs; ++d) {
      if (remaining[d] >= 0) continue;
      std::sort(held[d].begin(), held[d].end(),
                [&](uint32_t a, uint32_t b) { return position(d, a) > position(d, b); });
      for (uint32_t b : held[d]) {
        if (-remaining[d] < weight(b) - 1e-9) break;
        dc_of[b] = -1;
        remaining[d] += weight(b);
        ++unassigned;
      }
    }
  }
  // Pass 0 never overfills a DC (take a bucket only while it fits), so each
  // DC ends less than one bucket short; pass 1 walks the same order again
  // and tops up every DC that still has weight left, by at most one bucket.
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t rank = 0; rank < segments && unassigned > 0; ++rank) {
      for (int d = 0; d < num_dcs; ++d) {
        if (remaining[d] <= 1e-12) continue;
        const uint32_t first = preferences[d][rank] * per_segment;
        for (uint32_t b = first; b < first + per_segment; ++b) {
          if (dc_of[b] >= 0) continue;
          if (pass == 0 ? remaining[d] < weight(b) - 1e-9 : remaining[d] <= 1e-12) break;
          dc_of[b] = static_cast<int16_t>(d);
          remaining[d] -= weight(b);
          --unassigned;
        }
      }
    }
  }
  // Rounding residue only: any bucket left goes to the DC with the most
  // weight left.
  for (uint32_t b = 0; b < buckets && unassigned > 0; ++b) {
    if (dc_of[b] >= 0) continue;
    const int d =
        static_cast<int>(std::max_element(remaining.begin(), remaining.end()) - remaining.begin());
    dc_of[b] = static_cast<int16_t>(d);
    remaining[d] -= weight(b);
    --unassigned;
  }
  // Incremental only: when the free buckets ran out before a DC reached its
  // weight (the others each kept up to a bucket over theirs), the most
  // overfull DC hands its least preferred bucket over until every DC is
  // within one bucket of its weight.
  for (uint32_t guard = 0; !previous.empty() && guard < buckets; ++guard) {
    const int short_dc =
        static_cast<int>(std::max_element(remaining.begin(), remaining.end()) - remaining.begin());
    if (remaining[short_dc] <= largest + 1e-9) break;
    const int over =
        static_cast<int>(std::min_element(remaining.begin(), remaining.end()) - remaining.begin());
    if (remaining[over] >= 0) break;
    int64_t tail = -1;
    for (uint32_t b = 0; b < buckets; ++b) {
      if (dc_of[b] == over && weight(b) > 0 &&
          (tail < 0 || position(over, b) > position(over, static_cast<uint32_t>(tail)))) {
        tail = b;
      }
    }
    if (tail < 0) break;
    dc_of[tail] = static_cast<int16_t>(short_dc);
    remaining[over] += weight(tail);
    remaining[short_dc] -= weight(tail);
  }
  return dc_of;
}

std::vector<int16_t> AssignPerBucketHash(std::span<const double> fractions, int height,
                                         uint64_t seed) {
  const uint32_t buckets = 1u << height;
  double total = 0;
  for (double f : fractions) total += f;
  std::vector<int16_t> dc_of(buckets, 0);
  for (uint32_t b = 0; b < buckets; ++b) {
    const double point =
        (SplitMix64Hash(seed ^ (uint64_t{b} * 0x9e3779b97f4a7c15ULL)) >> 11) * 0x1.0p-53 * total;
    double cumulative = 0;
    int d = 0;
    for (; d + 1 < static_cast<int>(fractions.size()); ++d) {
      cumulative += fractions[d];
      if (point < cumulative) break;
    }
    dc_of[b] = static_cast<int16_t>(d);
  }
  return dc_of;
}

Result<RoutingConfig> BuildRoutingConfig(const State& state, const Fractions& table,
                                         const SegmentOptions& options,
                                         const RoutingConfig* previous) {
  std::vector<std::string> names;
  for (const auto& dc : state.dcs) names.push_back(dc.name);
  const auto preferences = SegmentPreferences(names, options.level, options.seed);
  RoutingConfig config;
  config.height = options.height;
  const bool incremental = previous != nullptr && previous->height == options.height &&
                           previous->dc_of_bucket.size() == table.size();
  for (int e = 0; e < state.num_edges(); ++e) {
    std::span<const int16_t> last;
    if (incremental) last = previous->dc_of_bucket[e];
    SYSKIT_ASSIGN_OR_RETURN(auto map, ReassignSegments(table[e], preferences, {}, last, options));
    config.dc_of_bucket.push_back(std::move(map));
  }
  return config;
}

std::vector<std::pair<uint32_t, uint32_t>> BucketRanges(const std::vector<int16_t>& dc_of_bucket,
                                                        int dc) {
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  for (uint32_t b = 0; b < dc_of_bucket.size(); ++b) {
    if (dc_of_bucket[b] != dc) continue;
    if (!ranges.empty() && ranges.back().second == b) {
      ++ranges.back().second;
    } else {
      ranges.emplace_back(b, b + 1);
    }
  }
  return ranges;
}

int64_t BucketMoves(const std::vector<int16_t>& a, const std::vector<int16_t>& b) {
  int64_t moves = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) moves += a[i] != b[i];
  return moves;
}

int64_t SplitSegments(const std::vector<int16_t>& dc_of_bucket, int height, int level) {
  const uint32_t per_segment = 1u << (height - level);
  int64_t split = 0;
  for (uint32_t first = 0; first < dc_of_bucket.size(); first += per_segment) {
    for (uint32_t b = first + 1; b < first + per_segment; ++b) {
      if (dc_of_bucket[b] != dc_of_bucket[first]) {
        ++split;
        break;
      }
    }
  }
  return split;
}

}  // namespace syskit::route
