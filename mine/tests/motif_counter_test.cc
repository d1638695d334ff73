// Tests for the inclusion-exclusion motif counter against compiled plans.
#include "syskit/mine/motif_counter.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace syskit::mine {
namespace {

std::vector<uint64_t> Values(const Result<std::vector<PatternCount>>& counts) {
  std::vector<uint64_t> values;
  for (const PatternCount& count : *counts) values.push_back(count.count);
  return values;
}

TEST(MotifCounter, FormulasEqualCompiledPlansOnRmat) {
  graph::RmatOptions rmat;
  rmat.scale = 10;
  rmat.edge_factor = 8;
  rmat.seed = 3;
  rmat.threads = 1;
  Result<graph::Graph> input = graph::BuildGraph(*graph::GenerateRmat(rmat), {});
  ASSERT_TRUE(input.ok());
  const MiningGraph mining = testing::Prepare(*input);
  for (int k : {3, 4}) {
    MineOptions options;
    options.threads = 2;
    Result<std::vector<PatternCount>> formula = CountMotifsByFormula(mining, k, options);
    ASSERT_TRUE(formula.ok()) << formula.status();
    CountOptions plans;
    plans.motif_formulas = false;
    Result<std::vector<PatternCount>> compiled =
        CountPatterns(mining, testing::Patterns(std::to_string(k) + "-motifs"), plans);
    ASSERT_TRUE(compiled.ok());
    EXPECT_EQ(Values(formula), Values(compiled)) << k << "-motifs";
  }
}

TEST(MotifCounter, RejectsOtherSizes) {
  const MiningGraph mining = testing::Prepare(testing::LoadBundled("Karate"));
  EXPECT_EQ(CountMotifsByFormula(mining, 5, {}).status().message(),
            "motif formulas exist for k = 3, 4, got 5");
}

}  // namespace
}  // namespace syskit::mine
