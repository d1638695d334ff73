// End-to-end tests of `syskit graph` and the umbrella's flag handling: run
// the real binary, check exit codes, stdout and the one-line errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>

#include "syskit/testing/command.h"
#include "test_util.h"

namespace {

using syskit::graph::testing::DataFile;
using syskit::graph::testing::ScratchDir;

using Outcome = ::syskit::testing::CommandOutcome;
using ::syskit::testing::ReadWholeFile;

// Runs `syskit <args>` with stdout and stderr captured.
Outcome Syskit(const std::string& args) {
  return ::syskit::testing::RunCommand(std::string(SYSKIT_BINARY) + " " + args);
}

TEST(Cli, HelpAndVersionExitZero) {
  Outcome help = Syskit("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("graph"), std::string::npos) << help.out;
  EXPECT_NE(help.out.find("demo"), std::string::npos);
  Outcome graph_help = Syskit("graph --help");
  EXPECT_EQ(graph_help.exit_code, 0);
  EXPECT_NE(graph_help.out.find("info"), std::string::npos) << graph_help.out;
  Outcome info_help = Syskit("graph info --help");
  EXPECT_EQ(info_help.exit_code, 0);
  EXPECT_NE(info_help.out.find("--self_loops"), std::string::npos) << info_help.out;
  EXPECT_NE(info_help.out.find("drop"), std::string::npos) << info_help.out;
  EXPECT_EQ(Syskit("--version").exit_code, 0);
}

TEST(Cli, UnknownFlagsAreUsageErrors) {
  Outcome top = Syskit("--no-such-flag");
  EXPECT_EQ(top.exit_code, 2);
  EXPECT_NE(top.err.find("syskit: error: unknown flag --no-such-flag"), std::string::npos)
      << top.err;
  Outcome sub = Syskit("graph info --no-such-flag " + DataFile("Karate.edges.txt"));
  EXPECT_EQ(sub.exit_code, 2);
  EXPECT_NE(sub.err.find("syskit graph: error: "), std::string::npos) << sub.err;
  EXPECT_EQ(Syskit("no-such-component").exit_code, 2);
  EXPECT_EQ(Syskit("graph").exit_code, 2);
}

TEST(Cli, BadFlagValueIsUsageError) {
  Outcome run = Syskit("graph info --threads=abc " + DataFile("Karate.edges.txt"));
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("--threads"), std::string::npos) << run.err;
  Outcome policy = Syskit("graph info --self_loops=sometimes " + DataFile("Karate.edges.txt"));
  EXPECT_EQ(policy.exit_code, 2);
}

TEST(Cli, InfoPrintsReferenceCounts) {
  Outcome grqc = Syskit("graph info " + DataFile("CA-GrQc.edges.txt"));
  ASSERT_EQ(grqc.exit_code, 0) << grqc.err;
  EXPECT_NE(grqc.out.find("\nvertices=5242\n"), std::string::npos) << grqc.out;
  EXPECT_NE(grqc.out.find("\nedges=14484\n"), std::string::npos);
  EXPECT_NE(grqc.out.find("\nself_loops=12\n"), std::string::npos);
  EXPECT_NE(grqc.out.find("\nduplicate_edges=0\n"), std::string::npos);
  EXPECT_NE(grqc.out.find("\nmax_degree=81\n"), std::string::npos);
  Outcome karate = Syskit("graph info " + DataFile("Karate.edges.txt"));
  ASSERT_EQ(karate.exit_code, 0);
  EXPECT_NE(karate.out.find("\nvertices=34\n"), std::string::npos);
  EXPECT_NE(karate.out.find("\nedges=78\n"), std::string::npos);
}

TEST(Cli, BadInputsGiveOneLineErrorsAndExitOne) {
  ScratchDir dir;
  struct Case {
    std::string file;
    std::string expected;
  };
  const std::string bad = dir.Write("bad.txt", "1 2\n3 4\n7 x\n");
  const std::string empty = dir.Write("empty.txt", "");
  const std::string one = dir.Write("one.txt", "1 2\n5\n");
  const std::string negative = dir.Write("neg.txt", "1 -2\n");
  const std::string huge = dir.Write("huge.txt", "99999999999999999999 1\n");
  const Case cases[] = {
      {dir.File("missing.txt"), dir.File("missing.txt") + ": No such file or directory"},
      {dir.File(""), dir.File("") + ": is a directory"},
      {empty, empty + ": file is empty"},
      {bad, bad + ":3: expected two vertex ids, got \"7 x\""},
      {one, one + ":2: expected two vertex ids, got \"5\""},
      {negative, negative + ":1: vertex ids must be non-negative, got \"1 -2\""},
      {huge, huge + ":1: vertex id out of range (max 18446744073709551615) in "
                    "\"99999999999999999999 1\""},
  };
  for (const Case& c : cases) {
    Outcome run = Syskit("graph info " + c.file);
    EXPECT_EQ(run.exit_code, 1) << c.file;
    EXPECT_EQ(run.err, "syskit graph: error: " + c.expected + "\n");
    EXPECT_EQ(run.out, "");
  }
  const std::string weights = dir.Write("w.txt", "1 2 0.5\n2 3 heavy\n");
  Outcome run = Syskit("graph info --weighted " + weights);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "syskit graph: error: " + weights +
                         ":2: expected a finite numeric weight, got \"2 3 heavy\"\n");
}

TEST(Cli, ConvertRoundTripAndCorruptBinary) {
  ScratchDir dir;
  Outcome to_binary =
      Syskit("graph convert -q " + DataFile("CA-GrQc.edges.txt") + " " + dir.File("g.skg"));
  ASSERT_EQ(to_binary.exit_code, 0) << to_binary.err;
  Outcome info = Syskit("graph info " + dir.File("g.skg"));
  ASSERT_EQ(info.exit_code, 0) << info.err;
  EXPECT_NE(info.out.find("\nformat=binary\n"), std::string::npos);
  EXPECT_NE(info.out.find("\nedges=14484\n"), std::string::npos);
  EXPECT_NE(info.out.find("\nself_loops=12\n"), std::string::npos);
  Outcome to_text = Syskit("graph convert -q " + dir.File("g.skg") + " " + dir.File("back.txt"));
  ASSERT_EQ(to_text.exit_code, 0) << to_text.err;
  EXPECT_EQ(syskit::graph::testing::ReadReferenceEdgeSet(dir.File("back.txt")),
            syskit::graph::testing::ReadReferenceEdgeSet(DataFile("CA-GrQc.edges.txt")));

  std::string bytes = ReadWholeFile(dir.File("g.skg"));
  bytes[bytes.size() / 2] ^= 0x10;
  std::ofstream(dir.File("g.skg"), std::ios::binary) << bytes;
  Outcome corrupt = Syskit("graph info " + dir.File("g.skg"));
  EXPECT_EQ(corrupt.exit_code, 1);
  EXPECT_NE(corrupt.err.find("syskit graph: error: " + dir.File("g.skg") + ": checksum mismatch"),
            std::string::npos)
      << corrupt.err;
}

TEST(Cli, GenerateIsSeededAndDeterministic) {
  ScratchDir dir;
  ASSERT_EQ(Syskit("graph generate -q --model=rmat --scale=10 --seed=3 --threads=1 --output=" +
                   dir.File("a.txt"))
                .exit_code,
            0);
  ASSERT_EQ(Syskit("graph generate -q --model=rmat --scale=10 --seed=3 --threads=2 --output=" +
                   dir.File("b.txt"))
                .exit_code,
            0);
  EXPECT_EQ(ReadWholeFile(dir.File("a.txt")), ReadWholeFile(dir.File("b.txt")));
  EXPECT_FALSE(ReadWholeFile(dir.File("a.txt")).empty());
  Outcome er = Syskit("graph generate -q --model=er --vertices=100 --edges=300 --output=" +
                      dir.File("er.skg"));
  ASSERT_EQ(er.exit_code, 0) << er.err;
  Outcome info = Syskit("graph info " + dir.File("er.skg"));
  EXPECT_NE(info.out.find("\ninput_edges=300\n"), std::string::npos) << info.out;
  EXPECT_EQ(
      Syskit("graph generate --model=rmat --scale=40 --output=" + dir.File("x.txt")).exit_code, 2);
}

}  // namespace
