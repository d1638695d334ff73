#include "syskit/route/model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "syskit/route/instances.h"

namespace syskit::route {
namespace {

State Small() { return MakeRandomState({.edges = 4, .dcs = 3, .load_factor = 0.5, .seed = 3}); }

void ExpectInvalid(const State& state, const std::string& fragment) {
  const Status status = ValidateState(state);
  ASSERT_FALSE(status.ok()) << "expected an error mentioning " << fragment;
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find(fragment), std::string::npos) << status.message();
}

TEST(Model, RandomStateValidates) { EXPECT_TRUE(ValidateState(Small()).ok()); }

TEST(Model, FractionsNotSummingToOneRejected) {
  State state = Small();
  state.current[1][0] += 0.05;
  ExpectInvalid(state, "sum to");
}

TEST(Model, NegativeLoadRejected) {
  State state = Small();
  state.edges[2].load = -1;
  ExpectInvalid(state, "load must be >= 0");
}

TEST(Model, NanLatencyRejected) {
  State state = Small();
  state.latency_ms[0][2] = std::numeric_limits<double>::quiet_NaN();
  ExpectInvalid(state, "latency to \"dc2\"");
}

TEST(Model, ZeroCapacityRejected) {
  State state = Small();
  state.dcs[1].capacity = 0;
  ExpectInvalid(state, "capacity must be positive");
}

TEST(Model, InfeasibleTotalLoadRejected) {
  State state = Small();
  for (auto& edge : state.edges) edge.load *= 2.5;  // load factor 1.25
  ExpectInvalid(state, "infeasible");
}

TEST(Model, DrainCountsAgainstCapacity) {
  State state = Small();
  state.dcs[0].drained = state.dcs[1].drained = true;
  // Whether this is feasible depends on dc2 alone.
  double load = 0;
  for (const auto& edge : state.edges) load += edge.load;
  EXPECT_EQ(ValidateState(state).ok(), load <= state.dcs[2].capacity);
}

TEST(Model, DuplicateDatacenterRejected) {
  State state = Small();
  state.dcs[2].name = "dc0";
  ExpectInvalid(state, "listed twice");
}

TEST(Model, ShapeMismatchRejected) {
  State state = Small();
  state.latency_ms[3].pop_back();
  ExpectInvalid(state, "expected 3 fractions");
}

TEST(Model, ValidateTableCatchesOnloadBeyondStep) {
  State state = Small();
  Policy policy;
  Fractions table = state.current;
  // Everything to dc0: far beyond the 0.04 step.
  for (auto& row : table) row = {1.0, 0.0, 0.0};
  const Status status = ValidateTable(state, policy, table);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("onloads"), std::string::npos) << status.message();
  EXPECT_TRUE(ValidateTable(state, policy, state.current).ok());
}

TEST(Model, ValidateTableCatchesTrafficToDrainedDc) {
  State state = Small();
  state.dcs[1].drained = true;
  Policy policy;
  policy.onload_step = 10;
  Fractions table = state.current;
  table[0][1] += 0.01;
  table[0][0] -= 0.01;
  const Status status = ValidateTable(state, policy, table);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("drained"), std::string::npos) << status.message();
}

TEST(Model, PredictionIsLinearInLoad) {
  State state = Small();
  const LoadModel model = ComputeLoadModel(state);
  Fractions table = state.current;
  for (auto& row : table) {
    const double moved = row[0] / 2;
    row[0] -= moved;
    row[1] += moved;
  }
  const std::vector<double> predicted = PredictUtilization(state, model, table);
  const std::vector<double> exact = ExactUtilization(state, table);
  for (int d = 0; d < 3; ++d) EXPECT_NEAR(predicted[d], exact[d], 1e-12);
}

}  // namespace
}  // namespace syskit::route
