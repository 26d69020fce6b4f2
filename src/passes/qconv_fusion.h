// qconv_fusion: a Conv in QDQ form (quantize.h) -> one zenith.QConv node that reads the integers.
#pragma once

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// Replaces y = Conv(DequantizeLinear(x, sx), DequantizeLinear(w, sw)[, b]) by
// y = zenith.QConv(x, sx, w, sw[, b][, zx]) with the Conv's attributes, and a residual
// y = Add(Conv(...), DequantizeLinear(z, sz[, zz])) whose Conv output nothing else reads by
// y = zenith.QConv(x, sx, w, sw, b, zx, z, sz, zz) ("" for absent ones), where x and z are u8
// or s8 with a scalar constant scale and zero point (zx, given when it is not 0),
// w a constant s8 with zero points 0 and a constant scale
// that is one value or one per output channel (axis 0), and b absent or an f32 constant (an i32
// bias read through DequantizeLinear has been folded to one). The DequantizeLinear nodes stay
// for other readers; dead node elimination drops them otherwise. Returns the count under "QConv".
ChangeCounts fuse_quantized_convs(ir::Graph& graph);

}  // namespace zenith::passes
