// einsum_to_matmul: Einsum equations that are a batched matrix product -> MatMul.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces a two-operand Einsum "P i k, P k j -> P i j" (P the same batch labels, in the same
// order, in all three terms; each operand's last two labels in either order; no ellipsis, no
// repeated label) by MatMul, with a Transpose of the last two axes before each operand whose
// labels come as "k i" or "j k". MaxViT exports attention this way ("BGHID,BGHJD->BGHIJ");
// MatMul has CPU kernels and shape inference, so the shape computations downstream fold too.
// Only in a graph compiled for concrete input shapes, and only where the operands' inferred
// dims agree label by label: MatMul would broadcast a batch of 1 against N, which Einsum rejects.
// Returns the count under "Einsum".
ChangeCounts lower_einsums(ir::Graph& graph);

}  // namespace zenith::passes
