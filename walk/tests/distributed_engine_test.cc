// DistributedWalkEngine over LocalTransportGroup: for a fixed seed, 1, 2 and
// 3 ranks, with 1 or 2 threads per rank, give exactly the single-process
// WalkEngine's paths and steps (the per-walker RNG invariant), for DeepWalk,
// PPR, node2vec (weighted and unweighted, three (p, q)) and meta-path, on
// Karate and generated graphs; only node2vec sends queries; threads change
// neither the rounds nor the bytes sent.
#include "syskit/walk/distributed_engine.h"

#include <gtest/gtest.h>

#include <functional>
#include <mutex>

#include "syskit/graph/builder.h"
#include "syskit/graph/generators.h"
#include "syskit/walk/apps.h"
#include "syskit/walk/synthetic.h"
#include "walk_test_util.h"

namespace syskit::walk {
namespace {

using Paths = std::vector<std::vector<VertexId>>;

Paths CollectOne(const graph::Graph& g, const auto& spec, const WalkOptions& options,
                 WalkStats* stats) {
  auto engine = WalkEngine<std::decay_t<decltype(spec)>>::Create(g, spec, 1);
  SYSKIT_CHECK(engine.ok()) << engine.status();
  Paths paths;
  CallbackSink sink([&](uint64_t, std::span<const VertexId> path) {
    paths.emplace_back(path.begin(), path.end());
    return Status::OK();
  });
  auto result = engine->Run(options, &sink);
  SYSKIT_CHECK(result.ok()) << result.status();
  *stats = *result;
  return paths;
}

// Runs `ranks` ranks; make_spec(local graph) builds each rank's spec.
template <typename MakeSpec>
Paths CollectDistributed(const graph::Graph& g, int ranks, MakeSpec make_spec,
                         const WalkOptions& options, DistributedWalkStats* stats) {
  auto partition = graph::Partition::Balanced(g, ranks);
  SYSKIT_CHECK(partition.ok()) << partition.status();
  Paths paths;
  std::mutex mu;
  LocalTransportGroup group(ranks);
  Status status = group.Run([&](Transport& transport) -> Status {
    const graph::Graph local =
        ExtractPartition(g, partition->begin(transport.rank()), partition->end(transport.rank()));
    auto spec = make_spec(local);
    using Spec = decltype(spec);
    SYSKIT_ASSIGN_OR_RETURN(
        auto engine, DistributedWalkEngine<Spec>::Create(local, *partition, spec, &transport));
    uint64_t expected_id = 0;
    CallbackSink sink([&](uint64_t id, std::span<const VertexId> path) {
      EXPECT_EQ(id, expected_id++);  // walker order
      paths.emplace_back(path.begin(), path.end());
      return Status::OK();
    });
    SYSKIT_ASSIGN_OR_RETURN(DistributedWalkStats result,
                            engine.Run(options, transport.rank() == 0 ? &sink : nullptr));
    if (transport.rank() == 0) {
      std::lock_guard<std::mutex> lock(mu);
      *stats = result;
    }
    return Status::OK();
  });
  SYSKIT_CHECK(status.ok()) << status;
  return paths;
}

// Ranks x threads per rank. The threaded runs use small chunks so that
// the test graphs' few walkers still spread over several chunks, and light
// mode off (0) so that every round really runs on 2 threads, or a threshold
// of 20 so that the tail rounds run light and the others do not; they spawn
// threads every round, so they run only for the cases given `threaded`.
struct RankConfig {
  int ranks;
  int threads;
  uint64_t chunk_walkers;
  uint64_t light_mode_walkers;
};
constexpr RankConfig kRankConfigs[] = {{1, 1, 128, 4000}, {2, 1, 128, 4000}, {3, 1, 128, 4000},
                                       {1, 2, 8, 0},      {2, 2, 8, 0},      {3, 2, 8, 0},
                                       {2, 2, 8, 20}};

template <typename MakeSpec>
void ExpectSamePathsForAnyRankCount(const std::string& label, const graph::Graph& g,
                                    MakeSpec make_spec, WalkOptions options, bool expect_queries,
                                    bool threaded = true) {
  WalkStats one_stats;
  const Paths one = CollectOne(g, make_spec(g), options, &one_stats);
  ASSERT_FALSE(one.empty());
  DistributedWalkStats one_thread_stats[4];  // by rank count, threads = 1
  for (const RankConfig& config : kRankConfigs) {
    if (config.threads > 1 && !threaded) continue;
    const int ranks = config.ranks;
    SCOPED_TRACE(label + " ranks=" + std::to_string(ranks) +
                 " threads=" + std::to_string(config.threads) +
                 " light_mode_walkers=" + std::to_string(config.light_mode_walkers));
    options.threads = config.threads;
    options.chunk_walkers = config.chunk_walkers;
    options.light_mode_walkers = config.light_mode_walkers;
    DistributedWalkStats stats;
    const Paths distributed = CollectDistributed(g, ranks, make_spec, options, &stats);
    ASSERT_EQ(distributed.size(), one.size());
    EXPECT_TRUE(distributed == one);
    EXPECT_EQ(stats.steps, one_stats.steps);
    EXPECT_EQ(stats.sampler.trials, one_stats.sampler.trials);
    EXPECT_EQ(stats.sampler.pd_evals, one_stats.sampler.pd_evals);
    EXPECT_EQ(stats.ranks, ranks);
    if (ranks == 1) {
      EXPECT_EQ(stats.queries, 0u);
      EXPECT_EQ(stats.migrations, 0u);
    } else {
      EXPECT_GT(stats.migrations, 0u);
      EXPECT_EQ(stats.queries > 0, expect_queries);
    }
    if (config.light_mode_walkers == 0) {
      EXPECT_EQ(stats.light_rounds, 0u);
    } else if (config.light_mode_walkers > one.size()) {
      // Fewer walkers than the threshold: every rank-round is light.
      EXPECT_EQ(stats.light_rounds, stats.rounds * static_cast<uint64_t>(ranks));
    } else {
      EXPECT_GT(stats.light_rounds, 0u);
      EXPECT_LT(stats.light_rounds, stats.rounds * static_cast<uint64_t>(ranks));
    }
    if (config.threads == 1) {
      one_thread_stats[ranks] = stats;
    } else {
      // Chunks merge in walker order: the same rounds and bytes on the wire.
      const DistributedWalkStats& serial = one_thread_stats[ranks];
      EXPECT_EQ(stats.rounds, serial.rounds);
      EXPECT_EQ(stats.queries, serial.queries);
      EXPECT_EQ(stats.migrations, serial.migrations);
      EXPECT_EQ(stats.messages, serial.messages);
      EXPECT_EQ(stats.bytes, serial.bytes);
    }
  }
}

graph::Graph SmallRmat() {
  auto edges = graph::GenerateRmat({.scale = 8, .edge_factor = 6, .seed = 5, .threads = 1});
  SYSKIT_CHECK(edges.ok());
  auto g = graph::BuildGraph(std::move(edges).value(), {});
  SYSKIT_CHECK(g.ok());
  return std::move(g).value();
}

graph::Graph SmallDirectedEr() {
  auto edges =
      graph::GenerateErdosRenyi({.num_vertices = 120, .num_edges = 500, .seed = 7, .threads = 1});
  SYSKIT_CHECK(edges.ok());
  auto g = graph::BuildGraph(std::move(edges).value(), {.directed = true});
  SYSKIT_CHECK(g.ok());
  return std::move(g).value();
}

void RunEveryApp(const std::string& name, const graph::Graph& plain) {
  const WalkOptions options{
      .walkers_per_vertex = 3, .max_steps = 25, .seed = 11, .batch_walkers = 70};
  // Threads per rank are tested on the weighted graph: DeepWalk, PPR,
  // node2vec (2, 0.5) and meta-path.
  for (bool weighted : {false, true}) {
    const graph::Graph g = weighted ? WithSyntheticAttributes(plain, {.weights = true, .seed = 3})
                                    : WithSyntheticAttributes(plain, {.weights = false, .seed = 3});
    const std::string label = name + (weighted ? " weighted" : " unweighted");
    ExpectSamePathsForAnyRankCount(
        label + " deepwalk", g, [](const graph::Graph&) { return DeepWalkSpec{}; }, options, false,
        /*threaded=*/weighted);
    WalkOptions ppr = options;
    ppr.max_steps = kUnlimitedSteps;
    ExpectSamePathsForAnyRankCount(
        label + " ppr", g, [](const graph::Graph&) { return PprSpec(0.1); }, ppr, false,
        /*threaded=*/weighted);
    for (auto [p, q] : {std::pair{2.0, 0.5}, std::pair{0.5, 2.0}, std::pair{1.0, 1.0}}) {
      ExpectSamePathsForAnyRankCount(
          label + " node2vec p=" + std::to_string(p) + " q=" + std::to_string(q), g,
          [p, q](const graph::Graph& local) { return Node2vecSpec(local, {.p = p, .q = q}); },
          options, /*expect_queries=*/!(p == 1.0 && q == 1.0),
          /*threaded=*/weighted && p == 2.0);
    }
    const graph::Graph typed =
        WithSyntheticAttributes(g, {.weights = weighted, .num_types = 3, .seed = 4});
    const std::vector<std::vector<graph::EdgeType>> schemes = {{0, 1}, {2}, {1, 2, 0}};
    ExpectSamePathsForAnyRankCount(
        label + " metapath", typed,
        [&](const graph::Graph& local) {
          auto spec = MetaPathSpec::Create(local, schemes, /*check_types_present=*/false);
          SYSKIT_CHECK(spec.ok()) << spec.status();
          return *spec;
        },
        options, false, /*threaded=*/weighted);
  }
}

TEST(DistributedWalkEngine, SamePathsAsOneProcessOnKarate) {
  RunEveryApp("karate", testing::LoadKarate());
}

TEST(DistributedWalkEngine, SamePathsAsOneProcessOnRmat) { RunEveryApp("rmat8", SmallRmat()); }

TEST(DistributedWalkEngine, SamePathsAsOneProcessOnDirectedEr) {
  RunEveryApp("er-directed", SmallDirectedEr());
}

TEST(DistributedWalkEngine, NodeToVecQueriesOnlyForNonReturnCandidates) {
  // p = q = 1 with the lower bound: no Pd is evaluated, so nothing is asked.
  const graph::Graph g = testing::LoadKarate();
  DistributedWalkStats stats;
  CollectDistributed(
      g, 2, [](const graph::Graph& local) { return Node2vecSpec(local, {.p = 1, .q = 1}); },
      {.walkers_per_vertex = 2, .max_steps = 10}, &stats);
  EXPECT_EQ(stats.queries, 0u);
  EXPECT_EQ(stats.sampler.pd_evals, 0u);
  CollectDistributed(
      g, 2, [](const graph::Graph& local) { return Node2vecSpec(local, {.p = 2, .q = 0.5}); },
      {.walkers_per_vertex = 2, .max_steps = 10}, &stats);
  EXPECT_GT(stats.queries, 0u);
  EXPECT_LE(stats.queries, stats.sampler.pd_evals);
  EXPECT_GT(stats.rounds, 10u);  // a query costs a round
  EXPECT_EQ(stats.steps, 680u);
}

TEST(DistributedWalkEngine, ExtractPartitionKeepsOnlyTheRange) {
  const graph::Graph g = testing::LoadKarate();
  const graph::Graph local = ExtractPartition(g, 10, 20);
  EXPECT_EQ(local.num_vertices(), g.num_vertices());
  for (VertexId v = 0; v < g.num_vertices(); ++v) {
    if (v >= 10 && v < 20) {
      EXPECT_TRUE(std::ranges::equal(local.neighbors(v), g.neighbors(v)));
    } else {
      EXPECT_EQ(local.degree(v), 0u);
    }
    EXPECT_EQ(local.original_id(v), g.original_id(v));
  }
  EXPECT_TRUE(local.Validate().ok());
}

}  // namespace
}  // namespace syskit::walk
