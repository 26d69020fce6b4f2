// qmatmul_fusion: a Linear layer in QDQ form (quantize.h) -> one zenith.QMatMul node that reads
// the integers.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces y = MatMul(DequantizeLinear(x, sx[, zx]), DequantizeLinear(w, sw)) [+ b] and
// y = Gemm(DequantizeLinear(x, ...), DequantizeLinear(w, ...)[, b]) (alpha = beta = 1, A not
// transposed) by y = zenith.QMatMul(x, sx, w, sw[, b][, zx]) with attribute transB (1 when w is
// [N, K], as Gemm's transB = 1 has it; else w is [K, N]): x u8 or s8 with a scalar constant
// scale and zero point (zx given when it is not 0), w a constant 2-D s8 with zero points 0 and
// one scale or one per output column, b an f32 constant [N] (a MatMul's bias is the constant
// operand of an Add that alone reads its output). Y = ((x - zx) * sx) @ (w * sw) + b, over x's
// last axis, whatever its rank. Returns the count under "QMatMul".
ChangeCounts fuse_quantized_matmuls(ir::Graph& graph);

}  // namespace zenith::passes
