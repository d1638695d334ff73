// End-to-end tests of `syskit mine`: run the real binary, check exit codes,
// stdout and the one-line errors.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "syskit/graph/io.h"
#include "syskit/mine/executor.h"
#include "syskit/mine/fsm.h"
#include "syskit/testing/command.h"
#include "syskit/testing/temp_dir.h"

namespace {

using namespace ::syskit;
using namespace ::syskit::mine;
using Outcome = ::syskit::testing::CommandOutcome;
using ::syskit::testing::ReadWholeFile;

std::string Data(const std::string& name) {
  return std::string(SYSKIT_TEST_DATA_DIR) + "/graphs/" + name + ".edges.txt";
}

// Runs `syskit <args>` with stdout and stderr captured.
Outcome Syskit(const std::string& args) {
  return ::syskit::testing::RunCommand(std::string(SYSKIT_BINARY) + " " + args);
}

TEST(MineCli, CountPrintsNameTabCount) {
  Outcome run = Syskit("mine count --graph=" + Data("Karate") + " --pattern=triangle,4-motifs");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out,
            "triangle\t45\n3-star\t1098\n4-path\t681\n4-cycle\t36\ntailed-triangle\t452\n"
            "diamond\t85\n4-clique\t11\n");
  EXPECT_NE(run.err.find("count_seconds="), std::string::npos) << run.err;
}

TEST(MineCli, EdgeInducedAndThreads) {
  Outcome run = Syskit("mine count --graph=" + Data("Karate") +
                       " --pattern=3-star --induced=edge --threads=2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // sum_v C(d(v), 3) on Karate.
  EXPECT_EQ(run.out, "3-star\t" + std::string("1764") + "\n");
}

TEST(MineCli, ListWritesOneLinePerEmbedding) {
  syskit::testing::TempDir dir;
  const std::string list = dir.File("triangles.txt");
  Outcome run = Syskit("mine count --graph=" + Data("Karate") +
                       " --pattern=triangle --list=" + list + " --threads=2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "triangle\t45\n");
  std::ifstream in(list);
  std::set<std::set<int>> triangles;
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    std::istringstream fields(line);
    std::set<int> ids;
    for (int id; fields >> id;) ids.insert(id);
    EXPECT_EQ(ids.size(), 3u) << line;
    triangles.insert(ids);
  }
  EXPECT_EQ(lines, 45);
  EXPECT_EQ(triangles.size(), 45u);
  EXPECT_TRUE(triangles.count({1, 2, 3})) << "Karate has the triangle 1 2 3";
}

TEST(MineCli, LabelledPatternFile) {
  syskit::testing::TempDir dir;
  const std::string pattern = dir.Write("lw.txt", "0 1\n1 2\nlabel 1 1\n");
  const std::string labels = dir.Write("labels.txt", "1 1\n34 1\n");
  Outcome run = Syskit("mine count --graph=" + Data("Karate") + " --pattern=" + pattern +
                       " --labels=" + labels + " --induced=edge");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // Wedges centred at 1 (degree 16) or 34 (degree 17): C(16,2) + C(17,2).
  EXPECT_EQ(run.out, "lw\t256\n");
}

TEST(MineCli, PlanPrintsPseudoCode) {
  Outcome run = Syskit("mine plan --pattern=diamond --graph=" + Data("Karate"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("pattern diamond: 4 vertices, 5 edges, |Aut| = 4"), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("for v0 in V"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("estimated cost:"), std::string::npos) << run.out;
}

TEST(MineCli, BadInputIsAUsageError) {
  syskit::testing::TempDir dir;
  const std::string graph = " --graph=" + Data("Karate");
  struct Case {
    std::string args;
    std::string message;
  };
  const std::string loop = dir.Write("loop.txt", "0 1\n1 1\n");
  const std::string split = dir.Write("split.txt", "0 1\n2 3\n");
  const std::string big = dir.Write("big.txt", "0 1\n1 9\n");
  const std::string junk = dir.Write("junk.txt", "0 1\nzero one\n");
  const std::string labelled = dir.Write("lab.txt", "0 1\nlabel 0 3\n");
  const Case cases[] = {
      {"mine count" + graph + " --pattern=" + split, "pattern \"split\" is disconnected"},
      {"mine count" + graph + " --pattern=" + loop, loop + ":2: self-loop on pattern vertex 1"},
      {"mine count" + graph + " --pattern=" + big,
       "pattern \"big\" has 10 vertices, at most 8 are supported"},
      {"mine count" + graph + " --pattern=9-clique",
       "pattern \"9-clique\" has 9 vertices, at most 8 are supported"},
      {"mine count" + graph + " --pattern=" + junk,
       junk + ":2: expected \"a b\" or \"label v L\" with ids >= 0, got \"zero one\""},
      {"mine count" + graph + " --pattern=" + labelled,
       "pattern \"lab\" has vertex labels but the graph has none (pass --labels=FILE)"},
      {"mine count" + graph + " --pattern=pentagon", "unknown pattern \"pentagon\"; expected"},
      {"mine plan --pattern=7-motifs", "k-motifs is supported for k = 3, 4, 5, got 7"},
      {"mine count" + graph + " --pattern=triangle --induced=both", "--induced"},
  };
  for (const Case& c : cases) {
    Outcome run = Syskit(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find("syskit mine: error: " + c.message), std::string::npos) << c.args << "\n"
                                                                                   << run.err;
    EXPECT_EQ(run.out, "") << c.args;
  }
}

std::string KarateLabels() { return std::string(SYSKIT_MINE_CASES_DIR) + "/karate_labels.txt"; }

TEST(MineCli, FsmPrintsFrequentPatternsWithTheirSupport) {
  Outcome run = Syskit("mine fsm --graph=" + Data("Karate") + " --labels=" + KarateLabels() +
                       " --support=5 --threads=2");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  // The same request through the library (checked against the brute force
  // by mine_fsm_test), printed as pattern<TAB>support.
  Result<graph::Graph> input =
      graph::LoadGraph(Env::Default(), Data("Karate"), graph::LoadOptions{});
  ASSERT_TRUE(input.ok());
  Result<std::vector<uint32_t>> labels = LoadLabels(KarateLabels(), *input);
  ASSERT_TRUE(labels.ok()) << labels.status();
  Result<MiningGraph> mining = MiningGraph::Prepare(*input, *labels, 1);
  ASSERT_TRUE(mining.ok());
  FsmOptions options;
  options.support = 5;
  Result<std::vector<FrequentPattern>> frequent = MineFrequentSubgraphs(*mining, options);
  ASSERT_TRUE(frequent.ok()) << frequent.status();
  std::string expected;
  int three_edges = 0;
  for (const FrequentPattern& entry : *frequent) {
    expected += entry.pattern.name() + "\t" + std::to_string(entry.support) + "\n";
    three_edges += entry.pattern.num_edges() == 3;
  }
  EXPECT_GT(three_edges, 0) << "support 5 should leave some 3-edge patterns";
  EXPECT_EQ(run.out, expected);
  EXPECT_NE(run.err.find("frequent_patterns=" + std::to_string(frequent->size())),
            std::string::npos)
      << run.err;
}

TEST(MineCli, FsmBadInput) {
  const std::string graph = " --graph=" + Data("Karate");
  struct Case {
    std::string args;
    std::string message;
  };
  const Case cases[] = {
      {"mine fsm" + graph + " --labels=" + KarateLabels() + " --support=0",
       "--support must be at least 1, got 0"},
      {"mine fsm" + graph + " --labels=" + KarateLabels() + " --support=2 --max_edges=4",
       "--max_edges must be in 1..3, got 4"},
      {"mine fsm" + graph + " --labels=/nonexistent/labels.txt --support=2", "cannot read labels"},
      {"mine fsm" + graph + " --support=2", "--labels is required"},
  };
  for (const Case& c : cases) {
    Outcome run = Syskit(c.args);
    EXPECT_EQ(run.exit_code, 2) << c.args << "\n" << run.err;
    EXPECT_NE(run.err.find("syskit mine: error: " + c.message), std::string::npos) << c.args << "\n"
                                                                                   << run.err;
  }
}

TEST(MineCli, MissingGraphIsARuntimeError) {
  Outcome run = Syskit("mine count --graph=/nonexistent/g.txt --pattern=triangle");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("syskit mine: error: "), std::string::npos) << run.err;
}

}  // namespace
