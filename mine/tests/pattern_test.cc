// Tests for pattern names, motif tables, pattern files and their errors.
#include "syskit/mine/pattern.h"

#include <gtest/gtest.h>

#include <set>

#include "syskit/testing/temp_dir.h"

namespace syskit::mine {
namespace {

std::string ErrorOf(std::string_view spec) {
  Result<std::vector<Pattern>> patterns = ResolvePatterns(spec);
  EXPECT_FALSE(patterns.ok());
  return patterns.ok() ? "" : patterns.status().message();
}

TEST(Pattern, NamedFamiliesHaveTheRightShape) {
  struct Case {
    const char* name;
    int vertices, edges, automorphisms;
  };
  for (const Case& c :
       {Case{"triangle", 3, 3, 6}, Case{"wedge", 3, 2, 2}, Case{"4-clique", 4, 6, 24},
        Case{"8-clique", 8, 28, 40320}, Case{"5-cycle", 5, 5, 10}, Case{"3-star", 4, 3, 6},
        Case{"4-path", 4, 3, 2}, Case{"diamond", 4, 5, 4}, Case{"tailed-triangle", 4, 4, 2},
        Case{"house", 5, 6, 2}, Case{"7-star", 8, 7, 5040}}) {
    Result<Pattern> pattern = NamedPattern(c.name);
    ASSERT_TRUE(pattern.ok()) << c.name << ": " << pattern.status();
    EXPECT_EQ(pattern->num_vertices(), c.vertices) << c.name;
    EXPECT_EQ(pattern->num_edges(), c.edges) << c.name;
    EXPECT_EQ(pattern->Automorphisms().size(), static_cast<size_t>(c.automorphisms)) << c.name;
  }
}

TEST(Pattern, MotifTablesListEveryConnectedGraphOnce) {
  const size_t expected[] = {0, 0, 0, 2, 6, 21};
  for (int k = 3; k <= 5; ++k) {
    Result<std::vector<Pattern>> motifs = Motifs(k);
    ASSERT_TRUE(motifs.ok());
    std::set<uint64_t> codes;
    std::set<std::string> names;
    for (const Pattern& motif : *motifs) {
      EXPECT_EQ(motif.num_vertices(), k);
      codes.insert(motif.CanonicalCode());
      names.insert(motif.name());
    }
    EXPECT_EQ(motifs->size(), expected[k]);
    EXPECT_EQ(codes.size(), expected[k]) << "two motifs of size " << k << " are isomorphic";
    EXPECT_EQ(names.size(), expected[k]);
    // Every connected k-vertex graph is in the table.
    const int pairs = k * (k - 1) / 2;
    std::set<uint64_t> all;
    for (uint32_t mask = 0; mask < (1u << pairs); ++mask) {
      std::vector<std::pair<int, int>> edges;
      int bit = 0;
      for (int a = 0; a < k; ++a) {
        for (int b = a + 1; b < k; ++b, ++bit) {
          if ((mask >> bit) & 1u) edges.emplace_back(a, b);
        }
      }
      Result<Pattern> pattern = Pattern::Create("g", k, edges);
      if (pattern.ok()) all.insert(pattern->CanonicalCode());
    }
    EXPECT_EQ(all, codes);
  }
  std::vector<std::string> names4;
  const std::vector<Pattern> motifs4 = *Motifs(4);
  for (const Pattern& motif : motifs4) names4.push_back(motif.name());
  EXPECT_EQ(names4, (std::vector<std::string>{"3-star", "4-path", "4-cycle", "tailed-triangle",
                                              "diamond", "4-clique"}));
}

TEST(Pattern, ResolvesListsAndMotifs) {
  Result<std::vector<Pattern>> patterns = ResolvePatterns("triangle,3-motifs,5-cycle");
  ASSERT_TRUE(patterns.ok()) << patterns.status();
  ASSERT_EQ(patterns->size(), 4u);
  EXPECT_EQ((*patterns)[0].name(), "triangle");
  EXPECT_EQ((*patterns)[1].name(), "wedge");
  EXPECT_EQ((*patterns)[3].name(), "5-cycle");
}

TEST(Pattern, BadNamesGiveExactErrors) {
  EXPECT_EQ(ErrorOf("9-clique"), "pattern \"9-clique\" has 9 vertices, at most 8 are supported");
  EXPECT_EQ(ErrorOf("8-star"), "pattern \"8-star\" has 9 vertices, at most 8 are supported");
  EXPECT_EQ(ErrorOf("6-motifs"), "k-motifs is supported for k = 3, 4, 5, got 6");
  EXPECT_EQ(ErrorOf("2-cycle"), "pattern \"2-cycle\": k must be at least 3");
  EXPECT_EQ(ErrorOf("pentagon").rfind("unknown pattern \"pentagon\"; expected a name such as", 0),
            0u);
  EXPECT_EQ(ErrorOf("triangle,"), "empty pattern name in \"triangle,\"");
}

TEST(Pattern, ParsesFilesWithLabels) {
  Result<Pattern> pattern =
      ParsePatternText("# a labelled wedge\n0 1\n1 2  # centre 1\n\nlabel 1 7\n", "dir/wedge.txt");
  ASSERT_TRUE(pattern.ok()) << pattern.status();
  EXPECT_EQ(pattern->name(), "wedge");
  EXPECT_EQ(pattern->num_vertices(), 3);
  EXPECT_TRUE(pattern->labelled());
  EXPECT_EQ(pattern->label(1), 7u);
  EXPECT_EQ(pattern->label(0), kAnyLabel);
  EXPECT_EQ(pattern->Automorphisms().size(), 2u);
}

TEST(Pattern, BadFilesGiveExactErrors) {
  auto error = [](std::string_view text) {
    Result<Pattern> pattern = ParsePatternText(text, "p.txt");
    EXPECT_FALSE(pattern.ok());
    return pattern.ok() ? "" : pattern.status().message();
  };
  EXPECT_EQ(error("0 1\n1 1\n"), "p.txt:2: self-loop on pattern vertex 1");
  EXPECT_EQ(error("0 1\n2 3\n"), "pattern \"p\" is disconnected");
  EXPECT_EQ(error("0 1\n1 x\n"),
            "p.txt:2: expected \"a b\" or \"label v L\" with ids >= 0, got \"1 x\"");
  EXPECT_EQ(error("0 1 2\n"),
            "p.txt:1: expected \"a b\" or \"label v L\" with ids >= 0, got \"0 1 2\"");
  EXPECT_EQ(error("0 8\n"), "pattern \"p\" has 9 vertices, at most 8 are supported");
  EXPECT_EQ(error("# nothing\n"), "p.txt: pattern has no edges");
  EXPECT_EQ(error("0 1\nlabel 3 1\n"), "pattern \"p\" is disconnected");
}

TEST(Pattern, ResolvesFilesAndReportsMissingOnes) {
  syskit::testing::TempDir dir;
  const std::string path = dir.Write("square.pattern", "0 1\n1 2\n2 3\n3 0\n");
  Result<std::vector<Pattern>> patterns = ResolvePatterns(path);
  ASSERT_TRUE(patterns.ok()) << patterns.status();
  EXPECT_EQ((*patterns)[0].name(), "square");
  EXPECT_EQ((*patterns)[0].CanonicalCode(), NamedPattern("4-cycle")->CanonicalCode());
  const std::string missing = dir.File("missing.txt");
  EXPECT_EQ(ErrorOf(missing).rfind("cannot read pattern file \"" + missing + "\": ", 0), 0u);
}

}  // namespace
}  // namespace syskit::mine
