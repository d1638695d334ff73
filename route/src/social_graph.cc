// Friendship graphs for connection-aware routing (see social_graph.h).
#include "syskit/route/social_graph.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>
#include <unordered_map>

#include "syskit/core/random.h"

namespace syskit::route {

Result<SocialGraph> SocialGraph::FromEdges(int32_t num_users,
                                           const std::vector<std::pair<int32_t, int32_t>>& edges) {
  SocialGraph graph;
  graph.offsets.assign(num_users + 1, 0);
  graph.region.assign(num_users, 0);
  graph.group.assign(num_users, 0);
  for (const auto& [u, v] : edges) {
    if (u < 0 || v < 0 || u >= num_users || v >= num_users) {
      return InvalidArgumentError(
          fmt::format("edge ({}, {}) outside the {} users", u, v, num_users));
    }
    if (u == v) continue;
    ++graph.offsets[u + 1];
    ++graph.offsets[v + 1];
  }
  std::partial_sum(graph.offsets.begin(), graph.offsets.end(), graph.offsets.begin());
  graph.neighbors.resize(graph.offsets.back());
  std::vector<int64_t> cursor(graph.offsets.begin(), graph.offsets.end() - 1);
  for (const auto& [u, v] : edges) {
    if (u == v) continue;
    graph.neighbors[cursor[u]++] = v;
    graph.neighbors[cursor[v]++] = u;
  }
  // Sort and deduplicate each row, compacting in place.
  std::vector<int64_t> offsets(num_users + 1, 0);
  int64_t out = 0;
  for (int32_t u = 0; u < num_users; ++u) {
    auto begin = graph.neighbors.begin() + graph.offsets[u];
    auto end = graph.neighbors.begin() + graph.offsets[u + 1];
    std::sort(begin, end);
    auto unique_end = std::unique(begin, end);
    for (auto it = begin; it != unique_end; ++it) graph.neighbors[out++] = *it;
    offsets[u + 1] = out;
  }
  graph.neighbors.resize(out);
  graph.offsets = std::move(offsets);
  return graph;
}

Result<SocialGraph> LoadEdgeList(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError(fmt::format("{}: cannot open", path));
  std::unordered_map<int64_t, int32_t> ids;
  std::vector<std::pair<int32_t, int32_t>> edges;
  auto id_of = [&](int64_t raw) {
    auto [it, inserted] = ids.emplace(raw, static_cast<int32_t>(ids.size()));
    return it->second;
  };
  std::string line;
  for (int64_t line_number = 1; std::getline(in, line); ++line_number) {
    if (line.empty() || line[0] == '#' || line[0] == '%') continue;
    std::istringstream fields(line);
    int64_t u, v;
    if (!(fields >> u >> v)) {
      return InvalidArgumentError(
          fmt::format("{}:{}: expected two user ids, got \"{}\"", path, line_number, line));
    }
    const int32_t a = id_of(u);
    edges.emplace_back(a, id_of(v));
  }
  return SocialGraph::FromEdges(static_cast<int32_t>(ids.size()), edges);
}

SocialGraph ExcludeHubs(const SocialGraph& graph, int64_t max_degree) {
  std::vector<std::pair<int32_t, int32_t>> edges;
  for (int32_t u = 0; u < graph.num_users(); ++u) {
    if (graph.degree(u) > max_degree) continue;
    for (int64_t i = graph.offsets[u]; i < graph.offsets[u + 1]; ++i) {
      const int32_t v = graph.neighbors[i];
      if (u < v && graph.degree(v) <= max_degree) edges.emplace_back(u, v);
    }
  }
  SocialGraph out = std::move(SocialGraph::FromEdges(graph.num_users(), edges)).value();
  out.region = graph.region;
  out.group = graph.group;
  return out;
}

SocialGraph GenerateHierarchicalSbm(const SbmOptions& options) {
  Random rng(options.seed, 0x5b3);
  const int32_t users = options.users;
  // Hierarchy position p of user: region = p * regions / users; community =
  // p / community_size; group = community / 16. Ids are a random permutation
  // of positions.
  std::vector<int32_t> id_of(users);
  std::iota(id_of.begin(), id_of.end(), 0);
  for (int32_t i = users - 1; i > 0; --i) std::swap(id_of[i], id_of[rng.Uniform(i + 1)]);
  const int32_t per_region = (users + options.regions - 1) / options.regions;
  const int32_t community = std::max<int32_t>(2, options.community_size);
  const int32_t group = community * 16;
  auto poisson = [&](double mean) {
    // Knuth's method; means here are small.
    const double limit = std::exp(-mean);
    int count = 0;
    double product = rng.NextDouble();
    while (product > limit) {
      ++count;
      product *= rng.NextDouble();
    }
    return count;
  };
  std::vector<std::pair<int32_t, int32_t>> edges;
  auto pick = [&](int32_t begin, int32_t end) {
    return begin + static_cast<int32_t>(rng.Uniform(static_cast<uint64_t>(end - begin)));
  };
  for (int32_t p = 0; p < users; ++p) {
    const int32_t region_begin = (p / per_region) * per_region;
    const int32_t region_end = std::min(users, region_begin + per_region);
    const int32_t community_begin = region_begin + ((p - region_begin) / community) * community;
    const int32_t community_end = std::min(region_end, community_begin + community);
    const int32_t group_begin = region_begin + ((p - region_begin) / group) * group;
    const int32_t group_end = std::min(region_end, group_begin + group);
    // Each edge is drawn from both ends, so halve the means.
    for (int k = poisson(options.friends_in_community / 2); k > 0; --k) {
      edges.emplace_back(id_of[p], id_of[pick(community_begin, community_end)]);
    }
    for (int k = poisson(options.friends_in_group / 2); k > 0; --k) {
      edges.emplace_back(id_of[p], id_of[pick(group_begin, group_end)]);
    }
    for (int k = poisson(options.friends_in_region / 2); k > 0; --k) {
      edges.emplace_back(id_of[p], id_of[pick(region_begin, region_end)]);
    }
    for (int k = poisson(options.friends_global / 2); k > 0; --k) {
      edges.emplace_back(id_of[p], id_of[pick(0, users)]);
    }
  }
  SocialGraph graph = std::move(SocialGraph::FromEdges(users, edges)).value();
  for (int32_t p = 0; p < users; ++p) {
    graph.region[id_of[p]] = p / per_region;
    graph.group[id_of[p]] = (p % per_region) / group;
  }
  return graph;
}

}  // namespace syskit::route
