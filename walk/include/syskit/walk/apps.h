// The four built-in walks, written against the same Spec API a user would
// use (walk_spec.h): DeepWalk, PPR, node2vec and meta-path.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "syskit/core/env.h"
#include "syskit/core/result.h"
#include "syskit/graph/graph.h"
#include "syskit/walk/walk_spec.h"

namespace syskit::walk {

// DeepWalk (Perozzi et al. 2014): Ps = weight (or 1), Pd = 1, fixed length.
struct DeepWalkSpec : WalkSpecBase<NoState> {};

// Personalised PageRank walks: Ps = weight (or 1), Pd = 1; after each step
// the walk stops with probability stop_prob, so without a length cap the
// number of steps is geometric with mean 1/stop_prob (dead ends and a
// max_steps cap shorten it).
struct PprSpec : WalkSpecBase<NoState> {
  double stop_prob = 1.0 / 80;  // in (0, 1]
  explicit PprSpec(double stop) : stop_prob(stop) {}
  bool Extend(const Walker<NoState>& w, Random& rng) const {
    return w.step == 0 || !rng.Bernoulli(stop_prob);
  }
};

// node2vec (Grover & Leskovec 2016), second order: with t the previous
// vertex, Pd(v->x) = 1/p if x == t, 1 if x is adjacent to t (binary search
// in t's sorted list), 1/q otherwise. The first step has no t and uses Ps
// only (Q = L = 1: every dart is accepted without evaluating Pd).
//
// Envelope: naive Q = max(1/p, 1, 1/q). With use_lower_bound, L = min(1/p,
// 1, 1/q). With use_outlier and 1/p > max(1, 1/q) (p < 1 and p < q), the
// return arc is declared an outlier of height 1/p, Q drops to max(1, 1/q),
// and the outlier's width is the weight of the arc just taken (= Ps(v->t)
// in an undirected graph; the max weight at v in a directed one).
struct Node2vecState {
  VertexId prev = kNoVertex;
  float prev_weight = 1;  // Ps of the arc t->v just taken
};

class Node2vecSpec : public WalkSpecBase<Node2vecState> {
 public:
  static constexpr bool kDynamic = true;

  struct Options {
    double p = 1;
    double q = 1;
    bool use_lower_bound = true;
    bool use_outlier = true;
  };
  // `g` must outlive the spec. p, q > 0 (checked by the caller).
  Node2vecSpec(const graph::Graph& g, const Options& options);

  void OnMove(Walker<State>& w, uint32_t arc, VertexId /*next*/) const {
    w.state.prev = w.current;
    w.state.prev_weight = weighted_ ? weights_[offsets_[w.current] + arc] : 1.0f;
  }
  double UpperBound(const Walker<State>& w) const {
    return w.state.prev == kNoVertex ? 1.0 : upper_;
  }
  double LowerBound(const Walker<State>& w) const {
    return w.state.prev == kNoVertex ? 1.0 : lower_;
  }
  double Dynamic(const Walker<State>& w, uint32_t /*arc*/, VertexId x) const {
    const VertexId t = w.state.prev;
    if (t == kNoVertex) return 1.0;
    if (x == t) return inv_p_;
    return Contains(t, x) ? 1.0 : inv_q_;
  }
  OutlierDecl Outlier(const Walker<State>& w) const {
    if (!outlier_ || w.state.prev == kNoVertex) return {};
    return {inv_p_, directed_ ? max_weight_[w.current] : w.state.prev_weight};
  }
  uint32_t FindOutlier(const Walker<State>& w) const {
    const graph::EdgeIndex begin = offsets_[w.current];
    const graph::EdgeIndex end = offsets_[w.current + 1];
    const VertexId* it = std::lower_bound(targets_ + begin, targets_ + end, w.state.prev);
    if (it == targets_ + end || *it != w.state.prev) return kNoArc;
    return static_cast<uint32_t>(it - (targets_ + begin));
  }

  // Distributed execution (distributed_engine.h): Pd of a non-return arc
  // needs "is x adjacent to t?", answered by t's owner.
  static constexpr bool kRemoteQuery = true;
  VertexId QueryVertex(const Walker<State>& w, uint32_t /*arc*/, VertexId x) const {
    const VertexId t = w.state.prev;
    return t == kNoVertex || x == t ? kNoVertex : t;
  }
  bool Answer(const graph::Graph& local, VertexId t, VertexId x) const {
    return local.HasEdge(t, x);
  }
  double DynamicWithAnswer(const Walker<State>& /*w*/, uint32_t /*arc*/, VertexId /*x*/,
                           bool adjacent) const {
    return adjacent ? 1.0 : inv_q_;
  }

  double p() const { return p_; }
  double q() const { return q_; }

 private:
  // Branch-light binary search for x in u's sorted neighbour list.
  bool Contains(VertexId u, VertexId x) const {
    const VertexId* base = targets_ + offsets_[u];
    uint64_t n = offsets_[u + 1] - offsets_[u];
    if (n == 0) return false;
    while (n > 1) {
      const uint64_t half = n / 2;
      base = base[half - 1] < x ? base + half : base;
      n -= half;
    }
    return *base == x;
  }

  const graph::EdgeIndex* offsets_;
  const VertexId* targets_;
  const float* weights_;
  bool weighted_;
  bool directed_;
  double p_, q_, inv_p_, inv_q_;
  double upper_, lower_;
  bool outlier_;
  std::shared_ptr<const std::vector<float>> max_weight_holder_;
  const float* max_weight_ = nullptr;
};

// Meta-path walks (Dong et al. 2017): walker i follows scheme i mod
// #schemes; step k must take an arc of type S[k mod |S|] (Pd = 1 for those,
// 0 otherwise, Q = 1), so among matching arcs the choice is exactly
// proportional to Ps. Per-vertex per-type arc counts are precomputed: a
// walker at a vertex with no arc of the needed type stops there (Extend is
// false) instead of rejecting forever.
struct MetaPathState {
  uint32_t scheme = 0;
};

class MetaPathSpec : public WalkSpecBase<MetaPathState> {
 public:
  static constexpr bool kDynamic = true;

  // Schemes use the graph's edge-type values. InvalidArgument when the graph
  // is untyped, there is no scheme, a scheme is empty, schemes name more
  // than 255 distinct types, or a scheme names a type no arc has: "scheme 2
  // names edge type 7, which no edge of the graph has" (schemes numbered
  // from 1). `g` must outlive the spec.
  // `check_types_present` false skips the last check: a rank of the
  // distributed engine builds its spec on its partition (which may lack a
  // type) after the check passed on the whole graph.
  static Result<MetaPathSpec> Create(const graph::Graph& g,
                                     const std::vector<std::vector<graph::EdgeType>>& schemes,
                                     bool check_types_present = true);

  State Init(uint64_t walker_id, VertexId /*start*/) const {
    return State{static_cast<uint32_t>(walker_id % schemes_->size())};
  }
  bool Extend(const Walker<State>& w, Random& /*rng*/) const {
    return (*counts_)[uint64_t{w.current} * num_types_ + Needed(w)] > 0;
  }
  double Dynamic(const Walker<State>& w, uint32_t arc, VertexId /*x*/) const {
    return (*dense_types_)[offsets_[w.current] + arc] == Needed(w) ? 1.0 : 0.0;
  }
  // Dense type index the walker's next step needs.
  uint32_t Needed(const Walker<State>& w) const {
    const std::vector<uint32_t>& scheme = (*schemes_)[w.state.scheme];
    return scheme[w.step % scheme.size()];
  }
  // The graph's type value of a dense type index.
  graph::EdgeType TypeValue(uint32_t dense) const { return (*type_values_)[dense]; }

 private:
  MetaPathSpec() = default;
  const graph::EdgeIndex* offsets_ = nullptr;
  uint32_t num_types_ = 0;
  // Shared so copies of the spec (the engine keeps one) stay cheap.
  std::shared_ptr<const std::vector<std::vector<uint32_t>>> schemes_;  // dense types
  std::shared_ptr<const std::vector<uint32_t>> counts_;                // |V| x num_types
  // Per arc: the dense index of its type among the types the schemes name,
  // or num_types_ - 1 for any other type.
  std::shared_ptr<const std::vector<uint8_t>> dense_types_;
  std::shared_ptr<const std::vector<graph::EdgeType>> type_values_;
};

// Parses a scheme file: one scheme per line, whitespace-separated edge types
// (non-negative integers); blank lines and lines starting with '#' skipped.
// InvalidArgument "<path>:<line>: expected edge types (non-negative
// integers), got \"x\"" or "<path>: no schemes"; NotFound for a missing file.
Result<std::vector<std::vector<graph::EdgeType>>> LoadSchemes(Env* env, const std::string& path);

}  // namespace syskit::walk
