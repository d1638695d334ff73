// Seeded synthetic edge-list generators.
//
// R-MAT (Chakrabarti, Zhan & Faloutsos, "R-MAT: A Recursive Model for Graph
// Mining", SDM 2004; parameters and id scrambling as in the Graph500
// specification): each record descends `scale` levels of the adjacency
// matrix, choosing the quadrant (src bit, dst bit) = (0,0), (0,1), (1,0),
// (1,1) with probabilities a, b, c, d. Level 0 sets the most significant bit.
// Levels are drawn four at a time: the 256 outcomes of four levels form one
// distribution sampled in O(1) by Walker's alias method (Walker 1977; Vose
// 1991) from a single 64-bit draw (8 bits pick a slot, 32 bits decide between
// the slot and its alias), so probabilities are exact to about 2^-32.
// Ids are then relabelled by a seeded bijection of [0, 2^scale) built from
// invertible steps (xor with a key, multiply by an odd constant, xor-shift
// right), each taken mod 2^scale.
//
// Erdős–Rényi G(n, m) (Erdős & Rényi 1959): m records, source uniform in
// [0, n), target uniform over the other n - 1 vertices.
//
// Determinism invariant: records are cut into fixed blocks of kBlockRecords,
// and block i draws from Random(seed, i) alone, so the output depends on the
// options and the seed but never on the thread count or scheduling.
#include "syskit/graph/generators.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <new>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "syskit/core/parallel.h"
#include "syskit/core/random.h"

namespace syskit::graph {
namespace {

constexpr uint64_t kBlockRecords = uint64_t{1} << 16;
// The permutation keys come from a stream no block index reaches.
constexpr uint64_t kPermutationStream = std::numeric_limits<uint64_t>::max();
constexpr int kPermutationRounds = 4;
// R-MAT levels sampled per 64-bit draw; 4^4 = 256 outcomes use 8 bits.
constexpr int kLevelsPerDraw = 4;
// Alias thresholds are in units of 2^-32.
constexpr double kThresholdUnit = 4294967296.0;

// A seeded bijection of [0, 2^bits). Every step is invertible mod 2^bits:
// xor with a constant, multiplication by an odd constant, and x ^= x >> s
// (s >= 1). Multiplication spreads low bits upward, the shift spreads high
// bits downward; a few rounds mix every bit into every other.
class IdPermutation {
 public:
  IdPermutation(int bits, uint64_t seed)
      : mask_(bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1),
        shift_(bits / 2 > 0 ? bits / 2 : 1) {
    Random rng(seed, kPermutationStream);
    for (Round& round : rounds_) {
      round.key = rng.Next() & mask_;
      round.multiplier = rng.Next() | 1;
    }
  }

  uint64_t operator()(uint64_t x) const {
    for (const Round& round : rounds_) {
      x ^= round.key;
      x = (x * round.multiplier) & mask_;
      x ^= x >> shift_;
    }
    return x;
  }

 private:
  struct Round {
    uint64_t key = 0;
    uint64_t multiplier = 1;
  };
  uint64_t mask_;
  int shift_;
  Round rounds_[kPermutationRounds];
};

// Samples `levels` (1..kLevelsPerDraw) R-MAT levels at once with an alias
// table over the 4^levels outcomes. Outcome o chooses quadrant
// (o >> 2 * (levels - 1 - l)) & 3 at level l, quadrant q setting source bit
// q >> 1 and target bit q & 1; its probability is the product over levels.
class RmatLevelSampler {
 public:
  RmatLevelSampler(int levels, const double quadrant[4]) : levels_(levels) {
    const int outcomes = 1 << (2 * levels);
    slot_mask_ = static_cast<uint64_t>(outcomes) - 1;
    std::vector<double> scaled(outcomes);
    for (int o = 0; o < outcomes; ++o) {
      double p = 1.0;
      uint8_t source_bits = 0;
      uint8_t target_bits = 0;
      for (int level = 0; level < levels; ++level) {
        const int q = (o >> (2 * (levels - 1 - level))) & 3;
        p *= quadrant[q];
        source_bits = static_cast<uint8_t>((source_bits << 1) | (q >> 1));
        target_bits = static_cast<uint8_t>((target_bits << 1) | (q & 1));
      }
      scaled[o] = p * outcomes;
      slots_[o].source[0] = slots_[o].source[1] = source_bits;
      slots_[o].target[0] = slots_[o].target[1] = target_bits;
      slots_[o].threshold = static_cast<uint64_t>(kThresholdUnit);
    }
    // Vose: pair each under-full slot with an over-full outcome that tops it
    // up. Zero-probability outcomes get threshold 0, so they are never kept.
    std::vector<int> small;
    std::vector<int> large;
    for (int o = 0; o < outcomes; ++o) (scaled[o] < 1.0 ? small : large).push_back(o);
    while (!small.empty() && !large.empty()) {
      const int under = small.back();
      small.pop_back();
      const int over = large.back();
      Slot& slot = slots_[under];
      slot.threshold = static_cast<uint64_t>(std::round(scaled[under] * kThresholdUnit));
      slot.source[0] = slots_[over].source[1];
      slot.target[0] = slots_[over].target[1];
      scaled[over] -= 1.0 - scaled[under];
      if (scaled[over] < 1.0) {
        large.pop_back();
        small.push_back(over);
      }
    }
    // Whatever is left is full up to rounding and keeps its threshold of 1.
  }

  // Appends the sampled levels' bits to `source` and `target`.
  void Sample(uint64_t draw, uint64_t& source, uint64_t& target) const {
    const Slot& slot = slots_[draw & slot_mask_];
    // Indexed rather than branched on: the choice is a coin flip.
    const size_t keep = (draw >> 32) < slot.threshold ? 1 : 0;
    source = (source << levels_) | slot.source[keep];
    target = (target << levels_) | slot.target[keep];
  }

 private:
  struct Slot {
    uint64_t threshold = 0;  // keep the slot's own outcome if draw < threshold
    // Bits of the alias's outcome ([0]) and of the slot's own outcome ([1]).
    uint8_t source[2] = {0, 0};
    uint8_t target[2] = {0, 0};
  };
  int levels_;
  uint64_t slot_mask_ = 0;
  Slot slots_[1 << (2 * kLevelsPerDraw)];
};

// Allocates `records` slots in both id arrays; ResourceExhausted instead of
// an exception when the request cannot be met.
Status AllocateRecords(std::string_view generator, uint64_t records, EdgeList& edges) {
  try {
    edges.sources.resize(records);
    edges.targets.resize(records);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError(
        fmt::format("{}: cannot allocate {} edge records", generator, records));
  } catch (const std::length_error&) {
    return ResourceExhaustedError(
        fmt::format("{}: cannot allocate {} edge records", generator, records));
  }
  return Status::OK();
}

// Calls fill(block_rng, first, last) for every block of records, in parallel.
template <typename Fill>
void FillBlocks(uint64_t records, uint64_t seed, int threads, Fill&& fill) {
  const uint64_t num_blocks = (records + kBlockRecords - 1) / kBlockRecords;
  ParallelForDynamic(threads, 0, num_blocks, 1, [&](int, uint64_t lo, uint64_t hi) {
    for (uint64_t block = lo; block < hi; ++block) {
      Random rng(seed, block);
      const uint64_t first = block * kBlockRecords;
      const uint64_t last = std::min(records, first + kBlockRecords);
      fill(rng, first, last);
    }
  });
}

Status ValidateRmat(const RmatOptions& options) {
  if (options.scale < 1 || options.scale > 31) {
    return InvalidArgumentError(fmt::format("rmat: scale must be in 1..31, got {}", options.scale));
  }
  if (options.edge_factor < 1) {
    return InvalidArgumentError(
        fmt::format("rmat: edge_factor must be >= 1, got {}", options.edge_factor));
  }
  if (options.edge_factor > (std::numeric_limits<uint64_t>::max() >> options.scale)) {
    return InvalidArgumentError(fmt::format(
        "rmat: edge_factor * 2^scale must fit in 64 bits, got edge_factor {} at scale {}",
        options.edge_factor, options.scale));
  }
  const std::pair<const char*, double> probabilities[] = {
      {"a", options.a}, {"b", options.b}, {"c", options.c}};
  for (const auto& [name, value] : probabilities) {
    // Written so that NaN fails too.
    if (!(value >= 0.0 && value <= 1.0)) {
      return InvalidArgumentError(
          fmt::format("rmat: probability {} must be in [0, 1], got {}", name, value));
    }
  }
  const double sum = options.a + options.b + options.c;
  // Tolerate rounding in user input such as 0.33 + 0.56 + 0.11.
  if (sum > 1.0 + 1e-9) {
    return InvalidArgumentError(fmt::format("rmat: a + b + c must be <= 1, got {}", sum));
  }
  return Status::OK();
}

}  // namespace

Result<EdgeList> GenerateRmat(const RmatOptions& options) {
  SYSKIT_RETURN_IF_ERROR(ValidateRmat(options));
  const int scale = options.scale;
  const uint64_t records = options.edge_factor << scale;
  EdgeList edges;
  SYSKIT_RETURN_IF_ERROR(AllocateRecords("rmat", records, edges));

  // d absorbs rounding; a, b, c are already checked to sum to at most 1.
  const double quadrant[4] = {options.a, options.b, options.c,
                              std::max(0.0, 1.0 - options.a - options.b - options.c)};
  const RmatLevelSampler full(kLevelsPerDraw, quadrant);
  const int full_draws = scale / kLevelsPerDraw;
  const int rest = scale % kLevelsPerDraw;
  const RmatLevelSampler partial(rest > 0 ? rest : 1, quadrant);
  const IdPermutation permutation(scale, options.seed);
  const bool scramble = options.scramble_ids;
  OriginalId* sources = edges.sources.data();
  OriginalId* targets = edges.targets.data();

  FillBlocks(records, options.seed, options.threads,
             [&](Random& rng, uint64_t first, uint64_t last) {
               for (uint64_t e = first; e < last; ++e) {
                 uint64_t source = 0;
                 uint64_t target = 0;
                 for (int draw = 0; draw < full_draws; ++draw) {
                   full.Sample(rng.Next(), source, target);
                 }
                 if (rest > 0) partial.Sample(rng.Next(), source, target);
                 if (scramble) {
                   source = permutation(source);
                   target = permutation(target);
                 }
                 sources[e] = source;
                 targets[e] = target;
               }
             });
  return edges;
}

Result<EdgeList> GenerateErdosRenyi(const ErdosRenyiOptions& options) {
  if (options.num_vertices < 2) {
    return InvalidArgumentError(
        fmt::format("erdos-renyi: num_vertices must be >= 2, got {}", options.num_vertices));
  }
  const uint64_t n = options.num_vertices;
  const uint64_t records = options.num_edges;
  EdgeList edges;
  SYSKIT_RETURN_IF_ERROR(AllocateRecords("erdos-renyi", records, edges));
  OriginalId* sources = edges.sources.data();
  OriginalId* targets = edges.targets.data();
  FillBlocks(records, options.seed, options.threads,
             [&](Random& rng, uint64_t first, uint64_t last) {
               for (uint64_t e = first; e < last; ++e) {
                 const uint64_t source = rng.Uniform(n);
                 // Uniform over the n - 1 other vertices: skip over `source`.
                 uint64_t target = rng.Uniform(n - 1);
                 if (target >= source) ++target;
                 sources[e] = source;
                 targets[e] = target;
               }
             });
  return edges;
}

}  // namespace syskit::graph
