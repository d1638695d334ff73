// Tests for the compiler: orders, restrictions, set reuse, cost choice and
// the printed schedule.
#include "syskit/mine/plan.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace syskit::mine {
namespace {

using testing::Named;

TEST(Plan, ConnectedOrdersKeepPrefixesConnected) {
  // A 4-path a-b-c-d has 8 orders with connected prefixes.
  EXPECT_EQ(ConnectedOrders(Named("4-path"), 1000).size(), 8u);
  EXPECT_EQ(ConnectedOrders(Named("4-clique"), 1000).size(), 24u);
  EXPECT_EQ(ConnectedOrders(Named("4-clique"), 5).size(), 5u);
}

TEST(Plan, TriangleRestrictionsFormAChain) {
  CompileOptions options;
  options.orient_cliques = false;
  Result<Plan> plan = Compile(Named("triangle"), options);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->levels[1].less_than, std::vector<int>{0});
  EXPECT_EQ(plan->levels[2].less_than, std::vector<int>{1});
  EXPECT_TRUE(plan->nodes[plan->levels[2].candidates].count_only);
}

TEST(Plan, DiamondSharesTheIntersectionOfItsHubs) {
  CompileOptions options;
  options.order = {1, 2, 0, 3};  // the two degree-3 vertices first
  Result<Plan> plan = Compile(Named("diamond"), options);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Levels 2 and 3 both draw from N(v0) & N(v1), computed once at depth 1.
  const int shared = plan->levels[2].candidates;
  EXPECT_EQ(plan->nodes[shared].depth, 1);
  EXPECT_EQ(plan->nodes[plan->levels[3].candidates].parent, shared);
  EXPECT_EQ(plan->levels[1].less_than, std::vector<int>{0});
  EXPECT_EQ(plan->levels[3].less_than, std::vector<int>{2});
  // Vertex-induced: v3 must not be adjacent to v2.
  EXPECT_TRUE(plan->nodes[plan->levels[3].candidates].subtract);
}

TEST(Plan, EdgeInducedHasNoSubtractions) {
  CompileOptions options;
  options.induced = Induced::kEdge;
  Result<Plan> plan = Compile(Named("5-cycle"), options);
  ASSERT_TRUE(plan.ok());
  for (const SetNode& node : plan->nodes) EXPECT_FALSE(node.subtract);
}

TEST(Plan, CliquesCompileToTheOrientedPlan) {
  Result<Plan> plan = Compile(Named("5-clique"), {});
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->oriented);
  EXPECT_EQ(plan->automorphisms, 120);
  EXPECT_NE(plan->ToString().find("N+(v3)"), std::string::npos) << plan->ToString();
}

TEST(Plan, BadOrderIsRejected) {
  CompileOptions options;
  options.order = {0, 2, 1, 3};  // 4-path: 0 and 2 are not adjacent
  EXPECT_EQ(Compile(Named("4-path"), options).status().message(),
            "matching order for pattern \"4-path\" must be a permutation of 0..3 with connected "
            "prefixes");
}

TEST(Plan, CostModelPrefersFewerCandidates) {
  // Starting a tailed triangle from its degree-1 tail is never cheaper than
  // starting from the triangle.
  Result<Plan> best = Compile(Named("tailed-triangle"), {});
  CompileOptions tail_first;
  tail_first.order = {3, 2, 0, 1};
  Result<Plan> tail = Compile(Named("tailed-triangle"), tail_first);
  ASSERT_TRUE(best.ok() && tail.ok());
  EXPECT_LE(best->estimated_cost, tail->estimated_cost);
  EXPECT_EQ(best->orders_considered, ConnectedOrders(Named("tailed-triangle"), 1000).size());
}

TEST(Plan, ToStringShowsTheLoopNest) {
  CompileOptions options;
  options.order = {1, 2, 0, 3};
  const std::string text = Compile(Named("diamond"), options)->ToString();
  EXPECT_NE(text.find("for v0 in V:"), std::string::npos) << text;
  EXPECT_NE(text.find("S1 = S0 & N(v1)"), std::string::npos) << text;
  EXPECT_NE(text.find("counted, never stored"), std::string::npos) << text;
  EXPECT_NE(text.find("estimated cost:"), std::string::npos) << text;
}

}  // namespace
}  // namespace syskit::mine
