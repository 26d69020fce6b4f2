// swish_fusion: SiLU / Swish as PyTorch exports it -> one zenith.Swish node.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces y = Mul(x, Sigmoid(x)) (either operand order) by y = zenith.Swish(x, alpha=1),
// placed where the Mul was, when the Sigmoid's output is read by that Mul alone (no other node,
// graph output or subgraph). Returns the fused count under "Swish".
ChangeCounts fuse_swishes(ir::Graph& graph);

}  // namespace zenith::passes
