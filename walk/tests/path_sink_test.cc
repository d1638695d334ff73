// Text and binary path writers round-trip through their readers with
// original ids; a damaged binary file is reported as corruption.
#include "syskit/walk/path_sink.h"

#include <gtest/gtest.h>

#include <fstream>

#include "syskit/walk/apps.h"
#include "syskit/walk/engine.h"
#include "walk_test_util.h"

namespace syskit::walk {
namespace {

using testing::LoadKarate;
using testing::ScratchDir;

std::vector<std::vector<uint64_t>> RunTo(const graph::Graph& g, PathSink* sink) {
  auto engine = WalkEngine<PprSpec>::Create(g, PprSpec(0.2));
  std::vector<std::vector<uint64_t>> expected;
  // Record the same walks through a callback to compare with the files.
  CallbackSink recorder([&](uint64_t, std::span<const VertexId> path) {
    std::vector<uint64_t> ids;
    for (VertexId v : path) ids.push_back(g.original_id(v));
    expected.push_back(std::move(ids));
    return Status::OK();
  });
  const WalkOptions options{.walkers_per_vertex = 3, .max_steps = 40, .seed = 6, .threads = 2};
  SYSKIT_CHECK(engine->Run(options, &recorder).ok());
  SYSKIT_CHECK(engine->Run(options, sink).ok());
  return expected;
}

TEST(PathSink, TextRoundTrip) {
  const graph::Graph g = LoadKarate();
  ScratchDir dir;
  auto sink = OpenPathWriter(Env::Default(), g, dir.File("walks.txt"), PathFormat::kText);
  ASSERT_TRUE(sink.ok());
  const auto expected = RunTo(g, sink->get());
  auto read = ReadTextWalks(Env::Default(), dir.File("walks.txt"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, expected);
  std::ifstream in(dir.File("walks.txt"));
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first.rfind("1 ", 0), 0u) << first;  // walker 0 starts at original id 1
}

TEST(PathSink, BinaryRoundTripAndCorruption) {
  const graph::Graph g = LoadKarate();
  ScratchDir dir;
  auto sink = OpenPathWriter(Env::Default(), g, dir.File("walks.bin"), PathFormat::kBinary);
  ASSERT_TRUE(sink.ok());
  const auto expected = RunTo(g, sink->get());
  auto read = ReadBinaryWalks(Env::Default(), dir.File("walks.bin"));
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, expected);
  // Truncate the last record.
  std::filesystem::resize_file(dir.File("walks.bin"),
                               std::filesystem::file_size(dir.File("walks.bin")) - 3);
  EXPECT_EQ(ReadBinaryWalks(Env::Default(), dir.File("walks.bin")).status().code(),
            StatusCode::kCorruption);
  std::ofstream(dir.File("bad.bin")) << "NOTAWALKFILE";
  EXPECT_EQ(ReadBinaryWalks(Env::Default(), dir.File("bad.bin")).status().code(),
            StatusCode::kCorruption);
}

}  // namespace
}  // namespace syskit::walk
