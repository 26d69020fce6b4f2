// attention_fusion: scaled dot-product attention -> one zenith.Attention node.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces
//   s = MatMul(Q, K);  [s = s * c | c * s | s / c];  [s = s + Mask | Mask + s];
//   p = Softmax(s, axis=-1);  y = MatMul(p, V)
// (c an f32 scalar constant) with y = zenith.Attention(Q, K, V[, Mask], scale = c or 1/c).
// K is the already transposed key, as exporters write Q @ K^T. Only when every intermediate
// is read by the pattern alone. Returns the fused count under "Attention".
ChangeCounts fuse_attention(ir::Graph& graph);

}  // namespace zenith::passes
