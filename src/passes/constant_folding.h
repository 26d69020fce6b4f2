// constant_folding: evaluates nodes whose inputs are all constants, at compile time.
#pragma once

#include <cstddef>

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Folding a small constant into a huge one (Expand, Tile, ConstantOfShape) would bloat the model
// file and its memory for no speed-up, so bigger results stay computed at run time.
inline constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

// Replaces by initializers, in one topological sweep (so whole constant subgraphs fold):
// - each deterministic node without subgraphs whose inputs are all constants (initializers that
//   no graph input overrides) or absent, evaluated with the REF kernels, when every output is a
//   tensor of at most `max_output_bytes`;
// - each Shape whose input's declared_shape (pass_util.h) has only known dims.
// A node whose kernel throws is left in place, so the error still surfaces at run time. The
// folded nodes' inputs may become unused; run eliminate_dead_nodes after.
// Returns the folded nodes counted by op type.
ChangeCounts fold_constants(ir::Graph& graph, size_t max_output_bytes = kMaxFoldedBytes);

}  // namespace zenith::passes
