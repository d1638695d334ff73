// DistributedWalkEngine<Spec>: KnightKing's distributed execution (Yang et
// al., SOSP 2019, §2 "Iteration"): the graph is cut into contiguous vertex
// ranges (graph::Partition::Balanced), rank r keeps only the out-arcs of its
// range (ExtractPartition), and walkers live on the rank that owns their
// current vertex. Walkers advance in bulk-synchronous rounds:
//
//   (a) compute: every resident walker checks termination (max_steps, dead
//       end, Extend), draws a candidate arc from the local alias table and a
//       dart; lower-bound and static acceptance and the outlier appendix are
//       resolved locally. A walker whose Pd needs another rank's adjacency
//       (Spec::kRemoteQuery, QueryVertex owned elsewhere) posts a query and
//       stops for this round; a walker that moves to a vertex it owns keeps
//       walking in the same round; one that moves off the range migrates.
//   (b) exchange A: one AllToAll carries each destination's migrating
//       walkers (id, current, step, Spec state, RNG state, path so far) and
//       queries (query vertex, candidate x). Owners answer every query in a
//       batch (Spec::Answer on their partition).
//   (c) exchange B (only for Specs with kRemoteQuery): one AllToAll returns
//       the answers, one byte each, in query order; the walkers resume in
//       the next round with the answer (accept -> move; reject -> next trial).
//   (d) termination: AllReduceSum(resident walkers) == 0.
//
// KEY INVARIANT: each walker draws from its own Random(seed, walker_id) in
// exactly the order WalkEngine::WalkOne / SampleDynamic / WalkInterleaved
// do (a query suspends the walker between the dart and the accept test; the
// RNG is untouched meanwhile and travels with the walker), so for a fixed
// seed the paths are identical to the single-process engine's for any
// number of ranks and threads per rank (tested for 1, 2 and 3 ranks with 1
// and 2 threads). Stats (steps, trials, Pd evaluations) are equal too;
// rounds, messages, queries and migrations depend on the rank count only.
//
// Walkers run in batches of options.batch_walkers; after a batch, finished
// paths are gathered to rank 0 (one AllToAll) and written to rank 0's sink in
// walker order, so memory for paths is bounded by a batch. Other ranks write
// nothing.
//
// Threads inside a rank: each round's compute phase cuts the rank's ready
// walkers into chunks of options.chunk_walkers (KnightKing's task size)
// handed out to options.threads threads (0 = all cores) with
// ParallelForDynamic. Each chunk writes its migrants, queries, suspended
// walkers, finished paths and counters to its own ChunkOutput; the outputs
// are merged in chunk order, so the bytes sent, and hence every result, do
// not depend on the thread count (tested for 2 threads x 2 and 3 ranks).
// Received queries are answered in parallel too. Deserializing migrants and
// the exchanges themselves stay on the calling thread.
//
// Every rank must call Create and Run with the same arguments (except the
// sink, read on rank 0 only), as with any collective.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <type_traits>
#include <vector>

#include "syskit/core/check.h"
#include "syskit/core/parallel.h"
#include "syskit/core/random.h"
#include "syskit/core/result.h"
#include "syskit/core/timer.h"
#include "syskit/graph/graph.h"
#include "syskit/graph/partitioner.h"
#include "syskit/walk/engine.h"
#include "syskit/walk/path_sink.h"
#include "syskit/walk/static_sampler.h"
#include "syskit/walk/transport.h"
#include "syskit/walk/walk_spec.h"

namespace syskit::walk {

struct DistributedWalkStats : WalkStats {
  int ranks = 1;
  uint64_t rounds = 0;        // BSP rounds, summed over batches
  uint64_t queries = 0;       // Pd queries sent to another rank
  uint64_t migrations = 0;    // walkers sent to another rank
  uint64_t messages = 0;      // records sent to another rank: walkers, queries, answers
  uint64_t bytes = 0;         // bytes sent to another rank (path gather included)
  uint64_t light_rounds = 0;  // rank-rounds computed on one thread (light mode), summed over ranks
  double queries_per_step() const { return steps ? double(queries) / steps : 0; }
};

// Rank-local view of `g`: the same vertex count, original ids, direction and
// attributes, but only vertices in [begin, end) keep their out-arcs
// (targets, weights, types); every other list is empty. Memory: the range's
// arcs plus O(V) offsets and original ids per rank (the ids let rank 0 write
// original ids; offsets keep dense ids global).
graph::Graph ExtractPartition(const graph::Graph& g, VertexId begin, VertexId end);

namespace internal {

template <typename T>
void Append(std::string* out, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

// Reads a T at *pos of `in`; false (and no read) when it would overrun.
template <typename T>
bool Take(const std::string& in, size_t* pos, T* value) {
  if (in.size() - *pos < sizeof(T) || *pos > in.size()) return false;
  std::memcpy(value, in.data() + *pos, sizeof(T));
  *pos += sizeof(T);
  return true;
}

}  // namespace internal

template <typename Spec>
class DistributedWalkEngine {
 public:
  using State = typename Spec::State;
  using WalkerT = Walker<State>;
  static_assert(std::is_trivially_copyable_v<State>, "walker state migrates as bytes");

  // `local` is this rank's ExtractPartition of the graph for `partition`'s
  // range transport->rank(); `spec` is built on `local` (its Answer runs on
  // this partition). All three and the transport must outlive the engine.
  // A collective: InvalidArgument (on every rank) when any rank's alias
  // tables fail (a non-positive weight) or the partition does not match.
  static Result<DistributedWalkEngine> Create(const graph::Graph& local,
                                              const graph::Partition& partition, const Spec& spec,
                                              Transport* transport) {
    Timer timer;
    Status status;
    if (partition.num_parts() != transport->size() ||
        partition.boundaries().back() != local.num_vertices()) {
      status = InvalidArgumentError("partition of " + std::to_string(partition.num_parts()) +
                                    " parts does not match " + std::to_string(transport->size()) +
                                    " ranks and the graph");
    }
    Result<StaticSampler> sampler = StaticSampler();
    if (status.ok()) {
      sampler = StaticSampler::Build(
          local, spec.UniformStatic(local),
          [&](graph::VertexId v, uint32_t arc) { return spec.StaticWeight(local, v, arc); }, 1);
      if (!sampler.ok()) status = sampler.status();
    }
    SYSKIT_ASSIGN_OR_RETURN(uint64_t failed, transport->AllReduceSum(status.ok() ? 0 : 1));
    if (!status.ok()) return status;
    if (failed) return InvalidArgumentError("another rank failed to build its alias tables");
    DistributedWalkEngine engine(local, partition, spec, std::move(sampler).value(), transport);
    engine.init_seconds_ = timer.ElapsedSeconds();
    return engine;
  }

  // Runs the walk set. `sink` is used on rank 0 only (nullptr elsewhere is
  // fine; nullptr on rank 0 discards). A collective; an error on rank 0's
  // sink is reported on every rank.
  Result<DistributedWalkStats> Run(const WalkOptions& options, PathSink* sink) {
    SYSKIT_RETURN_IF_ERROR(ValidateWalkOptions(graph_, options));
    const int ranks = transport_->size();
    const bool root = transport_->rank() == 0;
    SYSKIT_ASSIGN_OR_RETURN(uint64_t record_votes,
                            transport_->AllReduceSum(root && sink && sink->wants_paths()));
    record_ = record_votes > 0;
    max_steps_ = options.max_steps;
    threads_ = options.threads <= 0 ? DefaultThreadCount() : options.threads;
    chunk_walkers_ = std::max<uint64_t>(1, options.chunk_walkers);
    light_mode_walkers_ = options.light_mode_walkers;
    totals_ = {};
    const uint64_t num_vertices = graph_.num_vertices();
    const uint64_t walkers = options.num_walkers != 0
                                 ? options.num_walkers
                                 : uint64_t{options.walkers_per_vertex} * num_vertices;
    const uint64_t batch = std::max<uint64_t>(1, options.batch_walkers);
    Timer timer;
    for (uint64_t batch_begin = 0; batch_begin < walkers; batch_begin += batch) {
      const uint64_t batch_end = std::min(walkers, batch_begin + batch);
      ready_.clear();
      for (uint64_t id = batch_begin; id < batch_end; ++id) {
        const auto start = static_cast<VertexId>(id % num_vertices);
        if (!Owns(start)) continue;
        Resident resident;
        resident.w = WalkerT{id, start, 0, spec_.Init(id, start)};
        resident.rng.Seed(options.seed, id);
        if (record_) resident.path.assign(1, start);
        ready_.push_back(std::move(resident));
      }
      for (;;) {
        ++totals_.rounds;
        SYSKIT_RETURN_IF_ERROR(Round());
        SYSKIT_ASSIGN_OR_RETURN(uint64_t active, transport_->AllReduceSum(ready_.size()));
        if (active == 0) break;
      }
      SYSKIT_RETURN_IF_ERROR(GatherPaths(root ? sink : nullptr));
    }
    Status finish = root && sink ? sink->Finish() : Status::OK();
    SYSKIT_ASSIGN_OR_RETURN(uint64_t finish_failed, transport_->AllReduceSum(!finish.ok()));
    if (!finish.ok()) return finish;
    if (finish_failed) return InternalError("rank 0 failed to finish writing the paths");

    DistributedWalkStats stats;
    stats.seconds = timer.ElapsedSeconds();
    stats.init_seconds = init_seconds_;
    stats.walks = walkers;
    stats.ranks = ranks;
    stats.rounds = totals_.rounds;
    for (auto [local, global] :
         {std::pair{totals_.steps, &stats.steps},
          std::pair{totals_.counters.trials, &stats.sampler.trials},
          std::pair{totals_.counters.pd_evals, &stats.sampler.pd_evals},
          std::pair{totals_.counters.abandoned, &stats.sampler.abandoned},
          std::pair{totals_.queries, &stats.queries},
          std::pair{totals_.migrations, &stats.migrations},
          std::pair{totals_.messages, &stats.messages}, std::pair{totals_.bytes, &stats.bytes},
          std::pair{totals_.light_rounds, &stats.light_rounds}}) {
      SYSKIT_ASSIGN_OR_RETURN(*global, transport_->AllReduceSum(local));
    }
    return stats;
  }

 private:
  // A walker resident on this rank, with where it is inside a step.
  struct Resident {
    WalkerT w;
    Random rng{0};
    std::vector<VertexId> path;
    uint64_t trials = 0;      // trials of the current step (kMaxConsecutiveRejections)
    bool in_step = false;     // termination checked, drawing trials
    bool has_answer = false;  // resumes a suspended trial with `answer`
    bool answer = false;
    bool appendix = false;  // the suspended trial's dart is in the outlier appendix
    double y = 0;           // the suspended trial's dart
    uint32_t arc = 0;       // the suspended trial's candidate arc
  };
  struct Query {
    VertexId query_vertex;
    VertexId x;
  };
  struct Totals {
    uint64_t steps = 0, rounds = 0, queries = 0, migrations = 0, messages = 0, bytes = 0,
             light_rounds = 0;
    SamplerCounters counters;
  };
  // What one chunk of ready_ produced in a round's compute phase; written by
  // one thread, merged in chunk order. Vectors are per destination rank.
  struct ChunkOutput {
    std::vector<std::string> migrants, queries;
    std::vector<uint64_t> migrant_count, query_count;
    std::vector<std::vector<Resident>> waiting;  // suspended walkers, in query order
    std::vector<uint64_t> finished_ids;
    std::vector<uint64_t> finished_ends;  // into finished_vertices
    std::vector<VertexId> finished_vertices;
    uint64_t steps = 0;
    SamplerCounters counters;

    // Empties the buffers and keeps their capacity for the next round.
    void Reset(int ranks) {
      for (auto* per_rank : {&migrants, &queries}) {
        per_rank->resize(ranks);
        for (std::string& buffer : *per_rank) buffer.clear();
      }
      migrant_count.assign(ranks, 0);
      query_count.assign(ranks, 0);
      waiting.resize(ranks);
      for (std::vector<Resident>& walkers : waiting) walkers.clear();
      finished_ids.clear();
      finished_ends.clear();
      finished_vertices.clear();
      steps = 0;
      counters = {};
    }
  };
  static constexpr uint32_t kSuspended = kNoArc - 1;
  static constexpr uint64_t kAnswerChunk = 1024;  // queries answered per task

  DistributedWalkEngine(const graph::Graph& local, const graph::Partition& partition,
                        const Spec& spec, StaticSampler sampler, Transport* transport)
      : graph_(local),
        partition_(partition),
        spec_(spec),
        sampler_(std::move(sampler)),
        transport_(transport),
        offsets_(local.offsets().data()),
        targets_(local.targets().data()),
        begin_(partition.begin(transport->rank())),
        end_(partition.end(transport->rank())) {}

  bool Owns(VertexId v) const { return v >= begin_ && v < end_; }

  // Threads for `items` of work in `tasks` tasks: one in light mode, else no
  // more than there are tasks.
  int ThreadsFor(uint64_t items, uint64_t tasks) const {
    if (items < light_mode_walkers_) return 1;
    return static_cast<int>(std::clamp<uint64_t>(tasks, 1, threads_));
  }

  // One BSP round: compute, exchange A (walkers + queries), answer,
  // exchange B (answers). Leaves next round's walkers in ready_.
  Status Round() {
    const int ranks = transport_->size();
    const int me = transport_->rank();
    const uint64_t num_ready = ready_.size();
    const uint64_t num_chunks = (num_ready + chunk_walkers_ - 1) / chunk_walkers_;
    if (chunk_outputs_.size() < num_chunks) chunk_outputs_.resize(num_chunks);
    totals_.light_rounds += num_ready < light_mode_walkers_;
    ParallelForDynamic(
        ThreadsFor(num_ready, num_chunks), 0, num_chunks, 1, [&](int, uint64_t chunk, uint64_t) {
          ChunkOutput& out = chunk_outputs_[chunk];
          out.Reset(ranks);
          const uint64_t end = std::min(num_ready, (chunk + 1) * chunk_walkers_);
          if constexpr (!Spec::kDynamic) {
            ComputeInterleaved(ready_.data() + chunk * chunk_walkers_, ready_.data() + end, &out);
          } else {
            for (uint64_t walker = chunk * chunk_walkers_; walker < end; ++walker) {
              Compute(ready_[walker], &out);
            }
          }
        });
    ready_.clear();

    // Merge the chunks in chunk order: the bytes sent, the query order and
    // the waiting lists do not depend on which thread ran which chunk.
    std::vector<std::string> send(ranks), received;
    std::vector<std::vector<Resident>> waiting(ranks);
    for (int dest = 0; dest < ranks; ++dest) {
      uint64_t migrant_count = 0, query_count = 0;
      for (uint64_t chunk = 0; chunk < num_chunks; ++chunk) {
        migrant_count += chunk_outputs_[chunk].migrant_count[dest];
        query_count += chunk_outputs_[chunk].query_count[dest];
      }
      internal::Append(&send[dest], migrant_count);
      internal::Append(&send[dest], query_count);
      for (uint64_t chunk = 0; chunk < num_chunks; ++chunk) {
        send[dest] += chunk_outputs_[chunk].migrants[dest];
      }
      for (uint64_t chunk = 0; chunk < num_chunks; ++chunk) {
        ChunkOutput& out = chunk_outputs_[chunk];
        send[dest] += out.queries[dest];
        std::move(out.waiting[dest].begin(), out.waiting[dest].end(),
                  std::back_inserter(waiting[dest]));
      }
      totals_.migrations += migrant_count;
      totals_.queries += query_count;
      if (dest != me) {
        totals_.messages += migrant_count + query_count;
        totals_.bytes += send[dest].size();
      }
    }
    for (uint64_t chunk = 0; chunk < num_chunks; ++chunk) {
      const ChunkOutput& out = chunk_outputs_[chunk];
      totals_.steps += out.steps;
      totals_.counters.Add(out.counters);
      const uint64_t base = finished_vertices_.size();
      for (size_t walk = 0; walk < out.finished_ids.size(); ++walk) {
        finished_ids_.push_back(out.finished_ids[walk]);
        finished_ends_.push_back(base + out.finished_ends[walk]);
      }
      finished_vertices_.insert(finished_vertices_.end(), out.finished_vertices.begin(),
                                out.finished_vertices.end());
    }
    SYSKIT_RETURN_IF_ERROR(transport_->AllToAll(send, &received));
    // Every source's queries, back to back, then answered in parallel.
    std::vector<Query> all_queries;
    std::vector<uint64_t> query_ends(ranks);
    for (int source = 0; source < ranks; ++source) {
      const std::string& in = received[source];
      size_t pos = 0;
      uint64_t num_migrants = 0, num_queries = 0;
      if (!internal::Take(in, &pos, &num_migrants) || !internal::Take(in, &pos, &num_queries)) {
        return InternalError("walk exchange: truncated header from rank " + std::to_string(source));
      }
      for (uint64_t m = 0; m < num_migrants; ++m) {
        Resident r;
        if (!Deserialize(in, &pos, &r) || !Owns(r.w.current)) {
          return InternalError("walk exchange: malformed walker from rank " +
                               std::to_string(source));
        }
        ready_.push_back(std::move(r));
      }
      for (uint64_t q = 0; q < num_queries; ++q) {
        Query query;
        if (!internal::Take(in, &pos, &query) || !Owns(query.query_vertex)) {
          return InternalError("walk exchange: malformed query from rank " +
                               std::to_string(source));
        }
        all_queries.push_back(query);
      }
      query_ends[source] = all_queries.size();
    }
    std::string all_answers(all_queries.size(), 0);
    ParallelForDynamic(
        ThreadsFor(all_queries.size(), (all_queries.size() + kAnswerChunk - 1) / kAnswerChunk), 0,
        all_queries.size(), kAnswerChunk, [&](int, uint64_t lo, uint64_t hi) {
          for (uint64_t q = lo; q < hi; ++q) {
            const Query& query = all_queries[q];
            all_answers[q] = spec_.Answer(graph_, query.query_vertex, query.x) ? 1 : 0;
          }
        });
    std::vector<std::string> answers(ranks);
    for (int source = 0; source < ranks; ++source) {
      const uint64_t begin = source == 0 ? 0 : query_ends[source - 1];
      answers[source] = all_answers.substr(begin, query_ends[source] - begin);
    }
    if constexpr (Spec::kRemoteQuery) {
      for (int dest = 0; dest < ranks; ++dest) {
        if (dest != me) {
          totals_.messages += answers[dest].size();
          totals_.bytes += answers[dest].size();
        }
      }
      SYSKIT_RETURN_IF_ERROR(transport_->AllToAll(answers, &received));
      for (int source = 0; source < ranks; ++source) {
        if (received[source].size() != waiting[source].size()) {
          return InternalError("walk exchange: " + std::to_string(received[source].size()) +
                               " answers from rank " + std::to_string(source) + ", expected " +
                               std::to_string(waiting[source].size()));
        }
        for (size_t q = 0; q < waiting[source].size(); ++q) {
          Resident& r = waiting[source][q];
          r.has_answer = true;
          r.answer = received[source][q] != 0;
          ready_.push_back(std::move(r));
        }
      }
    }
    return Status::OK();
  }

  enum class Outcome { kFinished, kMigrate, kSuspended };

  // Advances r and files it in `out`: finished, migrating or waiting for an
  // answer. Runs on a worker thread; touches only r and out.
  void Compute(Resident& r, ChunkOutput* out) const {
    Query query{};
    int dest = 0;
    const Outcome outcome = Advance(r, &query, &dest, &out->counters);  // sets query, dest
    File(r, outcome, query, dest, out);
  }

  // Static walks (Pd == 1): the walkers of [first, last) advance
  // kInterleavedWalkers at a time, one half-step each in turn, as in
  // WalkEngine::WalkInterleaved: half-step A reads the (prefetched) offsets,
  // checks termination, draws the arc and prefetches its target; half-step B
  // moves and prefetches the next vertex's offsets, or files the walker as
  // a migrant when the next vertex is another rank's. The same draws in the
  // same order as Advance, so paths do not change; only the order in which
  // a chunk files its walkers does, and that order is still fixed by the
  // chunk alone (thread-count independent).
  void ComputeInterleaved(Resident* first, Resident* last, ChunkOutput* out) const {
    struct Slot {
      Resident* r = nullptr;
      graph::EdgeIndex offset = 0;
      uint32_t arc = 0;
      bool moving = false;  // half-step B is next
    };
    Slot slots[kInterleavedWalkers];
    int active = 0;
    auto start = [&](Slot& slot) {
      slot.r = nullptr;
      if (first == last) return;
      slot.r = first++;
      slot.moving = false;
      ++active;
      __builtin_prefetch(&offsets_[slot.r->w.current]);
    };
    auto file = [&](Slot& slot, Outcome outcome, int dest) {
      File(*slot.r, outcome, Query{}, dest, out);
      --active;
      start(slot);
    };
    for (Slot& slot : slots) start(slot);
    while (active > 0) {
      for (Slot& slot : slots) {
        if (slot.r == nullptr) continue;
        Resident& r = *slot.r;
        WalkerT& w = r.w;
        if (!slot.moving) {
          slot.offset = offsets_[w.current];
          const auto degree = static_cast<uint32_t>(offsets_[w.current + 1] - slot.offset);
          if (w.step >= max_steps_ || degree == 0 || !spec_.Extend(w, r.rng)) {
            file(slot, Outcome::kFinished, 0);
            continue;
          }
          ++out->counters.trials;
          slot.arc = sampler_.Sample(slot.offset, degree, r.rng);
          __builtin_prefetch(&targets_[slot.offset + slot.arc]);
          slot.moving = true;
        } else {
          const VertexId next = targets_[slot.offset + slot.arc];
          spec_.OnMove(w, slot.arc, next);
          w.current = next;
          ++w.step;
          if (record_) r.path.push_back(next);
          slot.moving = false;
          if (!Owns(next)) {
            file(slot, Outcome::kMigrate, partition_.OwnerOf(next));
            continue;
          }
          __builtin_prefetch(&offsets_[next]);
        }
      }
    }
  }

  // Files r in `out` by `outcome`: finished, migrating to `dest` or waiting
  // for the answer to `query` from `dest`.
  void File(Resident& r, Outcome outcome, const Query& query, int dest, ChunkOutput* out) const {
    switch (outcome) {
      case Outcome::kFinished:
        out->steps += r.w.step;
        if (record_) {
          out->finished_ids.push_back(r.w.id);
          out->finished_vertices.insert(out->finished_vertices.end(), r.path.begin(), r.path.end());
          out->finished_ends.push_back(out->finished_vertices.size());
        }
        break;
      case Outcome::kMigrate:
        Serialize(r, &out->migrants[dest]);
        ++out->migrant_count[dest];
        break;
      case Outcome::kSuspended:
        internal::Append(&out->queries[dest], query);
        ++out->query_count[dest];
        out->waiting[dest].push_back(std::move(r));
        break;
    }
  }

  // Walks r as far as it goes on this rank in this round.
  Outcome Advance(Resident& r, Query* query, int* dest, SamplerCounters* counters) const {
    WalkerT& w = r.w;
    for (;;) {
      const graph::EdgeIndex offset = offsets_[w.current];
      const auto degree = static_cast<uint32_t>(offsets_[w.current + 1] - offset);
      if (!r.in_step) {
        if (w.step >= max_steps_ || degree == 0 || !spec_.Extend(w, r.rng)) {
          return Outcome::kFinished;
        }
        r.in_step = true;
        r.trials = 0;
      }
      uint32_t arc;
      if constexpr (!Spec::kDynamic) {
        ++counters->trials;
        arc = sampler_.Sample(offset, degree, r.rng);
      } else {
        arc = SampleDynamic(r, offset, degree, query, counters);
        if (arc == kSuspended) {
          *dest = partition_.OwnerOf(query->query_vertex);
          return Outcome::kSuspended;
        }
        if (arc == kNoArc) return Outcome::kFinished;
      }
      const VertexId next = targets_[offset + arc];
      spec_.OnMove(w, arc, next);
      w.current = next;
      ++w.step;
      r.in_step = false;
      if (record_) r.path.push_back(next);
      if (!Owns(next)) {
        *dest = partition_.OwnerOf(next);
        return Outcome::kMigrate;
      }
    }
  }

  // WalkEngine::SampleDynamic, resumable: the same draws in the same order;
  // a trial whose Pd needs a remote answer returns kSuspended with r.y,
  // r.arc and r.appendix saved and continues from there when resumed.
  uint32_t SampleDynamic(Resident& r, graph::EdgeIndex offset, uint32_t degree, Query* query,
                         SamplerCounters* counters) const {
    const WalkerT& w = r.w;
    const double upper = spec_.UpperBound(w);
    const double lower = spec_.LowerBound(w);
    const OutlierDecl outlier = spec_.Outlier(w);
    double appendix = 0;
    if (outlier.height > upper) {
      appendix = outlier.width * (outlier.height - upper) / sampler_.TotalWeight(w.current);
    }
    const double span = upper + appendix;
    auto accept = [&](double pd) {
      if (r.appendix) {
        const double excess = sampler_.Weight(offset, r.arc) * (pd - upper) /
                              (outlier.width * (outlier.height - upper));
        return r.rng.NextDouble() < excess;
      }
      return r.y < std::min(pd, upper);
    };
    if (r.has_answer) {
      r.has_answer = false;
      ++counters->pd_evals;
      if (accept(spec_.DynamicWithAnswer(w, r.arc, targets_[offset + r.arc], r.answer))) {
        return r.arc;
      }
    }
    while (r.trials < kMaxConsecutiveRejections) {
      ++r.trials;
      ++counters->trials;
      r.y = r.rng.NextDouble() * span;
      if (r.y >= upper) {
        r.arc = spec_.FindOutlier(w);
        if (r.arc == kNoArc) continue;
        r.appendix = true;
      } else {
        r.arc = sampler_.Sample(offset, degree, r.rng);
        if (r.y < lower) return r.arc;
        r.appendix = false;
      }
      const VertexId x = targets_[offset + r.arc];
      double pd;
      const VertexId query_vertex = spec_.QueryVertex(w, r.arc, x);
      if (Spec::kRemoteQuery && query_vertex != kNoVertex) {
        if (!Owns(query_vertex)) {
          *query = Query{query_vertex, x};
          return kSuspended;
        }
        pd = spec_.DynamicWithAnswer(w, r.arc, x, spec_.Answer(graph_, query_vertex, x));
      } else {
        pd = spec_.Dynamic(w, r.arc, x);
      }
      ++counters->pd_evals;
      if (accept(pd)) return r.arc;
    }
    ++counters->abandoned;
    return kNoArc;
  }

  // Walker record: id, current, step, state, RNG state, path length, path.
  void Serialize(const Resident& r, std::string* out) const {
    internal::Append(out, r.w.id);
    internal::Append(out, r.w.current);
    internal::Append(out, r.w.step);
    internal::Append(out, r.w.state);
    internal::Append(out, r.rng.state());
    internal::Append(out, static_cast<uint64_t>(r.path.size()));
    out->append(reinterpret_cast<const char*>(r.path.data()), r.path.size() * sizeof(VertexId));
  }

  bool Deserialize(const std::string& in, size_t* pos, Resident* r) const {
    std::array<uint64_t, 4> rng_state;
    uint64_t path_size = 0;
    if (!internal::Take(in, pos, &r->w.id) || !internal::Take(in, pos, &r->w.current) ||
        !internal::Take(in, pos, &r->w.step) || !internal::Take(in, pos, &r->w.state) ||
        !internal::Take(in, pos, &rng_state) || !internal::Take(in, pos, &path_size) ||
        path_size > (in.size() - *pos) / sizeof(VertexId)) {
      return false;
    }
    r->rng = Random::FromState(rng_state);
    r->path.resize(path_size);
    std::memcpy(r->path.data(), in.data() + *pos, path_size * sizeof(VertexId));
    *pos += path_size * sizeof(VertexId);
    return true;
  }

  // Sends this batch's finished paths to rank 0, which writes them in walker
  // order; a sink error on rank 0 is reported on every rank.
  Status GatherPaths(PathSink* sink) {
    Status status;
    if (record_) {
      const int ranks = transport_->size();
      std::vector<std::string> send(ranks), received;
      std::string& out = send[0];
      uint64_t begin = 0;
      for (size_t walk = 0; walk < finished_ids_.size(); ++walk) {
        const uint64_t end = finished_ends_[walk];
        internal::Append(&out, finished_ids_[walk]);
        internal::Append(&out, end - begin);
        out.append(reinterpret_cast<const char*>(finished_vertices_.data() + begin),
                   (end - begin) * sizeof(VertexId));
        begin = end;
      }
      if (transport_->rank() != 0) totals_.bytes += out.size();
      finished_ids_.clear();
      finished_ends_.clear();
      finished_vertices_.clear();
      SYSKIT_RETURN_IF_ERROR(transport_->AllToAll(send, &received));
      if (transport_->rank() == 0) status = WritePaths(received, sink);
    }
    SYSKIT_ASSIGN_OR_RETURN(uint64_t failed, transport_->AllReduceSum(!status.ok()));
    if (!status.ok()) return status;
    if (failed) return InternalError("rank 0 failed to write the paths");
    return Status::OK();
  }

  Status WritePaths(const std::vector<std::string>& received, PathSink* sink) const {
    struct Walk {
      uint64_t id;
      const std::string* buffer;
      size_t pos;
      uint64_t size;
    };
    std::vector<Walk> walks;
    for (const std::string& in : received) {
      size_t pos = 0;
      while (pos < in.size()) {
        Walk walk{0, &in, 0, 0};
        if (!internal::Take(in, &pos, &walk.id) || !internal::Take(in, &pos, &walk.size) ||
            walk.size > (in.size() - pos) / sizeof(VertexId)) {
          return InternalError("walk exchange: malformed path record");
        }
        walk.pos = pos;
        pos += walk.size * sizeof(VertexId);
        walks.push_back(walk);
      }
    }
    if (!sink) return Status::OK();
    std::sort(walks.begin(), walks.end(), [](const Walk& a, const Walk& b) { return a.id < b.id; });
    std::vector<VertexId> path;
    for (const Walk& walk : walks) {
      path.resize(walk.size);
      std::memcpy(path.data(), walk.buffer->data() + walk.pos, walk.size * sizeof(VertexId));
      SYSKIT_RETURN_IF_ERROR(sink->Write(walk.id, path));
    }
    return Status::OK();
  }

  const graph::Graph& graph_;
  const graph::Partition& partition_;
  Spec spec_;
  StaticSampler sampler_;
  Transport* transport_;
  const graph::EdgeIndex* offsets_;
  const VertexId* targets_;
  VertexId begin_, end_;
  double init_seconds_ = 0;
  // Per Run.
  bool record_ = false;
  uint32_t max_steps_ = 0;
  int threads_ = 1;
  uint64_t chunk_walkers_ = 128;
  uint64_t light_mode_walkers_ = 4000;
  Totals totals_;
  std::vector<Resident> ready_;
  std::vector<uint64_t> finished_ids_;
  std::vector<uint64_t> finished_ends_;
  std::vector<VertexId> finished_vertices_;
  std::vector<ChunkOutput> chunk_outputs_;  // reused across rounds
};

}  // namespace syskit::walk
