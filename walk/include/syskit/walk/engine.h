// WalkEngine<Spec>: the single-process KnightKing engine. Samples each step
// of a dynamic walk by rejection against the per-vertex envelope
// Q(v) * Ps (plus an outlier appendix), with the lower-bound shortcut; a
// static walk samples Ps directly from alias tables. No distribution is
// rebuilt per step.
//
// Execution: walkers are processed in batches (options.batch_walkers); a
// batch is split into chunks of options.chunk_walkers handed out dynamically
// to the threads; each walker walks to its end inside its chunk (static walks
// 16 at a time, interleaved; see WalkInterleaved) with its own
// RNG, Random(seed, walker_id), so a walker's path is a function of (seed,
// walker id, graph, spec) only: identical for any thread count and ready to
// be moved between threads or ranks by a later BSP executor. After a batch,
// its paths go to the sink in walker order and the buffers are reused, so
// memory is bounded by the batch, not by the walk set.
//
// Walk length: options.max_steps is the number of steps (edges), so a full
// walk has max_steps + 1 vertices. A walk also ends early at a dead end
// (degree 0), when the Spec's Extend returns false (PPR's coin, meta-path's
// missing edge type), or when the sampler rejects kMaxConsecutiveRejections
// times in a row (a Spec whose Pd is 0 on every arc; counted in
// stats.abandoned).
//
// Thread-safety: Run may be called from one thread at a time; the Spec and
// graph must outlive the engine.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <vector>

#include "syskit/core/parallel.h"
#include "syskit/core/random.h"
#include "syskit/core/result.h"
#include "syskit/core/timer.h"
#include "syskit/graph/graph.h"
#include "syskit/walk/path_sink.h"
#include "syskit/walk/static_sampler.h"
#include "syskit/walk/walk_spec.h"

namespace syskit::walk {

inline constexpr uint32_t kUnlimitedSteps = std::numeric_limits<uint32_t>::max();
inline constexpr uint64_t kMaxConsecutiveRejections = uint64_t{1} << 24;
// Static walkers a thread advances in turn to overlap their cache misses.
inline constexpr int kInterleavedWalkers = 16;

struct WalkOptions {
  // Number of walkers; 0 means walkers_per_vertex * |V|. Walker i starts at
  // vertex i mod |V|.
  uint64_t num_walkers = 0;
  uint32_t walkers_per_vertex = 1;
  // Steps per walk (path = max_steps + 1 vertices); kUnlimitedSteps leaves
  // termination to the Spec (PPR).
  uint32_t max_steps = 80;
  uint64_t seed = 1;
  int threads = 0;                      // 0 = all cores
  uint64_t chunk_walkers = 128;         // task size handed to a thread
  uint64_t batch_walkers = 1ull << 18;  // walkers whose paths are buffered at once
  // Distributed engine only, KnightKing's "light mode": a round whose rank
  // holds fewer ready walkers (or queries to answer) than this runs on the
  // calling thread, since starting threads costs more than a handful of
  // walkers' steps in the straggler tail. 0 turns it off. Results do not
  // depend on it (thread count never changes results).
  uint64_t light_mode_walkers = 4000;
};

// Sampler counters; per thread while running, summed at the end.
struct SamplerCounters {
  uint64_t trials = 0;     // candidate draws (static walks: one per step)
  uint64_t pd_evals = 0;   // Pd evaluations ("edges computed")
  uint64_t abandoned = 0;  // walks cut by kMaxConsecutiveRejections
  void Add(const SamplerCounters& o) {
    trials += o.trials;
    pd_evals += o.pd_evals;
    abandoned += o.abandoned;
  }
};

struct WalkStats {
  uint64_t walks = 0;
  uint64_t steps = 0;
  SamplerCounters sampler;
  double seconds = 0;       // walking plus handing paths to the sink
  double init_seconds = 0;  // building the engine (alias tables)
  double steps_per_sec() const { return seconds > 0 ? steps / seconds : 0; }
  double trials_per_step() const { return steps ? double(sampler.trials) / steps : 0; }
  double pd_evals_per_step() const { return steps ? double(sampler.pd_evals) / steps : 0; }
};

// InvalidArgument when options cannot describe a walk set.
Status ValidateWalkOptions(const graph::Graph& g, const WalkOptions& options);

template <typename Spec>
class WalkEngine {
 public:
  using State = typename Spec::State;
  using WalkerT = Walker<State>;

  // Builds the static sampler. InvalidArgument for a non-positive weight.
  static Result<WalkEngine> Create(const graph::Graph& g, const Spec& spec, int threads = 0) {
    Timer timer;
    auto sampler = StaticSampler::Build(
        g, spec.UniformStatic(g),
        [&](graph::VertexId v, uint32_t arc) { return spec.StaticWeight(g, v, arc); }, threads);
    if (!sampler.ok()) return sampler.status();
    WalkEngine engine(g, spec, std::move(sampler).value());
    engine.init_seconds_ = timer.ElapsedSeconds();
    return engine;
  }

  const StaticSampler& static_sampler() const { return sampler_; }

  // A fresh walker as Run creates it.
  WalkerT NewWalker(uint64_t walker_id, VertexId start) const {
    return WalkerT{walker_id, start, 0, spec_.Init(walker_id, start)};
  }

  // Draws the arc for w's next step from w.current (degree > 0). Returns
  // kNoArc when the sampler gives up (see kMaxConsecutiveRejections). Does
  // not move the walker.
  uint32_t SampleNext(const WalkerT& w, Random& rng, SamplerCounters* counters) const {
    const graph::EdgeIndex offset = offsets_[w.current];
    const auto degree = static_cast<uint32_t>(offsets_[w.current + 1] - offset);
    if constexpr (!Spec::kDynamic) {
      ++counters->trials;
      return sampler_.Sample(offset, degree, rng);
    } else {
      return SampleDynamic(w, offset, degree, rng, counters);
    }
  }

  // Runs the walk set and streams paths to `sink` (not owned). Errors: an
  // invalid option (InvalidArgument) or the sink's error.
  Result<WalkStats> Run(const WalkOptions& options, PathSink* sink) const {
    SYSKIT_RETURN_IF_ERROR(ValidateWalkOptions(graph_, options));
    const uint64_t num_vertices = graph_.num_vertices();
    const uint64_t walkers = options.num_walkers != 0
                                 ? options.num_walkers
                                 : uint64_t{options.walkers_per_vertex} * num_vertices;
    const int threads = options.threads <= 0 ? DefaultThreadCount() : options.threads;
    const uint64_t chunk = std::max<uint64_t>(1, options.chunk_walkers);
    const uint64_t batch = std::max<uint64_t>(chunk, options.batch_walkers / chunk * chunk);
    const bool record = sink->wants_paths();

    struct alignas(64) ThreadTotals {
      SamplerCounters counters;
      uint64_t steps = 0;
    };
    std::vector<ThreadTotals> totals(threads);
    // One path buffer per chunk of a batch: the walks' vertices back to
    // back, with per-walk end positions.
    struct ChunkPaths {
      std::vector<VertexId> vertices;
      std::vector<uint64_t> ends;
    };
    std::vector<ChunkPaths> chunk_paths(record ? batch / chunk : 0);

    WalkStats stats;
    stats.init_seconds = init_seconds_;
    Timer timer;
    for (uint64_t batch_begin = 0; batch_begin < walkers; batch_begin += batch) {
      const uint64_t batch_end = std::min(walkers, batch_begin + batch);
      ParallelForDynamic(
          threads, batch_begin, batch_end, chunk, [&](int t, uint64_t lo, uint64_t hi) {
            ThreadTotals& mine = totals[t];
            ChunkPaths* paths = record ? &chunk_paths[(lo - batch_begin) / chunk] : nullptr;
            if (paths) {
              paths->vertices.clear();
              paths->ends.clear();
            }
            if constexpr (!Spec::kDynamic) {
              mine.steps += WalkInterleaved(lo, hi, num_vertices, options.max_steps, options.seed,
                                            paths, &mine.counters);
            } else {
              for (uint64_t id = lo; id < hi; ++id) {
                mine.steps += WalkOne(id, static_cast<VertexId>(id % num_vertices),
                                      options.max_steps, options.seed, paths, &mine.counters);
              }
            }
          });
      if (record) {
        for (uint64_t lo = batch_begin; lo < batch_end; lo += chunk) {
          const ChunkPaths& paths = chunk_paths[(lo - batch_begin) / chunk];
          uint64_t begin = 0;
          for (size_t walk = 0; walk < paths.ends.size(); ++walk) {
            const uint64_t end = paths.ends[walk];
            SYSKIT_RETURN_IF_ERROR(sink->Write(
                lo + walk, std::span<const VertexId>(paths.vertices.data() + begin, end - begin)));
            begin = end;
          }
        }
      }
    }
    SYSKIT_RETURN_IF_ERROR(sink->Finish());
    stats.seconds = timer.ElapsedSeconds();
    stats.walks = walkers;
    for (const ThreadTotals& t : totals) {
      stats.steps += t.steps;
      stats.sampler.Add(t.counters);
    }
    return stats;
  }

 private:
  WalkEngine(const graph::Graph& g, const Spec& spec, StaticSampler sampler)
      : graph_(g),
        spec_(spec),
        sampler_(std::move(sampler)),
        offsets_(g.offsets().data()),
        targets_(g.targets().data()) {}

  template <typename Paths>
  uint64_t WalkOne(uint64_t id, VertexId start, uint32_t max_steps, uint64_t seed, Paths* paths,
                   SamplerCounters* counters) const {
    Random rng(seed, id);
    WalkerT w = NewWalker(id, start);
    if (paths) paths->vertices.push_back(start);
    while (w.step < max_steps) {
      const graph::EdgeIndex offset = offsets_[w.current];
      if (offsets_[w.current + 1] == offset) break;  // dead end
      if (!spec_.Extend(w, rng)) break;
      const uint32_t arc = SampleNext(w, rng, counters);
      if (arc == kNoArc) break;
      const VertexId next = targets_[offset + arc];
      spec_.OnMove(w, arc, next);
      w.current = next;
      ++w.step;
      if (paths) paths->vertices.push_back(next);
    }
    if (paths) paths->ends.push_back(paths->vertices.size());
    return w.step;
  }

  // Static walks (Pd == 1): kInterleavedWalkers walkers of [lo, hi) advance
  // in turn, one half-step each. Half-step A reads the walker's offsets
  // (prefetched earlier), asks Extend, draws the arc and prefetches its
  // target; half-step B reads the target, moves and prefetches the next
  // vertex's offsets. One walker's cache misses thus overlap the others'
  // work (step interleaving, as in ThunderRW, Sun et al. VLDB 2021). Each
  // walker draws from its own RNG in exactly the order WalkOne does, so
  // paths are identical; finished paths are put back in walker order.
  template <typename Paths>
  uint64_t WalkInterleaved(uint64_t lo, uint64_t hi, uint64_t num_vertices, uint32_t max_steps,
                           uint64_t seed, Paths* paths, SamplerCounters* counters) const {
    struct Slot {
      WalkerT w;
      Random rng{0};
      uint32_t arc = 0;
      graph::EdgeIndex offset = 0;
      bool moving = false;  // half-step B is next
      bool active = false;
      std::vector<VertexId> path;
    };
    struct Finished {
      uint64_t id;
      size_t begin, end;
    };
    Slot slots[kInterleavedWalkers];
    std::vector<VertexId> staged;
    std::vector<Finished> finished;
    uint64_t next_id = lo;
    uint64_t steps = 0;
    int active = 0;
    auto start = [&](Slot& slot) {
      if (next_id >= hi) return;
      const uint64_t id = next_id++;
      const auto first = static_cast<VertexId>(id % num_vertices);
      slot.rng.Seed(seed, id);
      slot.w = NewWalker(id, first);
      slot.moving = false;
      slot.active = true;
      ++active;
      if (paths) slot.path.assign(1, first);
      __builtin_prefetch(&offsets_[first]);
    };
    auto finish = [&](Slot& slot) {
      steps += slot.w.step;
      if (paths) {
        finished.push_back({slot.w.id, staged.size(), staged.size() + slot.path.size()});
        staged.insert(staged.end(), slot.path.begin(), slot.path.end());
      }
      slot.active = false;
      --active;
      start(slot);
    };
    for (Slot& slot : slots) start(slot);
    while (active > 0) {
      for (Slot& slot : slots) {
        if (!slot.active) continue;
        WalkerT& w = slot.w;
        if (!slot.moving) {
          slot.offset = offsets_[w.current];
          if (w.step >= max_steps || offsets_[w.current + 1] == slot.offset ||
              !spec_.Extend(w, slot.rng)) {
            finish(slot);
            continue;
          }
          ++counters->trials;
          slot.arc = sampler_.Sample(
              slot.offset, static_cast<uint32_t>(offsets_[w.current + 1] - slot.offset), slot.rng);
          __builtin_prefetch(&targets_[slot.offset + slot.arc]);
          slot.moving = true;
        } else {
          const VertexId next = targets_[slot.offset + slot.arc];
          spec_.OnMove(w, slot.arc, next);
          w.current = next;
          ++w.step;
          if (paths) slot.path.push_back(next);
          __builtin_prefetch(&offsets_[next]);
          slot.moving = false;
        }
      }
    }
    if (paths) {
      std::sort(finished.begin(), finished.end(),
                [](const Finished& a, const Finished& b) { return a.id < b.id; });
      for (const Finished& walk : finished) {
        paths->vertices.insert(paths->vertices.end(), staged.begin() + walk.begin,
                               staged.begin() + walk.end);
        paths->ends.push_back(paths->vertices.size());
      }
    }
    return steps;
  }

  uint32_t SampleDynamic(const WalkerT& w, graph::EdgeIndex offset, uint32_t degree, Random& rng,
                         SamplerCounters* counters) const {
    const double upper = spec_.UpperBound(w);
    const double lower = spec_.LowerBound(w);
    const OutlierDecl outlier = spec_.Outlier(w);
    // Envelope in units of Q-rectangle height: the dart u ~ U[0, upper +
    // appendix) lands in the main rectangle iff u < upper, and then u itself
    // is the dart height y ~ U[0, Q).
    double appendix = 0;
    if (outlier.height > upper) {
      appendix = outlier.width * (outlier.height - upper) / sampler_.TotalWeight(w.current);
    }
    const double span = upper + appendix;
    for (uint64_t trial = 0; trial < kMaxConsecutiveRejections; ++trial) {
      ++counters->trials;
      const double y = rng.NextDouble() * span;
      if (y >= upper) {
        const uint32_t arc = spec_.FindOutlier(w);
        if (arc == kNoArc) continue;
        ++counters->pd_evals;
        const double pd = spec_.Dynamic(w, arc, targets_[offset + arc]);
        const double accept = sampler_.Weight(offset, arc) * (pd - upper) /
                              (outlier.width * (outlier.height - upper));
        if (rng.NextDouble() < accept) return arc;
        continue;
      }
      const uint32_t arc = sampler_.Sample(offset, degree, rng);
      if (y < lower) return arc;
      ++counters->pd_evals;
      const double pd = spec_.Dynamic(w, arc, targets_[offset + arc]);
      if (y < std::min(pd, upper)) return arc;
    }
    ++counters->abandoned;
    return kNoArc;
  }

  const graph::Graph& graph_;
  Spec spec_;
  StaticSampler sampler_;
  const graph::EdgeIndex* offsets_;
  const VertexId* targets_;
  double init_seconds_ = 0;
};

}  // namespace syskit::walk
