// Converters for elementwise ops: legacy broadcasting (opset < 7), PRelu, Clip, Cast, Gemm.
#pragma once

#include "frontend/onnx/converter.h"

namespace zenith::onnx_frontend {

// Add/Sub/Mul/Div/Pow/And/Or/Xor/Equal/Greater/Less < 7: `broadcast` and `axis` attributes.
void convert_legacy_broadcast(ir::Node& node, ConvertContext& context);
// PRelu < 7: a 1-D slope applies per channel (axis 1).
void convert_prelu(ir::Node& node, ConvertContext& context);
// Clip < 11: `min` / `max` attributes -> inputs.
void convert_clip(ir::Node& node, ConvertContext& context);
// Cast-1: `to` is a type name ("FLOAT") rather than a TensorProto.DataType code.
void convert_cast(ir::Node& node, ConvertContext& context);
// Gemm < 7: `broadcast` attribute.
void convert_gemm(ir::Node& node, ConvertContext& context);

}  // namespace zenith::onnx_frontend
