// Slow tier: the loader, builder and binary format at a size where the
// parallel paths split work many ways (R-MAT scale 20, 16M records).
#include <gtest/gtest.h>

#include <algorithm>

#include "syskit/graph/binary_format.h"
#include "syskit/graph/builder.h"
#include "syskit/graph/generators.h"
#include "syskit/graph/io.h"
#include "syskit/graph/partitioner.h"
#include "test_util.h"

namespace syskit::graph {
namespace {

using testing::ScratchDir;

EdgeList Rmat20() {
  RmatOptions options;
  options.scale = 20;
  options.seed = 42;
  Result<EdgeList> edges = GenerateRmat(options);
  EXPECT_TRUE(edges.ok()) << edges.status();
  return std::move(edges).value();
}

bool SameGraph(const Graph& a, const Graph& b) {
  return std::ranges::equal(a.offsets(), b.offsets()) &&
         std::ranges::equal(a.targets(), b.targets()) &&
         std::ranges::equal(a.original_ids(), b.original_ids());
}

TEST(Scale, TextAndBinaryPathsAgreeAtScale20) {
  ScratchDir dir;
  EdgeList records = Rmat20();
  const uint64_t record_count = records.size();
  ASSERT_TRUE(SaveEdgeListText(Env::Default(), records, dir.File("r.txt")).ok());

  BuildOptions one_thread;
  one_thread.threads = 1;
  Result<Graph> serial = BuildGraph(std::move(records), one_thread);
  ASSERT_TRUE(serial.ok()) << serial.status();
  ASSERT_TRUE(serial->Validate().ok());

  LoadOptions two_threads;
  two_threads.threads = 2;
  Result<Graph> parallel = LoadGraph(Env::Default(), dir.File("r.txt"), two_threads);
  ASSERT_TRUE(parallel.ok()) << parallel.status();
  EXPECT_TRUE(SameGraph(*serial, *parallel));
  EXPECT_EQ(parallel->build_stats().input_edges, record_count);
  EXPECT_EQ(parallel->build_stats().duplicate_edges, serial->build_stats().duplicate_edges);
  // Every record is an edge, a repeat or a loop.
  EXPECT_EQ(parallel->num_edges() + parallel->build_stats().duplicate_edges +
                parallel->build_stats().self_loops,
            record_count);

  ASSERT_TRUE(SaveBinary(Env::Default(), *parallel, dir.File("r.skg")).ok());
  Result<Graph> binary = LoadGraph(Env::Default(), dir.File("r.skg"), {});
  ASSERT_TRUE(binary.ok()) << binary.status();
  EXPECT_TRUE(SameGraph(*serial, *binary));
  EXPECT_EQ(binary->max_degree(), serial->max_degree());

  Result<Partition> parts = Partition::Balanced(*binary, 8);
  ASSERT_TRUE(parts.ok());
  const double total = static_cast<double>(binary->num_arcs() + binary->num_vertices());
  for (int p = 0; p < 8; ++p) {
    double load =
        static_cast<double>(binary->offsets()[parts->end(p)] - binary->offsets()[parts->begin(p)] +
                            parts->end(p) - parts->begin(p));
    EXPECT_LE(load, total / 8 + binary->max_degree() + 1) << "part " << p;
  }
}

}  // namespace
}  // namespace syskit::graph
