// shape_folding: once every input has a concrete shape, the small integer tensors that shape
// computations make (Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters write for
// dynamic axes) are constants; this pass makes them initializers so constant folding and dead
// node elimination remove those subgraphs and the devices see constant shapes.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces by initializers the outputs of Shape, and of Gather, Slice, Concat, Squeeze,
// Unsqueeze, Reshape, Identity, integer Cast and Add/Sub/Mul/Div over such values, whose
// contents static shape inference (ir::infer_shape_facts) determines from the input shapes
// alone. Values computed from data never qualify: every input of such a node must itself be
// a folded value or a constant. Does nothing while a runtime input has a symbolic or unknown
// dim. Returns the replaced nodes counted by op type.
ChangeCounts fold_shapes(ir::Graph& graph);

}  // namespace zenith::passes
