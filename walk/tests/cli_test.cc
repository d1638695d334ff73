// End-to-end tests of `syskit walk`: run the real binary; check the summary
// line, the output files and every usage error (message and exit code 2).
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <string>

#include "syskit/testing/command.h"
#include "syskit/walk/path_sink.h"
#include "walk_test_util.h"

namespace syskit::walk {
namespace {

using testing::DataFile;
using testing::ScratchDir;

using Outcome = ::syskit::testing::CommandOutcome;
using ::syskit::testing::ReadWholeFile;

// Runs `syskit walk <args>` with stdout and stderr captured.
Outcome Syskit(const std::string& args) {
  return ::syskit::testing::RunCommand(std::string(SYSKIT_BINARY) + " walk " + args);
}

const std::string kKarate = "--graph=" + DataFile("Karate.edges.txt");

// Exit 2 and exactly "syskit walk: error: <message>\n" on stderr.
void ExpectUsageError(const std::string& args, const std::string& message) {
  Outcome run = Syskit(args);
  EXPECT_EQ(run.exit_code, 2) << args << "\n" << run.err;
  EXPECT_EQ(run.err, "syskit walk: error: " + message + "\n") << args;
}

TEST(WalkCli, SummaryLineFormat) {
  Outcome run = Syskit("node2vec " + kKarate +
                       " --p=2 --q=0.5 --walkers_per_vertex=2 --length=10 "
                       "--threads=2 --output=none --quiet");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(std::regex_search(
      run.err, std::regex("(^|\n)walks=68 steps=680 seconds=[0-9.]+ steps_per_sec=[0-9.e+]+\n")))
      << run.err;
  EXPECT_TRUE(std::regex_search(
      run.err, std::regex("load_seconds=[0-9.]+ init_seconds=[0-9.]+ trials_per_step=[0-9.]+ "
                          "pd_evals_per_step=[0-9.]+ seed=1 threads=2\n")))
      << run.err;
}

TEST(WalkCli, TextAndBinaryOutputsAgree) {
  ScratchDir dir;
  const std::string common = "deepwalk " + kKarate + " --walkers=50 --length=7 --seed=3 --quiet ";
  ASSERT_EQ(Syskit(common + "--output=" + dir.File("w.txt")).exit_code, 0);
  ASSERT_EQ(Syskit(common + "--threads=1 --format=binary --output=" + dir.File("w.bin")).exit_code,
            0);
  auto text = ReadTextWalks(Env::Default(), dir.File("w.txt"));
  auto binary = ReadBinaryWalks(Env::Default(), dir.File("w.bin"));
  ASSERT_TRUE(text.ok() && binary.ok());
  EXPECT_EQ(*text, *binary);
  ASSERT_EQ(text->size(), 50u);
  EXPECT_EQ((*text)[0].size(), 8u);  // length 7 = 7 steps = 8 vertices
  EXPECT_EQ((*text)[0][0], 1u);      // original id of dense vertex 0
}

TEST(WalkCli, MetapathRunsOnATypedGraph) {
  ScratchDir dir;
  std::ofstream(dir.File("g.txt")) << "1 2 0\n2 3 1\n3 1 0\n";
  std::ofstream(dir.File("s.txt")) << "# scheme file\n0 1\n\n1\n";
  Outcome run =
      Syskit("metapath --graph=" + dir.File("g.txt") + " --typed --schemes=" + dir.File("s.txt") +
             " --length=4 --output=" + dir.File("w.txt"));
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("walks=3 "), std::string::npos) << run.err;
}

TEST(WalkCli, UsageErrors) {
  ExpectUsageError("node2vec " + kKarate + " --p=0", "--p must be a positive number, got \"0\"");
  ExpectUsageError("node2vec " + kKarate + " --q=-1", "--q must be a positive number, got \"-1\"");
  ExpectUsageError("node2vec " + kKarate + " --p=abc",
                   "--p must be a positive number, got \"abc\"");
  ExpectUsageError("node2vec " + kKarate + " --q=nan",
                   "--q must be a positive number, got \"nan\"");
  ExpectUsageError("deepwalk " + kKarate + " --length=0",
                   "--length must be between 1 and 4294967294 steps, got 0");
  ExpectUsageError("randomsurf " + kKarate,
                   "unknown application \"randomsurf\", expected deepwalk, ppr, node2vec or "
                   "metapath");
  ExpectUsageError("deepwalk " + kKarate + " --walkers=10 --walkers_per_vertex=2",
                   "give --walkers or --walkers_per_vertex, not both");
  ExpectUsageError("deepwalk " + kKarate + " --walkers=0", "--walkers must be at least 1, got 0");
  ExpectUsageError("deepwalk " + kKarate + " --walkers_per_vertex=0",
                   "--walkers_per_vertex must be at least 1, got 0");
  ExpectUsageError("deepwalk " + kKarate + " --p=2", "--p and --q apply only to node2vec");
  ExpectUsageError("ppr " + kKarate + " --stop_prob=0",
                   "--stop_prob must be in (0, 1], got 0.000000");
  ExpectUsageError("metapath " + kKarate + " --schemes=x",
                   "metapath needs --typed and a graph with an edge-type column (u v [w] t)");
}

TEST(WalkCli, InputErrors) {
  ScratchDir dir;
  std::ofstream(dir.File("typed.txt")) << "1 2 0\n2 3 1\n";
  std::ofstream(dir.File("untyped.txt")) << "1 2\n2 3\n";
  std::ofstream(dir.File("weights.txt")) << "1 2 1.5\n2 3 0\n";
  std::ofstream(dir.File("schemes.txt")) << "0 1\n0 7\n";
  std::ofstream(dir.File("bad_schemes.txt")) << "0 1\n0 x\n";
  ExpectUsageError(
      "metapath --graph=" + dir.File("typed.txt") + " --typed --schemes=" + dir.File("schemes.txt"),
      "--schemes: scheme 2 names edge type 7, which no edge of the graph has");
  ExpectUsageError(
      "metapath --graph=" + dir.File("typed.txt") +
          " --typed --schemes=" + dir.File("bad_schemes.txt"),
      dir.File("bad_schemes.txt") + ":2: expected edge types (non-negative integers), got \"x\"");
  ExpectUsageError("deepwalk --weighted --graph=" + dir.File("weights.txt"),
                   "--weighted: edge 2 -> 3 has weight 0, expected a positive finite weight");
  Outcome missing_type = Syskit("metapath --graph=" + dir.File("untyped.txt") +
                                " --typed --schemes=" + dir.File("schemes.txt"));
  EXPECT_EQ(missing_type.exit_code, 2) << missing_type.err;
  EXPECT_NE(missing_type.err.find("syskit walk: error: " + dir.File("untyped.txt") + ":1:"),
            std::string::npos)
      << missing_type.err;
  Outcome missing_file = Syskit("deepwalk --graph=" + dir.File("nope.txt"));
  EXPECT_EQ(missing_file.exit_code, 1) << missing_file.err;
}

}  // namespace
}  // namespace syskit::walk
