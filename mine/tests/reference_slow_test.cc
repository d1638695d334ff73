// Slow tier: the facebook_combined reference counts (5-cliques need seconds).
#include <gtest/gtest.h>

#include "test_util.h"

namespace syskit::mine {
namespace {

TEST(ReferenceSlow, FacebookCounts) {
  const MiningGraph facebook = testing::Prepare(testing::LoadBundled("facebook_combined"));
  CountOptions options;
  options.mine.threads = 2;
  auto values = [&](const std::string& spec, bool formulas) {
    options.motif_formulas = formulas;
    std::vector<uint64_t> out;
    const std::vector<PatternCount> counts =
        *CountPatterns(facebook, testing::Patterns(spec), options);
    for (const PatternCount& count : counts) {
      out.push_back(count.count);
    }
    return out;
  };
  EXPECT_EQ(values("triangle,4-clique,5-clique", true),
            (std::vector<uint64_t>{1612010, 30004668, 517965151}));
  EXPECT_EQ(values("3-motifs", true), (std::vector<uint64_t>{4478819, 1612010}));
  const std::vector<uint64_t> motifs4 = {361090174, 84332901, 5250007,
                                         148691496, 48759042, 30004668};
  EXPECT_EQ(values("4-motifs", true), motifs4);
  EXPECT_EQ(values("4-motifs", false), motifs4);
}

}  // namespace
}  // namespace syskit::mine
