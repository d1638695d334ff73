#include "syskit/graph/edge_list.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace syskit::graph {
namespace {

EdgeList ParseOk(const std::string& text, ParseOptions options = {}) {
  Result<EdgeList> edges = ParseEdgeListText(text, "g.txt", options);
  EXPECT_TRUE(edges.ok()) << edges.status();
  return edges.ok() ? std::move(edges).value() : EdgeList{};
}

std::string ParseError(const std::string& text, ParseOptions options = {}) {
  Result<EdgeList> edges = ParseEdgeListText(text, "g.txt", options);
  EXPECT_FALSE(edges.ok());
  if (edges.ok()) return "";
  EXPECT_EQ(edges.status().code(), StatusCode::kInvalidArgument);
  return edges.status().message();
}

TEST(EdgeList, ParsesPairsInInputOrder) {
  EdgeList edges = ParseOk("1 2\n3 4\n2 1\n");
  ASSERT_EQ(edges.size(), 3u);
  EXPECT_EQ(edges.sources, (std::vector<OriginalId>{1, 3, 2}));
  EXPECT_EQ(edges.targets, (std::vector<OriginalId>{2, 4, 1}));
  EXPECT_TRUE(edges.weights.empty());
}

TEST(EdgeList, SkipsCommentsBlankLinesAndAnyWhitespace) {
  EdgeList edges = ParseOk("# SNAP header\n% matrix market\n\n  \t\n 5\t\t6  \r\n7 8");
  EXPECT_EQ(edges.sources, (std::vector<OriginalId>{5, 7}));
  EXPECT_EQ(edges.targets, (std::vector<OriginalId>{6, 8}));
}

TEST(EdgeList, ParsesWeightsAndTypes) {
  ParseOptions options;
  options.weighted = true;
  options.typed = true;
  EdgeList edges = ParseOk("1 2 0.5 3\n2 3 1e2 0\n", options);
  EXPECT_EQ(edges.weights, (std::vector<float>{0.5f, 100.f}));
  EXPECT_EQ(edges.types, (std::vector<EdgeType>{3, 0}));
}

TEST(EdgeList, AcceptsLargestId) {
  EdgeList edges = ParseOk("18446744073709551615 0\n");
  EXPECT_EQ(edges.sources[0], 18446744073709551615ull);
}

TEST(EdgeList, EmptyFileIsAnError) { EXPECT_EQ(ParseError(""), "g.txt: file is empty"); }

TEST(EdgeList, OnlyCommentsIsAnError) {
  EXPECT_EQ(ParseError("# nothing here\n"), "g.txt: no edges found");
}

TEST(EdgeList, NonNumericTokenNamesLine) {
  EXPECT_EQ(ParseError("1 2\n# c\n7 x\n"), "g.txt:3: expected two vertex ids, got \"7 x\"");
}

TEST(EdgeList, LineWithOneIdNamesLine) {
  EXPECT_EQ(ParseError("1 2\n7\n"), "g.txt:2: expected two vertex ids, got \"7\"");
}

TEST(EdgeList, NegativeIdIsAnError) {
  EXPECT_EQ(ParseError("-1 2\n"), "g.txt:1: vertex ids must be non-negative, got \"-1 2\"");
}

TEST(EdgeList, IdAboveUint64MaxIsAnError) {
  EXPECT_EQ(ParseError("18446744073709551616 1\n"),
            "g.txt:1: vertex id out of range (max 18446744073709551615) in "
            "\"18446744073709551616 1\"");
}

TEST(EdgeList, NonNumericWeightIsAnError) {
  ParseOptions options;
  options.weighted = true;
  EXPECT_EQ(ParseError("1 2 0.5\n1 3 abc\n", options),
            "g.txt:2: expected a finite numeric weight, got \"1 3 abc\"");
  EXPECT_EQ(ParseError("1 2 nan\n", options),
            "g.txt:1: expected a finite numeric weight, got \"1 2 nan\"");
}

TEST(EdgeList, MissingWeightIsAnError) {
  ParseOptions options;
  options.weighted = true;
  EXPECT_EQ(ParseError("1 2\n", options),
            "g.txt:1: expected a weight after the vertex ids, got \"1 2\"");
}

TEST(EdgeList, ExtraFieldIsAnErrorWithHint) {
  EXPECT_EQ(ParseError("1 2 3\n"),
            "g.txt:1: unexpected extra field in \"1 2 3\" (pass --weighted for a weight column)");
}

TEST(EdgeList, TrailingGarbageAfterIdIsAnError) {
  EXPECT_EQ(ParseError("12abc 3\n"), "g.txt:1: expected two vertex ids, got \"12abc 3\"");
}

// A text large enough to be split across threads: the result and the line
// numbers of errors must not depend on the split.
std::string BigText(uint64_t lines) {
  std::string text;
  for (uint64_t line = 0; line < lines; ++line) {
    if (line % 1000 == 0) text += "# comment\n";
    text += std::to_string(line * 7919 % 100003) + " " + std::to_string(line) + "\n";
  }
  return text;
}

TEST(EdgeList, ParallelParseMatchesSerial) {
  std::string text = BigText(400000);  // ~5 MB: several 1 MiB slices
  ParseOptions one, two;
  one.threads = 1;
  two.threads = 2;
  EdgeList a = ParseOk(text, one), b = ParseOk(text, two);
  EXPECT_EQ(a.size(), 400000u);
  EXPECT_EQ(a.sources, b.sources);
  EXPECT_EQ(a.targets, b.targets);
}

TEST(EdgeList, ParallelErrorReportsGlobalLineNumber) {
  std::string text = BigText(400000);
  // Corrupt a line in the second half; count its line number independently.
  size_t at = text.size() * 3 / 4;
  at = text.find('\n', at) + 1;
  while (text[at] == '#') at = text.find('\n', at) + 1;
  uint64_t line_number = 1 + std::count(text.begin(), text.begin() + at, '\n');
  size_t space = text.find(' ', at);
  text[space + 1] = 'x';
  std::string line_text = text.substr(at, text.find('\n', at) - at);
  ParseOptions two;
  two.threads = 2;
  EXPECT_EQ(ParseError(text, two), "g.txt:" + std::to_string(line_number) +
                                       ": expected two vertex ids, got \"" + line_text + "\"");
}

}  // namespace
}  // namespace syskit::graph
