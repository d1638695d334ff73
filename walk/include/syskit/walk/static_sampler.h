// StaticSampler: O(1) sampling of an out-arc of v in proportion to Ps, the
// static component of the transition weight.
//
// Weighted: one alias table per vertex (Walker 1977, Vose 1991), built in
// double precision and stored compactly as {float probability, uint32
// alias} per arc (8 bytes/arc). Uniform (Ps == 1): no table, an index drawn
// with a multiply-shift. Built once; immutable and thread-safe afterwards.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "syskit/core/random.h"
#include "syskit/core/result.h"
#include "syskit/graph/graph.h"

namespace syskit::walk {

class StaticSampler {
 public:
  StaticSampler() = default;

  // Ps(v, arc) is read once per arc. InvalidArgument naming the arc (with
  // original ids) when a weight is not a positive finite number.
  static Result<StaticSampler> Build(
      const graph::Graph& g, bool uniform,
      const std::function<double(graph::VertexId, uint32_t)>& static_weight, int threads = 0);

  bool uniform() const { return uniform_; }

  // A random arc index of v in [0, degree), degree > 0, with probability
  // Ps(arc)/sum(Ps). One 64-bit draw: the high 32 bits pick the column
  // (bias <= degree/2^32), the low 32 bits toss the alias coin.
  uint32_t Sample(graph::EdgeIndex offset, uint32_t degree, Random& rng) const {
    const uint64_t r = rng.Next();
    const auto column = static_cast<uint32_t>(((r >> 32) * degree) >> 32);
    if (uniform_) return column;
    const Cell& cell = cells_[offset + column];
    const float coin = static_cast<float>(static_cast<uint32_t>(r) >> 8) * 0x1.0p-24f;
    return coin < cell.probability ? column : cell.alias;
  }

  // Ps of arc `arc` of the vertex whose list starts at `offset` (1 when uniform).
  double Weight(graph::EdgeIndex offset, uint32_t arc) const {
    return uniform_ ? 1.0 : weights_[offset + arc];
  }
  // Sum of Ps over v's out-arcs (degree when uniform).
  double TotalWeight(graph::VertexId v) const { return totals_[v]; }
  // Max of Ps over v's out-arcs (1 when uniform; 0 for a dead end).
  double MaxWeight(graph::VertexId v) const { return uniform_ ? 1.0 : max_[v]; }

 private:
  struct Cell {
    float probability;  // keep the column with this probability...
    uint32_t alias;     // ...else take this arc
  };
  bool uniform_ = true;
  std::vector<Cell> cells_;      // per arc (weighted only)
  std::vector<double> weights_;  // Ps per arc (weighted only)
  std::vector<double> totals_;   // per vertex
  std::vector<float> max_;       // per vertex (weighted only)
};

// InvalidArgument "edge 3 -> 7 has weight -1, expected a positive finite
// weight" (original ids) for the first non-positive or non-finite weight.
Status CheckPositiveWeights(const graph::Graph& g);

}  // namespace syskit::walk
