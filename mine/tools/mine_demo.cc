// The mine component's part of `syskit demo`: triangles and 4-motifs on
// Karate and CA-GrQc, checked against the reference counts of
// data/graphs/README.md, and frequent subgraph mining on Karate with seeded
// labels, checked by the brute-force MNI.
#include <string>
#include <vector>

#include "syskit/core/demo.h"
#include "syskit/core/random.h"
#include "syskit/core/timer.h"
#include "syskit/graph/io.h"
#include "syskit/mine/brute_force.h"
#include "syskit/mine/executor.h"
#include "syskit/mine/fsm.h"

namespace syskit::mine::tools {
namespace {

struct Reference {
  const char* name;
  const char* file;
  uint64_t triangles;
  std::vector<uint64_t> motifs4;  // 3-star 4-path 4-cycle tailed diamond 4-clique
};

}  // namespace

Status MineDemo(const std::string& data_dir, std::vector<DemoRow>* rows) {
  const Reference references[] = {
      {"Karate", "Karate.edges.txt", 45, {1098, 681, 36, 452, 85, 11}},
      {"CA-GrQc", "CA-GrQc.edges.txt", 48260, {405750, 553322, 1115, 628366, 65717, 329297}},
  };
  for (const Reference& reference : references) {
    SYSKIT_ASSIGN_OR_RETURN(graph::Graph input,
                            graph::LoadGraph(Env::Default(), data_dir + "/graphs/" + reference.file,
                                             graph::LoadOptions{}));
    SYSKIT_ASSIGN_OR_RETURN(MiningGraph mining, MiningGraph::Prepare(input));
    for (const char* spec : {"triangle", "4-motifs"}) {
      Timer timer;
      SYSKIT_ASSIGN_OR_RETURN(std::vector<Pattern> patterns, ResolvePatterns(spec));
      SYSKIT_ASSIGN_OR_RETURN(std::vector<PatternCount> counts,
                              CountPatterns(mining, patterns, CountOptions{}));
      const double seconds = timer.ElapsedSeconds();
      std::vector<uint64_t> expected = std::string(spec) == "triangle"
                                           ? std::vector<uint64_t>{reference.triangles}
                                           : reference.motifs4;
      std::string result;
      bool match = counts.size() == expected.size();
      for (size_t p = 0; p < counts.size(); ++p) {
        result += (p ? " " : "") + counts[p].name + "=" + std::to_string(counts[p].count);
        match = match && counts[p].count == expected[p];
      }
      rows->push_back(DemoRow{"mine", reference.name, result, match ? "ok" : "FAIL", seconds});
    }
  }
  // Frequent subgraphs (MNI support >= 5, up to 3 edges) on Karate with
  // seeded random labels 0..2; every support checked by the brute force.
  {
    SYSKIT_ASSIGN_OR_RETURN(graph::Graph input,
                            graph::LoadGraph(Env::Default(), data_dir + "/graphs/Karate.edges.txt",
                                             graph::LoadOptions{}));
    Random rng(2026);
    std::vector<uint32_t> labels(input.num_vertices());
    for (uint32_t& label : labels) label = static_cast<uint32_t>(rng.Uniform(3));
    SYSKIT_ASSIGN_OR_RETURN(MiningGraph mining, MiningGraph::Prepare(input, labels));
    Timer timer;
    FsmOptions options;
    options.support = 5;
    SYSKIT_ASSIGN_OR_RETURN(std::vector<FrequentPattern> frequent,
                            MineFrequentSubgraphs(mining, options));
    const double seconds = timer.ElapsedSeconds();
    bool match = !frequent.empty();
    int by_edges[4] = {};
    for (const FrequentPattern& entry : frequent) {
      ++by_edges[entry.pattern.num_edges()];
      match = match && BruteForceMni(input, labels, entry.pattern) == entry.support;
    }
    rows->push_back(DemoRow{"mine", "Karate fsm",
                            "fsm support>=5 frequent_1/2/3_edge=" + std::to_string(by_edges[1]) +
                                "/" + std::to_string(by_edges[2]) + "/" +
                                std::to_string(by_edges[3]) + " (MNI = brute force)",
                            match ? "ok" : "FAIL", seconds});
  }
  return Status::OK();
}

}  // namespace syskit::mine::tools
