// Helpers shared by the walk tests: bundled data, scratch directories and a
// chi-square goodness-of-fit check of engine draws against an exact law.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "syskit/graph/io.h"
#include "syskit/testing/temp_dir.h"
#include "syskit/walk/engine.h"

namespace syskit::walk::testing {

inline std::string DataFile(const std::string& name) {
  return std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/" + name;
}

inline graph::Graph LoadKarate() {
  auto g = graph::LoadGraph(Env::Default(), DataFile("Karate.edges.txt"), {});
  SYSKIT_CHECK(g.ok()) << g.status();
  return std::move(g).value();
}

using ScratchDir = ::syskit::testing::TempDir;

// Upper quantile of the standard normal: z with P(Z > z) = alpha (bisection
// on erfc; alpha in (0, 0.5)).
inline double NormalUpperQuantile(double alpha) {
  double lo = 0, hi = 40;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    (0.5 * std::erfc(mid / std::sqrt(2.0)) > alpha ? lo : hi) = mid;
  }
  return lo;
}

// chi2(df) upper quantile at alpha by the Wilson-Hilferty approximation
// (relative error well under 1% for df >= 3 at these tails).
inline double ChiSquareUpperQuantile(double df, double alpha) {
  const double z = NormalUpperQuantile(alpha);
  const double a = 2.0 / (9 * df);
  return df * std::pow(1 - a + z * std::sqrt(a), 3);
}

// Pearson chi-square of `counts` against probabilities `law` (cells with
// probability 0 must have count 0; they add no degree of freedom).
struct ChiSquare {
  double statistic = 0;
  int df = 0;
  bool impossible_hit = false;
};
inline ChiSquare PearsonChiSquare(const std::vector<uint64_t>& counts,
                                  const std::vector<double>& law, uint64_t draws) {
  ChiSquare result;
  int cells = 0;
  for (size_t i = 0; i < law.size(); ++i) {
    if (law[i] == 0) {
      result.impossible_hit |= counts[i] != 0;
      continue;
    }
    const double expected = law[i] * draws;
    result.statistic += (counts[i] - expected) * (counts[i] - expected) / expected;
    ++cells;
  }
  result.df = cells - 1;
  return result;
}

// Draws `draws` next arcs for walker `w` from the engine.
template <typename Spec>
std::vector<uint64_t> DrawNextArcs(const WalkEngine<Spec>& engine,
                                   const Walker<typename Spec::State>& w, size_t degree,
                                   uint64_t draws, uint64_t seed, SamplerCounters* counters) {
  std::vector<uint64_t> counts(degree, 0);
  Random rng(seed, 99);
  for (uint64_t draw = 0; draw < draws; ++draw) {
    const uint32_t arc = engine.SampleNext(w, rng, counters);
    SYSKIT_CHECK(arc < degree) << "arc " << arc;
    ++counts[arc];
  }
  return counts;
}

}  // namespace syskit::walk::testing
