// The unified walk model of KnightKing (Yang et al., SOSP 2019) as a C++
// interface: a walk is defined by a Spec type that the engine takes as a
// template parameter, so every per-trial call is a direct, inlinable call.
//
// The transition weight of an out-arc e = (v, x) for a walker w at v is
//   Ps(e) * Pd(e, v, w)
// and an extension decides, before each step, whether the walk goes on.
//
// A Spec is any type with the members below. Derive from WalkSpecBase<State>
// to inherit the defaults of a static (first-order) walk and override what
// your walk needs; the engine calls the most-derived name (name hiding, no
// virtual functions).
//
//   using State = ...;                  // per-walker state: small, trivially copyable
//   static constexpr bool kDynamic;     // false: Pd == 1 everywhere, no rejection
//   State Init(uint64_t walker_id, VertexId start) const;
//   bool UniformStatic(const Graph&) const;                // Ps == 1 for every arc
//   double StaticWeight(const Graph&, VertexId v, uint32_t arc) const;  // Ps > 0
//   bool Extend(const Walker<State>&, Random&) const;      // false ends the walk
//   void OnMove(Walker<State>&, uint32_t arc, VertexId next) const;
// Dynamic walks (kDynamic == true) also:
//   double UpperBound(const Walker<State>&) const;  // Q: >= Pd of every non-outlier arc
//   double LowerBound(const Walker<State>&) const;  // L: <= Pd of every arc; 0 = none
//   double Dynamic(const Walker<State>&, uint32_t arc, VertexId x) const;  // Pd >= 0
//   OutlierDecl Outlier(const Walker<State>&) const;    // height 0 = no outlier
//   uint32_t FindOutlier(const Walker<State>&) const;   // its arc index, or kNoArc
// Distributed execution (DistributedWalkEngine) also reads, for dynamic walks
// whose Pd needs another partition's adjacency:
//   static constexpr bool kRemoteQuery;  // false: Dynamic() only reads local state
//   VertexId QueryVertex(const Walker<State>&, uint32_t arc, VertexId x) const;
//       // the vertex whose owner answers for this Pd, or kNoVertex: Dynamic() is local
//   bool Answer(const Graph& local, VertexId query_vertex, VertexId x) const;
//       // evaluated at query_vertex's owner, on its partition
//   double DynamicWithAnswer(const Walker<State>&, uint32_t arc, VertexId x, bool answer) const;
//       // must equal Dynamic(w, arc, x) on the whole graph
//
// `arc` is always the index into w.current's neighbour list (0..degree-1).
// StaticWeight is read once, when the engine builds its alias tables; the
// other calls happen per step or per trial and must be cheap and
// thread-safe (const, no shared mutable state): a walker's path depends only
// on its own state and RNG stream, never on which thread runs it.
//
// Outliers: at most one arc per (walker, step) may be declared an outlier,
// with a Pd up to `height` above Q. The engine adds an appendix of area
// width * (height - Q) to the envelope, where width must be >= Ps of the
// outlier arc; a dart in the appendix finds the arc with FindOutlier and
// accepts with probability Ps*(Pd - Q) / (width*(height - Q)). In the main
// rectangle every arc accepts with min(Pd, Q).
#pragma once

#include <cstdint>
#include <limits>

#include "syskit/core/random.h"
#include "syskit/graph/graph.h"

namespace syskit::walk {

using graph::VertexId;

inline constexpr uint32_t kNoArc = std::numeric_limits<uint32_t>::max();
inline constexpr VertexId kNoVertex = std::numeric_limits<VertexId>::max();

// A walker as the engine and the Spec see it. `step` is the number of steps
// taken so far (0 at the start vertex).
template <typename State>
struct Walker {
  uint64_t id = 0;
  VertexId current = 0;
  uint32_t step = 0;
  State state{};
};

// An outlier declaration: `height` is the declared maximum of the outlier's
// Pd (0 = no outlier this step), `width` an upper bound on its Ps.
struct OutlierDecl {
  double height = 0;
  double width = 0;
};

struct NoState {};

// Defaults of a static walk: Ps = edge weight (or 1 on an unweighted
// graph), Pd = 1, never terminates on its own (the engine's length cap and
// dead ends end it).
template <typename StateT = NoState>
struct WalkSpecBase {
  using State = StateT;
  static constexpr bool kDynamic = false;

  State Init(uint64_t /*walker_id*/, VertexId /*start*/) const { return State{}; }
  bool UniformStatic(const graph::Graph& g) const { return !g.weighted(); }
  double StaticWeight(const graph::Graph& g, VertexId v, uint32_t arc) const {
    return g.weighted() ? g.weights(v)[arc] : 1.0;
  }
  bool Extend(const Walker<State>& /*w*/, Random& /*rng*/) const { return true; }
  void OnMove(Walker<State>& /*w*/, uint32_t /*arc*/, VertexId /*next*/) const {}

  double UpperBound(const Walker<State>& /*w*/) const { return 1.0; }
  double LowerBound(const Walker<State>& /*w*/) const { return 0.0; }
  double Dynamic(const Walker<State>& /*w*/, uint32_t /*arc*/, VertexId /*x*/) const { return 1.0; }
  OutlierDecl Outlier(const Walker<State>& /*w*/) const { return {}; }
  uint32_t FindOutlier(const Walker<State>& /*w*/) const { return kNoArc; }

  static constexpr bool kRemoteQuery = false;
  VertexId QueryVertex(const Walker<State>& /*w*/, uint32_t /*arc*/, VertexId /*x*/) const {
    return kNoVertex;
  }
  bool Answer(const graph::Graph& /*local*/, VertexId /*query_vertex*/, VertexId /*x*/) const {
    return false;
  }
  double DynamicWithAnswer(const Walker<State>& /*w*/, uint32_t /*arc*/, VertexId /*x*/,
                           bool /*answer*/) const {
    return 1.0;
  }
};

}  // namespace syskit::walk
