// The built-in KnightKing applications (Yang et al., SOSP 2019, §2): node2vec
// (Grover & Leskovec 2016) with the lower-bound and outlier envelope, and
// meta-path walks (Dong et al. 2017) with per-vertex per-type arc counts.
// Invariant (node2vec): L <= min Pd <= Pd(non-outlier) <= Q, and the single
// declared outlier (the return arc, Pd = 1/p) fits under height 1/p with
// width >= its Ps; meta-path: a walker never samples at a vertex whose count
// for the needed type is 0.
#include "syskit/walk/apps.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>

namespace syskit::walk {

Node2vecSpec::Node2vecSpec(const graph::Graph& g, const Options& options)
    : offsets_(g.offsets().data()),
      targets_(g.targets().data()),
      weights_(g.all_weights().data()),
      weighted_(g.weighted()),
      directed_(g.directed()),
      p_(options.p),
      q_(options.q),
      inv_p_(1.0 / options.p),
      inv_q_(1.0 / options.q) {
  const double non_outlier_max = std::max(1.0, inv_q_);
  outlier_ = options.use_outlier && inv_p_ > non_outlier_max;
  upper_ = outlier_ ? non_outlier_max : std::max(inv_p_, non_outlier_max);
  lower_ = options.use_lower_bound ? std::min({inv_p_, 1.0, inv_q_}) : 0.0;
  if (outlier_ && directed_) {
    auto max_weight = std::make_shared<std::vector<float>>(g.num_vertices(), 1.0f);
    if (weighted_) {
      for (graph::VertexId v = 0; v < g.num_vertices(); ++v) {
        const auto weights = g.weights(v);
        float max = 0;
        for (float w : weights) max = std::max(max, w);
        (*max_weight)[v] = max;
      }
    }
    max_weight_ = max_weight->data();
    max_weight_holder_ = std::move(max_weight);
  }
}

Result<MetaPathSpec> MetaPathSpec::Create(const graph::Graph& g,
                                          const std::vector<std::vector<graph::EdgeType>>& schemes,
                                          bool check_types_present) {
  if (!g.typed()) {
    return InvalidArgumentError("meta-path walks need a typed graph (an edge-type column)");
  }
  if (schemes.empty()) return InvalidArgumentError("no meta-path schemes");
  std::set<graph::EdgeType> present(g.all_types().begin(), g.all_types().end());
  std::map<graph::EdgeType, uint32_t> dense;
  std::vector<graph::EdgeType> values;
  auto dense_schemes = std::make_shared<std::vector<std::vector<uint32_t>>>();
  for (size_t s = 0; s < schemes.size(); ++s) {
    if (schemes[s].empty()) {
      return InvalidArgumentError("scheme " + std::to_string(s + 1) + " is empty");
    }
    std::vector<uint32_t> scheme;
    for (graph::EdgeType type : schemes[s]) {
      if (check_types_present && !present.count(type)) {
        return InvalidArgumentError("scheme " + std::to_string(s + 1) + " names edge type " +
                                    std::to_string(type) + ", which no edge of the graph has");
      }
      auto [it, inserted] = dense.emplace(type, static_cast<uint32_t>(values.size()));
      if (inserted) values.push_back(type);
      scheme.push_back(it->second);
    }
    dense_schemes->push_back(std::move(scheme));
  }
  if (values.size() > 255) {
    return InvalidArgumentError("the schemes name " + std::to_string(values.size()) +
                                " distinct edge types, at most 255 are supported");
  }
  MetaPathSpec spec;
  spec.offsets_ = g.offsets().data();
  spec.num_types_ = static_cast<uint32_t>(values.size()) + 1;  // + "any other type"
  const uint8_t other = static_cast<uint8_t>(values.size());
  auto dense_types = std::make_shared<std::vector<uint8_t>>(g.num_arcs(), other);
  auto counts =
      std::make_shared<std::vector<uint32_t>>(uint64_t{g.num_vertices()} * spec.num_types_, 0u);
  const auto all_types = g.all_types();
  for (graph::VertexId v = 0; v < g.num_vertices(); ++v) {
    for (graph::EdgeIndex e = g.offsets()[v]; e < g.offsets()[v + 1]; ++e) {
      auto it = dense.find(all_types[e]);
      const uint8_t type = it == dense.end() ? other : static_cast<uint8_t>(it->second);
      (*dense_types)[e] = type;
      ++(*counts)[uint64_t{v} * spec.num_types_ + type];
    }
  }
  spec.schemes_ = std::move(dense_schemes);
  spec.counts_ = std::move(counts);
  spec.dense_types_ = std::move(dense_types);
  spec.type_values_ = std::make_shared<const std::vector<graph::EdgeType>>(std::move(values));
  return spec;
}

Result<std::vector<std::vector<graph::EdgeType>>> LoadSchemes(Env* env, const std::string& path) {
  SYSKIT_ASSIGN_OR_RETURN(auto file, env->MapFile(path));
  std::istringstream in{std::string(file->data())};
  std::vector<std::vector<graph::EdgeType>> schemes;
  std::string line;
  for (int line_number = 1; std::getline(in, line); ++line_number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream fields(line);
    std::string field;
    std::vector<graph::EdgeType> scheme;
    while (fields >> field) {
      if (scheme.empty() && field[0] == '#') break;
      char* end = nullptr;
      errno = 0;
      const unsigned long long value = std::strtoull(field.c_str(), &end, 10);
      if (field[0] == '-' || *end != '\0' || errno != 0 || value > 0xffffffffULL) {
        return InvalidArgumentError(path + ":" + std::to_string(line_number) +
                                    ": expected edge types (non-negative integers), got \"" +
                                    field + "\"");
      }
      scheme.push_back(static_cast<graph::EdgeType>(value));
    }
    if (!scheme.empty()) schemes.push_back(std::move(scheme));
  }
  if (schemes.empty()) return InvalidArgumentError(path + ": no schemes");
  return schemes;
}

}  // namespace syskit::walk
