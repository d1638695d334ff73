#include "syskit/route/bucket_tree.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "syskit/core/random.h"

namespace syskit::route {
namespace {

SocialGraph Communities() {
  return GenerateHierarchicalSbm({.users = 4096, .regions = 4, .community_size = 32, .seed = 3});
}

TEST(BucketTree, BucketsBalanced) {
  const SocialGraph graph = Communities();
  Result<BucketTree> tree = BuildBucketTree(graph, {.height = 8});
  ASSERT_TRUE(tree.ok()) << tree.status();
  std::vector<int> size(256, 0);
  for (uint32_t b : tree->bucket) ++size[b];
  const auto [lo, hi] = std::minmax_element(size.begin(), size.end());
  // 16 users per bucket; eight bisections of 3 % imbalance each.
  EXPECT_GE(*lo, 12);
  EXPECT_LE(*hi, 20);
}

TEST(BucketTree, CutWellBelowRandom) {
  const SocialGraph graph = Communities();
  Result<BucketTree> tree = BuildBucketTree(graph, {.height = 8});
  ASSERT_TRUE(tree.ok());
  // Random buckets as the reference: the same sizes, shuffled.
  std::vector<uint32_t> shuffled = tree->bucket;
  Random rng(4);
  for (size_t i = shuffled.size() - 1; i > 0; --i)
    std::swap(shuffled[i], shuffled[rng.Uniform(i + 1)]);
  const std::vector<double> random_cut = CutByLevel(graph, shuffled, 8);
  for (int level = 1; level <= 8; ++level) {
    EXPECT_LT(tree->cut_by_level[level], 0.6 * random_cut[level]) << "level " << level;
  }
  // Communities of 32 users fit in a level-7 node (32 users): most edges stay.
  EXPECT_LT(tree->cut_by_level[2], 0.10);
}

TEST(BucketTree, RefreshRespectsMoveCap) {
  const SocialGraph graph = Communities();
  Result<BucketTree> first = BuildBucketTree(graph, {.height = 8, .seed = 1});
  ASSERT_TRUE(first.ok());
  Result<BucketTree> second = BuildBucketTree(
      graph, {.height = 8, .seed = 2, .previous = &first->bucket, .move_cap = 0.05});
  ASSERT_TRUE(second.ok());
  int64_t moved = 0;
  for (size_t u = 0; u < first->bucket.size(); ++u) moved += first->bucket[u] != second->bucket[u];
  EXPECT_LE(moved, static_cast<int64_t>(0.05 * graph.num_users()));
  EXPECT_NEAR(second->moved_share, double(moved) / graph.num_users(), 1e-12);
}

TEST(BucketTree, KarateSplitsAlongTheClubs) {
  Result<SocialGraph> karate =
      LoadEdgeList(std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/Karate.edges.txt");
  ASSERT_TRUE(karate.ok()) << karate.status();
  EXPECT_EQ(karate->num_users(), 34);
  EXPECT_EQ(karate->num_edges(), 78);
  Result<BucketTree> tree = BuildBucketTree(*karate, {.height = 1});
  ASSERT_TRUE(tree.ok());
  // The best balanced bisection of Zachary's club cuts about 10 edges of 78.
  EXPECT_LE(tree->cut_by_level[1] * 78, 12);
}

TEST(BucketTree, HubsExcluded) {
  std::vector<std::pair<int32_t, int32_t>> edges;
  for (int32_t v = 1; v < 50; ++v) edges.emplace_back(0, v);
  edges.emplace_back(1, 2);
  SocialGraph star = std::move(SocialGraph::FromEdges(50, edges)).value();
  const SocialGraph without = ExcludeHubs(star, 10);
  EXPECT_EQ(without.num_edges(), 1);
  EXPECT_EQ(without.degree(0), 0);
}

TEST(BucketTree, BadHeightRejected) {
  EXPECT_FALSE(BuildBucketTree(Communities(), {.height = 0}).ok());
  EXPECT_FALSE(BuildBucketTree(Communities(), {.height = 21}).ok());
}

}  // namespace
}  // namespace syskit::route
