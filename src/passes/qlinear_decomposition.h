// qlinear_decomposition: the QOperator format other tools write (QLinearConv, QLinearMatMul) in
// the QDQ form the rest of the pipeline reads, so that such a Conv becomes zenith.QConv.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces y = QLinearConv(x, sx, zx, w, sw, zw, sy, zy[, b]) by
//   Q(Conv(DQ(x, sx, zx), DQ(w, sw, zw, axis 0)[, DQ(b, sx * sw, axis 0)]), sy, zy)
// and y = QLinearMatMul(a, sa, za, b, sb, zb, sy, zy) by
//   Q(MatMul(DQ(a, sa, za), DQ(b, sb, zb, axis 1)), sy, zy)
// where a per-axis scale is along axis 1 of a 2-D B (its columns), and a per-axis scale of a
// batched B stays a QLinearMatMul. The same numbers: ONNX defines both ops as the dequantized
// product requantized, and the integer sums are exact in f32 for the sizes a layer has. The
// bias scale sx * sw is a Mul of constants, which constant folding folds. Returns the counts
// under "QLinearConv" and "QLinearMatMul".
ChangeCounts decompose_qlinear_ops(ir::Graph& graph);

}  // namespace zenith::passes
