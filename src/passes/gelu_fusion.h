// gelu_fusion: GELU as PyTorch exports it below opset 20 -> one zenith.Gelu node.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces, with f32 scalar constants (recognised up to float rounding) and a product of x, t
// and 0.5 in any order and association:
//   erf form   t = 1 + Erf(x / sqrt(2))   (or Erf(x * 1/sqrt(2)))           -> approximate "none"
//   tanh form  t = 1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)), with x^3 as Pow(x, 3) or
//              x * (x * x)                                                  -> approximate "tanh"
//   y = x * t * 0.5
// by y = zenith.Gelu(x), placed where y was produced. Only when every intermediate is read by
// the pattern alone (no other node, graph output or subgraph). Returns the fused count under
// "Gelu".
ChangeCounts fuse_gelus(ir::Graph& graph);

}  // namespace zenith::passes
