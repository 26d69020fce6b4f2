// identity_elimination: removes nodes that pass their first input through unchanged.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Removes these pass-through nodes by making their readers read the input instead:
// - Identity;
// - Dropout in inference mode (training_mode absent or a constant false) whose mask is unused;
// - Reshape to a constant shape that provably equals the input's declared shape, Flatten of a
//   declared rank-2 input with axis 1, and Pad with constant all-zero pads.
// If the node's output is a graph output, its input's producer is renamed to produce it instead;
// when the input has no producer (a graph input or initializer) or is itself a graph output, the
// node stays. Values read by name inside subgraphs are never renamed.
// Returns the removed nodes counted by op type.
ChangeCounts eliminate_identities(ir::Graph& graph);

}  // namespace zenith::passes
