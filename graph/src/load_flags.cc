// Load flags shared by the graph-consuming tools.
#include "syskit/graph/load_flags.h"

#include <map>
#include <string>

namespace syskit::graph {

void AddLoadFlags(CLI::App& app, LoadOptions* options) {
  app.add_flag("--directed", options->directed, "treat each line u v as an arc u->v only");
  app.add_flag("--weighted", options->weighted, "expect a weight column: u v w");
  app.add_flag("--typed", options->typed, "expect an edge-type column: u v [w] t");
  static const std::map<std::string, SelfLoopPolicy> kLoopPolicies = {
      {"drop", SelfLoopPolicy::kDrop}, {"keep", SelfLoopPolicy::kKeep}};
  app.add_option("--self_loops", options->self_loops, "self-loop policy: drop or keep")
      ->transform(CLI::CheckedTransformer(kLoopPolicies, CLI::ignore_case))
      ->default_str("drop");
  static const std::map<std::string, DuplicatePolicy> kDuplicatePolicies = {
      {"merge", DuplicatePolicy::kMerge}, {"keep", DuplicatePolicy::kKeep}};
  app.add_option("--duplicates", options->duplicates,
                 "duplicate-edge policy: merge (keep the first) or keep (multigraph)")
      ->transform(CLI::CheckedTransformer(kDuplicatePolicies, CLI::ignore_case))
      ->default_str("merge");
  app.add_option("--threads", options->threads, "loader threads (0 = all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no_verify{false}", options->verify_checksums,
               "skip section checksums when loading a binary graph");
}

}  // namespace syskit::graph
