// The DequantizeLinear nodes the integer fusions (qconv_fusion, qmatmul_fusion) read through:
// an activation's, and a constant weight's.
#pragma once

#include <string>

#include "passes/pattern_util.h"

namespace zenith::passes {

// True if the optional zero point input `i` of `dq` is absent (for u8: ONNX's default type) or
// a constant of zeros of `dtype`.
bool zero_points(const ir::Graph& graph, const ir::Node& dq, size_t i, ir::DType dtype);

// The activation's DequantizeLinear, if it dequantizes u8 or s8 with a scalar scale and a
// scalar constant zero point (absent: u8 0).
const ir::Node* activation_dq(const PatternGraph& g, const std::string& value);

// The weight's DequantizeLinear, if it dequantizes a constant s8 tensor with zero points 0 and
// one scale or one per index along `axis` (a per-channel scale's ONNX axis attribute).
const ir::Node* weight_dq(const PatternGraph& g, const std::string& value, int64_t axis);

}  // namespace zenith::passes
