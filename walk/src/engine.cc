// Option checks shared by WalkEngine and ExactWalker (the engines
// themselves are templates in engine.h and exact_sampler.h: KnightKing's
// rejection sampler with lower bound and outlier appendix, and the exact
// inverse-transform reference).
#include "syskit/walk/engine.h"

#include <string>

namespace syskit::walk {

Status ValidateWalkOptions(const graph::Graph& g, const WalkOptions& options) {
  if (g.num_vertices() == 0) return InvalidArgumentError("the graph has no vertices");
  if (options.num_walkers == 0 && options.walkers_per_vertex == 0) {
    return InvalidArgumentError("no walkers: num_walkers and walkers_per_vertex are both 0");
  }
  if (options.max_steps == 0) {
    return InvalidArgumentError("max_steps must be at least 1, got 0");
  }
  return Status::OK();
}

}  // namespace syskit::walk
