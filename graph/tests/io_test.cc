#include "syskit/graph/io.h"

#include <gtest/gtest.h>

#include "syskit/graph/binary_format.h"
#include "test_util.h"

namespace syskit::graph {
namespace {

using testing::DataFile;
using testing::ScratchDir;

Status LoadError(const std::string& path, LoadOptions options = {}) {
  Result<Graph> g = LoadGraph(Env::Default(), path, options);
  EXPECT_FALSE(g.ok());
  return g.ok() ? Status::OK() : g.status();
}

TEST(Io, MissingFileIsNotFound) {
  ScratchDir dir;
  Status status = LoadError(dir.File("missing.txt"));
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), dir.File("missing.txt") + ": No such file or directory");
}

TEST(Io, DirectoryIsInvalidArgument) {
  ScratchDir dir;
  Status status = LoadError(dir.File(""));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), dir.File("") + ": is a directory");
}

TEST(Io, EmptyFileIsInvalidArgument) {
  ScratchDir dir;
  std::string path = dir.Write("empty.txt", "");
  Status status = LoadError(path);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), path + ": file is empty");
}

TEST(Io, ParseErrorNamesFileAndLine) {
  ScratchDir dir;
  std::string path = dir.Write("g.txt", "1 2\n2 3\n7 x\n");
  EXPECT_EQ(LoadError(path).message(), path + ":3: expected two vertex ids, got \"7 x\"");
}

TEST(Io, TextBinaryTextRoundTripPreservesEdgeSet) {
  ScratchDir dir;
  const std::string source = DataFile("CA-GrQc.edges.txt");
  Result<Graph> text = LoadGraph(Env::Default(), source, {});
  ASSERT_TRUE(text.ok()) << text.status();
  ASSERT_TRUE(SaveBinary(Env::Default(), *text, dir.File("g.skg")).ok());
  Result<Graph> binary = LoadGraph(Env::Default(), dir.File("g.skg"), {});
  ASSERT_TRUE(binary.ok()) << binary.status();
  ASSERT_TRUE(SaveText(Env::Default(), *binary, dir.File("back.txt")).ok());
  EXPECT_EQ(testing::ReadReferenceEdgeSet(dir.File("back.txt")),
            testing::ReadReferenceEdgeSet(source));
  // Build stats survive the binary format.
  EXPECT_EQ(binary->build_stats().self_loops, 12u);
  EXPECT_EQ(binary->build_stats().input_edges, 14496u);
  // And the text written back has exactly one line per edge.
  Result<Graph> again = LoadGraph(Env::Default(), dir.File("back.txt"), {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->build_stats().input_edges, 14484u);
  EXPECT_EQ(again->build_stats().duplicate_edges, 0u);
}

TEST(Io, WeightedTypedDirectedRoundTrip) {
  ScratchDir dir;
  std::string path = dir.Write("w.txt", "10 20 0.25 1\n20 10 4 2\n10 30 1.5 0\n");
  LoadOptions options;
  options.directed = true;
  options.weighted = true;
  options.typed = true;
  Result<Graph> g = LoadGraph(Env::Default(), path, options);
  ASSERT_TRUE(g.ok()) << g.status();
  ASSERT_TRUE(SaveText(Env::Default(), *g, dir.File("out.txt")).ok());
  Result<std::string> text = ReadFileToString(Env::Default(), dir.File("out.txt"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "10 20 0.25 1\n10 30 1.5 0\n20 10 4 2\n");
  ASSERT_TRUE(SaveBinary(Env::Default(), *g, dir.File("w.skg")).ok());
  Result<Graph> b = LoadGraph(Env::Default(), dir.File("w.skg"), options);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_TRUE(std::ranges::equal(b->all_weights(), g->all_weights()));
  EXPECT_TRUE(std::ranges::equal(b->all_types(), g->all_types()));
}

TEST(Io, BinaryLoadedWithContradictingOptionsIsAnError) {
  ScratchDir dir;
  Result<Graph> g = LoadGraph(Env::Default(), DataFile("Karate.edges.txt"), {});
  ASSERT_TRUE(g.ok());
  ASSERT_TRUE(SaveBinary(Env::Default(), *g, dir.File("k.skg")).ok());
  LoadOptions directed;
  directed.directed = true;
  EXPECT_EQ(LoadError(dir.File("k.skg"), directed).message(),
            dir.File("k.skg") + ": binary graph is undirected but was loaded as directed");
  LoadOptions weighted;
  weighted.weighted = true;
  EXPECT_EQ(LoadError(dir.File("k.skg"), weighted).message(),
            dir.File("k.skg") + ": binary graph has no edge weights");
}

}  // namespace
}  // namespace syskit::graph
