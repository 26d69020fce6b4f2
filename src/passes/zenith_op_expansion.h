// zenith_op_expansion: Zenith's own fused activations and attention back into standard ONNX
// nodes, for a graph written for other runtimes (`zenith convert --export-qdq`).
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces each zenith.Attention, zenith.Gelu and zenith.Swish by the ONNX nodes that compute it
// (the forms docs/ARCHITECTURE.md defines them by: MatMul, Mul by the scale, Add of the mask,
// Softmax on the last axis, MatMul; Gelu's erf or tanh form; x * Sigmoid(alpha x)), in its
// place, with f32 scalar constants. Other zenith-domain nodes stay. Returns the counts by op.
ChangeCounts expand_zenith_ops(ir::Graph& graph);

}  // namespace zenith::passes
