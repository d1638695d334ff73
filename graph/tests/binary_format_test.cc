#include "syskit/graph/binary_format.h"

#include <gtest/gtest.h>

#include <fstream>

#include "syskit/graph/io.h"
#include "test_util.h"

namespace syskit::graph {
namespace {

using testing::DataFile;
using testing::ScratchDir;

std::string ReadAll(const std::string& path) {
  Result<std::string> data = ReadFileToString(Env::Default(), path);
  EXPECT_TRUE(data.ok()) << data.status();
  return data.ok() ? *data : "";
}

void WriteAll(const std::string& path, const std::string& data) {
  ASSERT_TRUE(WriteStringToFile(Env::Default(), data, path).ok());
}

class BinaryFormatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadOptions options;
    Result<Graph> g = LoadGraph(Env::Default(), DataFile("Karate.edges.txt"), options);
    ASSERT_TRUE(g.ok()) << g.status();
    path_ = dir_.File("k.skg");
    ASSERT_TRUE(SaveBinary(Env::Default(), *g, path_).ok());
    bytes_ = ReadAll(path_);
    graph_ = std::move(g).value();
  }

  Status LoadCorrupted(const std::string& bytes) {
    WriteAll(path_, bytes);
    Result<Graph> g = LoadBinary(Env::Default(), path_);
    EXPECT_FALSE(g.ok());
    return g.ok() ? Status::OK() : g.status();
  }

  ScratchDir dir_;
  std::string path_;
  std::string bytes_;
  Graph graph_;
};

TEST_F(BinaryFormatTest, FileLayoutIsAlignedAndSized) {
  // 34 vertices, 156 arcs: header 128 + offsets 280 -> 448, targets 624 ->
  // 1088, original ids 272 -> 1408 (each section padded to 64 bytes).
  EXPECT_EQ(bytes_.size(), 1408u);
  EXPECT_EQ(bytes_.substr(0, 8), std::string("SKGRAPH\0", 8));
  EXPECT_FALSE(Env::Default()->FileExists(path_ + ".tmp"));
}

TEST_F(BinaryFormatTest, LoadReproducesTheGraph) {
  Result<Graph> g = LoadBinary(Env::Default(), path_);
  ASSERT_TRUE(g.ok()) << g.status();
  EXPECT_TRUE(std::ranges::equal(g->offsets(), graph_.offsets()));
  EXPECT_TRUE(std::ranges::equal(g->targets(), graph_.targets()));
  EXPECT_TRUE(std::ranges::equal(g->original_ids(), graph_.original_ids()));
  EXPECT_EQ(g->max_degree(), 17u);
  EXPECT_EQ(g->num_edges(), 78u);
}

TEST_F(BinaryFormatTest, FlippedByteInEachSectionIsCorruption) {
  const struct {
    size_t offset;
    const char* section;
  } kCases[] = {{128 + 16, "offsets"}, {448 + 100, "targets"}, {1088 + 8, "original ids"}};
  for (const auto& c : kCases) {
    std::string damaged = bytes_;
    damaged[c.offset] ^= 0x40;
    Status status = LoadCorrupted(damaged);
    EXPECT_EQ(status.code(), StatusCode::kCorruption);
    EXPECT_EQ(status.message(), path_ + ": checksum mismatch in section " + c.section);
  }
}

TEST_F(BinaryFormatTest, DamagedHeaderIsCorruption) {
  std::string damaged = bytes_;
  damaged[20] ^= 1;  // num_vertices
  Status status = LoadCorrupted(damaged);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.message(), path_ + ": header checksum mismatch");
}

TEST_F(BinaryFormatTest, TruncatedFileIsCorruption) {
  Status status = LoadCorrupted(bytes_.substr(0, 1000));
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_EQ(status.message(), path_ + ": truncated binary graph (1000 bytes, expected 1408)");
  status = LoadCorrupted(bytes_.substr(0, 50));
  EXPECT_EQ(status.message(), path_ + ": truncated binary graph (50 bytes, header needs 128)");
}

TEST_F(BinaryFormatTest, TruncatedFileIsCorruptionThroughLoadGraph) {
  WriteAll(path_, bytes_.substr(0, 700));
  Result<Graph> g = LoadGraph(Env::Default(), path_, {});
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
}

TEST_F(BinaryFormatTest, ValidChecksumsOverBrokenStructureIsCorruption) {
  // An unsorted neighbour list written with correct checksums must still be
  // rejected before any accessor trusts it.
  GraphArrays arrays;
  arrays.offsets = {0, 2, 3, 4};
  arrays.targets = {2, 1, 0, 0};
  arrays.original_ids = {1, 2, 3};
  Graph bad = Graph::FromArrays(std::move(arrays), false, {});
  ASSERT_TRUE(SaveBinary(Env::Default(), bad, dir_.File("bad.skg")).ok());
  Result<Graph> g = LoadBinary(Env::Default(), dir_.File("bad.skg"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kCorruption);
  EXPECT_EQ(g.status().message(),
            dir_.File("bad.skg") + ": graph: neighbour list of vertex 0 is not sorted");
}

TEST_F(BinaryFormatTest, ArcPointingOutsideTheGraphIsCorruption) {
  GraphArrays arrays;
  arrays.offsets = {0, 1, 1};
  arrays.targets = {7};
  arrays.original_ids = {1, 2};
  Graph bad = Graph::FromArrays(std::move(arrays), true, {});
  ASSERT_TRUE(SaveBinary(Env::Default(), bad, dir_.File("bad.skg")).ok());
  Result<Graph> g = LoadBinary(Env::Default(), dir_.File("bad.skg"));
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().message(), dir_.File("bad.skg") + ": graph: arc 0 points to vertex 7 of 2");
}

}  // namespace
}  // namespace syskit::graph
