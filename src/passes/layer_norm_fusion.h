// layer_norm_fusion: LayerNorm as PyTorch exports it below opset 17 -> LayerNormalization.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces
//   m = ReduceMean(x, axes, keepdims=1);  d = x - m;  v = ReduceMean(Pow(d, 2) or d * d, axes);
//   n = d / Sqrt(v + eps);  [n = n * gamma];  [n = n + beta]
// with y = LayerNormalization(x, gamma or [1], beta, axis=-k, epsilon=eps), where axes are the
// last k axes of x (negative axes, or non-negative ones when x's rank is declared), eps is an
// f32 scalar constant and gamma / beta are f32 constants of rank <= k (either operand order).
// Only when every intermediate is read by the pattern alone (no other node, graph output or
// subgraph). gamma and beta are assumed to broadcast to x's last k dims, as LayerNorm's weights
// do; a gamma that widened a size-1 normalized dim would make the fused node fail at run time.
// Returns the fused count under "LayerNormalization".
ChangeCounts fuse_layer_norms(ir::Graph& graph);

}  // namespace zenith::passes
