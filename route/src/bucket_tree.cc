// Recursive balanced bipartition into a bucket tree (Taiji/Social Hash),
// with METIS_PartGraphRecursive(nparts = 2) at every node; see bucket_tree.h.
// Invariant: at depth d every node's users are split into two halves whose
// sizes differ by at most the METIS imbalance, so leaves are balanced.
#include "syskit/route/bucket_tree.h"

#include <fmt/format.h>
#include <metis.h>

#include <algorithm>
#include <numeric>

#include "syskit/core/random.h"

namespace syskit::route {
namespace {

// Splits `users` (one tree node) into part 0 and part 1 (`part` per index).
Status Bisect(const SocialGraph& graph, const std::vector<int32_t>& users,
              std::vector<int32_t>* local, double imbalance, uint64_t seed,
              std::vector<idx_t>* part) {
  const idx_t n = static_cast<idx_t>(users.size());
  part->assign(n, 0);
  for (idx_t i = 0; i < n; ++i) (*local)[users[i]] = i;
  std::vector<idx_t> xadj(n + 1, 0), adjncy;
  for (idx_t i = 0; i < n; ++i) {
    const int32_t u = users[i];
    for (int64_t k = graph.offsets[u]; k < graph.offsets[u + 1]; ++k) {
      const int32_t j = (*local)[graph.neighbors[k]];
      if (j >= 0) adjncy.push_back(j);
    }
    xadj[i + 1] = static_cast<idx_t>(adjncy.size());
  }
  Status status;
  if (adjncy.empty() || n < 4) {
    // Nothing to cut: split by position.
    for (idx_t i = n / 2; i < n; ++i) (*part)[i] = 1;
  } else {
    idx_t nvtxs = n, ncon = 1, nparts = 2, objval = 0;
    real_t ubvec = static_cast<real_t>(imbalance);
    idx_t metis_options[METIS_NOPTIONS];
    METIS_SetDefaultOptions(metis_options);
    metis_options[METIS_OPTION_SEED] = static_cast<idx_t>(seed & 0x7fffffff);
    const int rc = METIS_PartGraphRecursive(&nvtxs, &ncon, xadj.data(), adjncy.data(), nullptr,
                                            nullptr, nullptr, &nparts, nullptr, &ubvec,
                                            metis_options, &objval, part->data());
    if (rc != METIS_OK) status = InternalError(fmt::format("metis bisection failed (rc={})", rc));
  }
  for (idx_t i = 0; i < n; ++i) (*local)[users[i]] = -1;
  return status;
}

}  // namespace

std::vector<double> CutByLevel(const SocialGraph& graph, const std::vector<uint32_t>& bucket,
                               int height) {
  std::vector<double> cut(height + 1, 0.0);
  const double edges = std::max<int64_t>(1, graph.num_edges());
  for (int32_t u = 0; u < graph.num_users(); ++u) {
    for (int64_t k = graph.offsets[u]; k < graph.offsets[u + 1]; ++k) {
      const int32_t v = graph.neighbors[k];
      if (v <= u) continue;
      for (int level = 1; level <= height; ++level) {
        if ((bucket[u] >> (height - level)) != (bucket[v] >> (height - level))) {
          cut[level] += 1;
        }
      }
    }
  }
  for (double& c : cut) c /= edges;
  return cut;
}

Result<BucketTree> BuildBucketTree(const SocialGraph& graph, const BucketTreeOptions& options) {
  if (options.height < 1 || options.height > 20) {
    return InvalidArgumentError(
        fmt::format("bucket tree height must be in [1, 20], got {}", options.height));
  }
  const int32_t num_users = graph.num_users();
  const std::vector<uint32_t>* previous = options.previous;
  if (previous != nullptr && previous->size() != static_cast<size_t>(num_users)) {
    return InvalidArgumentError(
        fmt::format("previous assignment has {} users, graph has {}", previous->size(), num_users));
  }
  const int height = options.height;
  BucketTree tree;
  tree.height = height;
  tree.bucket.assign(num_users, 0);
  std::vector<int32_t> local(num_users, -1);
  // Nodes of the current level: their users; node index = bucket prefix.
  std::vector<std::vector<int32_t>> level(1);
  level[0].resize(num_users);
  std::iota(level[0].begin(), level[0].end(), 0);
  std::vector<idx_t> part;
  for (int depth = 0; depth < height; ++depth) {
    std::vector<std::vector<int32_t>> next(level.size() * 2);
    for (size_t node = 0; node < level.size(); ++node) {
      const auto& users = level[node];
      if (users.empty()) continue;
      SYSKIT_RETURN_IF_ERROR(Bisect(graph, users, &local, options.imbalance,
                                    options.seed * 1000003 + node * 31 + depth, &part));
      // Orient the split to agree with last week's tree.
      bool flip = false;
      if (previous != nullptr) {
        int64_t agree = 0, disagree = 0;
        const uint32_t shift = height - depth - 1;
        for (size_t i = 0; i < users.size(); ++i) {
          const uint32_t prev = (*previous)[users[i]] >> shift;
          const uint32_t want = (static_cast<uint32_t>(node) << 1) | part[i];
          agree += prev == want;
          disagree += prev == (want ^ 1u);
        }
        flip = disagree > agree;
      }
      for (size_t i = 0; i < users.size(); ++i) {
        const int side = static_cast<int>(part[i]) ^ (flip ? 1 : 0);
        next[node * 2 + side].push_back(users[i]);
      }
    }
    level = std::move(next);
  }
  for (size_t node = 0; node < level.size(); ++node) {
    for (int32_t u : level[node]) tree.bucket[u] = static_cast<uint32_t>(node);
  }
  if (previous != nullptr) {
    std::vector<int32_t> movers;
    for (int32_t u = 0; u < num_users; ++u) {
      if (tree.bucket[u] != (*previous)[u]) movers.push_back(u);
    }
    const auto allowed = static_cast<size_t>(options.move_cap * num_users);
    if (movers.size() > allowed) {
      Random rng(options.seed, 0xb7);
      for (size_t i = movers.size() - 1; i > 0; --i)
        std::swap(movers[i], movers[rng.Uniform(i + 1)]);
      for (size_t i = allowed; i < movers.size(); ++i)
        tree.bucket[movers[i]] = (*previous)[movers[i]];
      movers.resize(allowed);
    }
    tree.moved_share = num_users > 0 ? static_cast<double>(movers.size()) / num_users : 0;
  }
  tree.cut_by_level = CutByLevel(graph, tree.bucket, height);
  return tree;
}

}  // namespace syskit::route
