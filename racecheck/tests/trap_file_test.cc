#include "syskit/racecheck/trap_file.h"

#include <gtest/gtest.h>

#include "syskit/core/env.h"
#include "syskit/testing/temp_dir.h"

namespace syskit::racecheck {
namespace {

TEST(TrapFile, RoundTripsPairs) {
  testing::TempDir dir;
  const std::string path = dir.File("traps.json");
  std::vector<TrapPair> pairs = {
      {"a.cc:1:2", "b.cc:3:4", 7, 9, TrapPair::State::kDangerous, 4},
      {"a.cc:1:2", "a.cc:1:2", 1, 1, TrapPair::State::kHappensBefore, 0},
      {"c.cc:5:6", "d.cc:7:8", 0, 0, TrapPair::State::kRetired, 10},
  };
  ASSERT_TRUE(WriteTrapFile(path, pairs).ok());
  Result<std::vector<TrapPair>> read = ReadTrapFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 3u);
  EXPECT_EQ((*read)[0].first, "a.cc:1:2");
  EXPECT_EQ((*read)[0].second, "b.cc:3:4");
  EXPECT_EQ((*read)[0].first_hits, 7u);
  EXPECT_EQ((*read)[0].second_hits, 9u);
  EXPECT_EQ((*read)[0].state, TrapPair::State::kDangerous);
  EXPECT_EQ((*read)[0].failed_traps, 4u);
  EXPECT_EQ((*read)[1].state, TrapPair::State::kHappensBefore);
  EXPECT_EQ((*read)[2].state, TrapPair::State::kRetired);
  EXPECT_EQ((*read)[2].failed_traps, 10u);
  Result<std::string> text = ReadFileToString(Env::Default(), path);
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("\"version\": 2"), std::string::npos) << *text;
}

TEST(TrapFile, ReadsVersion1WithoutDecayState) {
  testing::TempDir dir;
  const std::string path =
      dir.Write("v1.json",
                "{\"version\": 1, \"pairs\": [{\"first\": \"a:1:1\", \"second\": \"b:2:2\", "
                "\"first_hits\": 3, \"second_hits\": 4, \"state\": \"dangerous\"}]}");
  Result<std::vector<TrapPair>> read = ReadTrapFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].first_hits, 3u);
  EXPECT_EQ((*read)[0].failed_traps, 0u);
}

TEST(TrapFile, MissingFileIsEmpty) {
  testing::TempDir dir;
  Result<std::vector<TrapPair>> read = ReadTrapFile(dir.File("none.json"));
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
}

TEST(TrapFile, RejectsMalformedFiles) {
  testing::TempDir dir;
  const std::pair<const char*, const char*> cases[] = {
      {"{\"pairs\": [", "malformed JSON"},
      {"{\"version\": 2, \"traps\": []}", "expected {\"pairs\": [...]}"},
      {"{\"pairs\": []}", "missing \"version\""},
      {"{\"version\": 3, \"pairs\": []}", "unsupported trap-file version 3 (expected 1 to 2)"},
      {"{\"version\": \"2\", \"pairs\": []}",
       "unsupported trap-file version \"2\" (expected 1 to 2)"},
      {"{\"version\": 2, \"pairs\": [{\"first\": \"a\"}]}",
       "pairs[0]: expected a non-empty string \"second\""},
      {"{\"version\": 2, \"pairs\": [{\"first\": \"a\", \"second\": \"b\", \"first_hits\": -1}]}",
       "pairs[0]: \"first_hits\" must be an unsigned 32-bit count"},
      {"{\"version\": 2, \"pairs\": [{\"first\": \"a\", \"second\": \"b\", \"failed_traps\": "
       "1.5}]}",
       "pairs[0]: \"failed_traps\" must be an unsigned 32-bit count"},
      {"{\"version\": 1, \"pairs\": [{\"first\": \"a\", \"second\": \"b\", \"failed_traps\": 1}]}",
       "pairs[0]: \"failed_traps\" needs version 2"},
      {"{\"version\": 2, \"pairs\": [{\"first\": \"a\", \"second\": \"b\", \"state\": \"maybe\"}]}",
       "pairs[0]: unknown state \"maybe\" (expected dangerous, happens_before or retired)"},
      {"{\"version\": 2, \"pairs\": [{\"first\": \"a\", \"second\": \"b\", \"state\": 5}]}",
       "pairs[0]: \"state\" must be a string"},
  };
  for (const auto& [text, message] : cases) {
    const std::string path = dir.Write("bad.json", text);
    Result<std::vector<TrapPair>> read = ReadTrapFile(path);
    ASSERT_FALSE(read.ok()) << text;
    EXPECT_EQ(read.status().message(), path + ": " + message);
  }
}

TEST(TrapFile, ReplacesAtomicallyWithoutTempLeftovers) {
  testing::TempDir dir;
  const std::string path = dir.File("traps.json");
  ASSERT_TRUE(WriteTrapFile(path, {{"x:1:1", "y:2:2", 1, 2, TrapPair::State::kDangerous, 0}}).ok());
  ASSERT_TRUE(WriteTrapFile(path, {}).ok());
  Result<std::vector<TrapPair>> read = ReadTrapFile(path);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());
  EXPECT_FALSE(Env::Default()->FileExists(path + ".tmp"));
}

TEST(BugFile, RoundTripsAndRejectsGarbage) {
  testing::TempDir dir;
  const std::string path = dir.File("bugs.json");
  ASSERT_TRUE(WriteBugFile(path, {{"a:1:1", "b:2:2"}}).ok());
  Result<std::vector<BugPair>> read = ReadBugFile(path);
  ASSERT_TRUE(read.ok());
  ASSERT_EQ(read->size(), 1u);
  EXPECT_EQ((*read)[0].second, "b:2:2");
  const std::string bad = dir.Write("bad.json", "{\"bugs\": [3]}");
  EXPECT_EQ(ReadBugFile(bad).status().message(), bad + ": bugs[0]: expected an object");
}

}  // namespace
}  // namespace syskit::racecheck
