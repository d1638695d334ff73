// Motif counting by inclusion-exclusion (the approach of ORCA, Hočevar &
// Demšar 2014, and of PGD, Ahmed et al. 2015), exact and far cheaper than
// enumerating every 4-vertex subgraph.
//
// Non-induced (subgraph) counts from simple statistics, with d(v) degrees,
// t(e) triangles on edge e and T triangles:
//   3-star   S = sum_v C(d(v), 3)
//   4-path   P = sum_{uv in E} (d(u) - 1)(d(v) - 1) - 3T
//   tailed   L = sum_v t(v)(d(v) - 2) = sum_{uv in E} t(uv)(d(u) + d(v) - 4) / 2
//   4-cycle  C  (each counted once at its largest vertex, opposite corner w)
//   diamond  D = sum_{uv in E} C(t(uv), 2)
//   4-clique K  (compiled oriented-clique plan)
// Induced counts follow because each 4-vertex graph contains a fixed number
// of copies of each smaller one (K4 holds 6 diamonds, 3 4-cycles, 12 tailed
// triangles, 12 4-paths and 4 3-stars; a diamond 1, 4, 6, 2; a 4-cycle
// 0, 0, 4, 0; a tailed triangle 0, 0, 2, 1):
//   diamond_i = D - 6K;  cycle_i = C - diamond_i - 3K;
//   tailed_i = L - 4 diamond_i - 12K;
//   path_i = P - 2 tailed_i - 4 cycle_i - 6 diamond_i - 12K;
//   star_i = S - tailed_i - 2 diamond_i - 4K.
// 3-motifs: wedge_i = sum_v C(d(v), 2) - 3T.
// Arithmetic is in 128 bits; a result above 2^64 - 1 is an error.
#include "syskit/mine/motif_counter.h"

#include <algorithm>
#include <memory>

#include "set_ops.h"
#include "syskit/core/parallel.h"

namespace syskit::mine {
namespace {

using graph::VertexId;
using Wide = __int128;

struct EdgeSums {
  Wide triangles3 = 0;  // sum of t(e) = 3T
  Wide diamonds = 0;    // sum C(t(e), 2)
  Wide tailed2 = 0;     // sum t(e)(d(u) + d(v) - 4) = 2L
  Wide paths = 0;       // sum (d(u) - 1)(d(v) - 1)
  Wide cycles = 0;
};

Wide Choose(Wide n, int r) {
  if (n < r) return 0;
  Wide result = 1;
  for (int i = 0; i < r; ++i) result = result * (n - i) / (i + 1);
  return result;
}

EdgeSums SumOverEdges(const MiningGraph& mining, const MineOptions& options, bool cycles) {
  const graph::Graph& g = mining.graph();
  const int threads = options.threads > 0 ? options.threads : DefaultThreadCount();
  const uint64_t n = g.num_vertices();
  const uint64_t ranks = std::max(1, options.ranks), rank = options.rank;
  const uint64_t positions = n > rank ? (n - rank + ranks - 1) / ranks : 0;
  std::vector<EdgeSums> partial(threads);
  std::vector<std::vector<uint32_t>> wedge_counts(threads);
  std::vector<std::vector<VertexId>> touched(threads);
  ParallelForDynamic(threads, 0, positions, std::max<uint64_t>(1, options.grain),
                     [&](int t, uint64_t begin, uint64_t end) {
                       EdgeSums& sums = partial[t];
                       std::vector<uint32_t>& wedge = wedge_counts[t];
                       if (cycles && wedge.empty()) wedge.assign(n, 0);
                       for (uint64_t position = begin; position < end; ++position) {
                         const uint64_t idx = rank + position * ranks;
                         const auto u = static_cast<VertexId>(n - 1 - idx);
                         const auto nu = g.neighbors(u);
                         const Wide du = nu.size();
                         for (VertexId v : nu) {
                           if (v >= u) break;  // each edge once, from its larger endpoint
                           const auto nv = g.neighbors(v);
                           const Wide dv = nv.size();
                           const Wide te = internal::IntersectCount(nu, nv);
                           sums.triangles3 += te;
                           sums.diamonds += te * (te - 1) / 2;
                           sums.tailed2 += te * (du + dv - 4);
                           sums.paths += (du - 1) * (dv - 1);
                           if (!cycles) continue;
                           for (VertexId w : nv) {
                             if (w >= u) break;
                             if (wedge[w]++ == 0) touched[t].push_back(w);
                           }
                         }
                         if (!cycles) continue;
                         for (VertexId w : touched[t]) {
                           const Wide c = wedge[w];
                           sums.cycles += c * (c - 1) / 2;
                           wedge[w] = 0;
                         }
                         touched[t].clear();
                       }
                     });
  EdgeSums total;
  for (const EdgeSums& sums : partial) {
    total.triangles3 += sums.triangles3;
    total.diamonds += sums.diamonds;
    total.tailed2 += sums.tailed2;
    total.paths += sums.paths;
    total.cycles += sums.cycles;
  }
  return total;
}

Result<uint64_t> Narrow(Wide value, const char* name) {
  if (value < 0 || value > static_cast<Wide>(~uint64_t{0})) {
    return OutOfRangeError(std::string("count of motif \"") + name +
                           "\" is outside 0..2^64 - 1 (64-bit overflow)");
  }
  return static_cast<uint64_t>(value);
}

constexpr int kStatistics = 8;  // pairs triples 3T diamonds 2L paths cycles cliques

Status CheckK(int k) {
  if (k != 3 && k != 4) {
    return InvalidArgumentError("motif formulas exist for k = 3, 4, got " + std::to_string(k));
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<uint64_t>> MotifStatisticsPartial(const MiningGraph& mining, int k,
                                                     const MineOptions& options) {
  SYSKIT_RETURN_IF_ERROR(CheckK(k));
  const graph::Graph& g = mining.graph();
  const uint64_t n = g.num_vertices();
  const uint64_t ranks = std::max(1, options.ranks);
  Wide pairs = 0, triples = 0;
  for (VertexId v = 0; v < n; ++v) {
    if ((n - 1 - v) % ranks != static_cast<uint64_t>(options.rank)) continue;
    pairs += Choose(g.degree(v), 2);
    triples += Choose(g.degree(v), 3);
  }
  const EdgeSums sums = SumOverEdges(mining, options, /*cycles=*/k == 4);
  Wide cliques = 0;
  if (k == 4) {
    SYSKIT_ASSIGN_OR_RETURN(Pattern clique, NamedPattern("4-clique"));
    CompileOptions compile;
    compile.stats = mining.stats();
    SYSKIT_ASSIGN_OR_RETURN(Plan plan, Compile(clique, compile));
    SYSKIT_ASSIGN_OR_RETURN(uint64_t cliques_count, CountPlan(mining, plan, options));
    cliques = cliques_count;
  }
  const Wide values[kStatistics] = {pairs,        triples,    sums.triangles3, sums.diamonds,
                                    sums.tailed2, sums.paths, sums.cycles,     cliques};
  std::vector<uint64_t> words;
  for (Wide value : values) {
    const auto wide = static_cast<unsigned __int128>(value);  // every statistic is >= 0
    words.push_back(static_cast<uint64_t>(wide));
    words.push_back(static_cast<uint64_t>(wide >> 64));
  }
  return words;
}

Result<std::vector<PatternCount>> CombineMotifStatistics(
    int k, const std::vector<std::vector<uint64_t>>& per_rank) {
  SYSKIT_RETURN_IF_ERROR(CheckK(k));
  unsigned __int128 totals[kStatistics] = {};
  for (const std::vector<uint64_t>& words : per_rank) {
    if (words.size() != 2 * kStatistics) {
      return InvalidArgumentError("expected " + std::to_string(2 * kStatistics) +
                                  " motif statistic words per rank, got " +
                                  std::to_string(words.size()));
    }
    for (int s = 0; s < kStatistics; ++s) {
      const unsigned __int128 value =
          (static_cast<unsigned __int128>(words[2 * s + 1]) << 64) | words[2 * s];
      // Below 2^100 the formulas' small multiples (at most 12x) cannot
      // overflow the signed 128-bit arithmetic; real graphs are far below.
      if (__builtin_add_overflow(totals[s], value, &totals[s]) || totals[s] >> 100 != 0) {
        return OutOfRangeError("motif statistics exceed 2^100 (overflow)");
      }
    }
  }
  const Wide pairs = totals[0], triples = totals[1], triangles = static_cast<Wide>(totals[2]) / 3;
  const Wide diamonds = totals[3], tailed2 = totals[4], paths = totals[5], cycles = totals[6];
  const Wide cliques = totals[7];
  std::vector<std::pair<const char*, Wide>> values;
  if (k == 3) {
    values = {{"wedge", pairs - 3 * triangles}, {"triangle", triangles}};
  } else {
    const Wide diamond = diamonds - 6 * cliques;
    const Wide cycle = cycles - diamond - 3 * cliques;
    const Wide tailed = tailed2 / 2 - 4 * diamond - 12 * cliques;
    const Wide path = paths - 3 * triangles - 2 * tailed - 4 * cycle - 6 * diamond - 12 * cliques;
    const Wide star = triples - tailed - 2 * diamond - 4 * cliques;
    values = {{"3-star", star},     {"4-path", path},
              {"4-cycle", cycle},   {"tailed-triangle", tailed},
              {"diamond", diamond}, {"4-clique", cliques}};
  }
  std::vector<PatternCount> counts;
  for (auto [name, value] : values) {
    SYSKIT_ASSIGN_OR_RETURN(uint64_t count, Narrow(value, name));
    counts.push_back({name, count});
  }
  return counts;
}

Result<std::vector<PatternCount>> CountMotifsByFormula(const MiningGraph& mining, int k,
                                                       const MineOptions& options) {
  MineOptions whole = options;
  whole.rank = 0;
  whole.ranks = 1;
  SYSKIT_ASSIGN_OR_RETURN(std::vector<uint64_t> words, MotifStatisticsPartial(mining, k, whole));
  return CombineMotifStatistics(k, {words});
}

}  // namespace syskit::mine
