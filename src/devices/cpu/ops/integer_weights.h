// What the integer steps (zenith.QConv, zenith.QMatMul) share about their constant s8 weights.
// Both take X, X's scale, W, W's scale, B and X's zero point as inputs 0-5.
#pragma once

#include <string>

#include "ir/graph.h"

namespace zenith::cpu {

// "" if `node`'s W is a constant s8 tensor with more than `axis` axes, its scales (X's one, W's
// one or one per index along `axis`) and B (f32, one per index along `axis`) are constants of
// those sizes, and X's zero point is absent or one u8 / s8 constant; else the reason.
std::string supports_integer_weights(const ir::Graph& graph, const ir::Node& node, size_t axis);

// w / 2 rounded half to even, in [-64, 64]: the 7-bit weights a CPU without a 32-bit int8 dot
// product needs (cpu_isa.h), at twice the scale.
ir::Tensor seven_bit_weights(const ir::Tensor& w);

}  // namespace zenith::cpu
