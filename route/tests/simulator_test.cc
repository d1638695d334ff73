#include "syskit/route/simulator.h"

#include <gtest/gtest.h>

namespace syskit::route {
namespace {

SimOptions Small(const std::string& scenario, int epochs) {
  SimOptions options;
  options.scenario = scenario;
  options.epochs = epochs;
  options.users = 4000;
  options.height = 12;
  options.requests_per_epoch = 800;
  options.sticky_run = false;
  return options;
}

TEST(Simulator, DayScenarioShapes) {
  Result<SimResult> result = RunSimulation(Small("day", 72));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->epochs.size(), 72u);
  // Paper targets: divergence < 3 % for 80 % of samples, latency within 25 ms.
  EXPECT_LT(result->divergence_p80, 0.03);
  EXPECT_LT(result->latency_gap_ms_avg, 25);
  EXPECT_GT(result->locality, result->baseline_locality + 0.05);
  EXPECT_GT(result->backend_load_reduction, 0);
  EXPECT_EQ(result->rejected_epochs, 0);
  for (const auto& epoch : result->epochs) {
    for (double u : epoch.utilization) EXPECT_LE(u, 1.0);
  }
}

// Bucket moves between epochs against the minimum any assignment needs
// (sum |df| / 2 per edge): the incremental assignment stays within rounding
// of it (20 edges x 10 DCs, one bucket each), the walk from scratch and
// hashing move more.
TEST(Simulator, IncrementalSegmentsMoveAboutTheMinimum) {
  SimOptions options = Small("day", 48);
  options.incremental_segments = true;
  Result<SimResult> result = RunSimulation(options);
  ASSERT_TRUE(result.ok()) << result.status();
  int64_t needed = 0, moved = 0, walk = 0, hash = 0;
  for (const auto& epoch : result->epochs) {
    needed += epoch.buckets_needed;
    moved += epoch.buckets_moved;
    walk += epoch.baseline_buckets_moved;
    hash += epoch.hash_buckets_moved;
    EXPECT_LE(epoch.buckets_moved, epoch.buckets_needed + 20 * 10) << epoch.epoch;
  }
  std::printf("48 epochs: buckets needed %ld, incremental L %ld, walk L=H %ld, hashing %ld\n",
              static_cast<long>(needed), static_cast<long>(moved), static_cast<long>(walk),
              static_cast<long>(hash));
  EXPECT_GT(needed, 0);
  EXPECT_LT(moved, walk);
  EXPECT_LT(moved, hash);
  EXPECT_GT(result->locality, result->baseline_locality);
}

TEST(Simulator, DrainEmptiesTheDcAndRestoreRefillsIt) {
  Result<SimResult> result = RunSimulation(Small("drain", 200));
  ASSERT_TRUE(result.ok()) << result.status();
  // Drained over epochs [96, 168): empty well before the restore.
  EXPECT_GT(result->epochs[95].utilization[0], 0.3);
  EXPECT_LT(result->epochs[130].utilization[0], 1e-9);
  // Restored: paced back by at most M = 0.04 of predicted utilization per
  // epoch; the realised step also carries the load noise (+-3 % per epoch,
  // so up to 6 % of the level between two epochs) and 0.5 % measurement noise.
  for (int epoch = 169; epoch < 200; ++epoch) {
    const double previous = result->epochs[epoch - 1].utilization[0];
    EXPECT_LE(result->epochs[epoch].utilization[0] - previous, 0.04 + 0.07 * previous);
  }
  EXPECT_GT(result->epochs[199].utilization[0], 0.3);
}

TEST(Simulator, ScaleBeyondCapacityKeepsLastGoodTable) {
  SimOptions options = Small("scale", 288);
  options.requests_per_epoch = 0;
  Result<SimResult> result = RunSimulation(options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_GT(result->rejected_epochs, 0);
  EXPECT_FALSE(result->epochs[0].rejected);
}

TEST(Simulator, UnknownScenarioRejected) { EXPECT_FALSE(RunSimulation(Small("week", 10)).ok()); }

}  // namespace
}  // namespace syskit::route
