// Seeded synthetic graph generators. Output is an EdgeList with ids in
// [0, n); feed it to BuildGraph. The result depends only on the parameters
// and the seed, never on the thread count.
#pragma once

#include <cstdint>

#include "syskit/core/result.h"
#include "syskit/graph/edge_list.h"

namespace syskit::graph {

// R-MAT / Kronecker (Chakrabarti et al. 2004; Graph500 parameters by
// default): 2^scale vertices, edge_factor * 2^scale edge records, each placed
// by recursively choosing a quadrant with probabilities a, b, c and
// d = 1 - a - b - c. Vertex ids are scrambled by a seeded permutation (as in
// Graph500) so degree does not correlate with id. Records may repeat and may
// be self-loops; BuildGraph's policies handle them.
struct RmatOptions {
  int scale = 16;             // 2^scale vertices, 1..31
  uint64_t edge_factor = 16;  // edge records per vertex
  double a = 0.57, b = 0.19, c = 0.19;
  uint64_t seed = 1;
  bool scramble_ids = true;
  int threads = 0;  // 0 = all cores
};
// Errors: InvalidArgument when scale is outside 1..31, edge_factor is 0 or
// edge_factor * 2^scale overflows, a probability is negative or NaN, or
// a + b + c > 1; ResourceExhausted when the records cannot be allocated.
Result<EdgeList> GenerateRmat(const RmatOptions& options);

// Erdős–Rényi G(n, m): m edge records with both endpoints uniform in [0, n),
// self-loops excluded (records may repeat; the builder merges them).
struct ErdosRenyiOptions {
  uint64_t num_vertices = 1 << 16;
  uint64_t num_edges = 1 << 20;
  uint64_t seed = 1;
  int threads = 0;
};
// Errors: InvalidArgument when num_vertices < 2; ResourceExhausted when the
// records cannot be allocated.
Result<EdgeList> GenerateErdosRenyi(const ErdosRenyiOptions& options);

}  // namespace syskit::graph
