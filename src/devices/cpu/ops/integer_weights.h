// What the integer steps (zenith.QConv, zenith.QMatMul) share about their constant s8 weights.
// Both take X, X's scale, W, W's scale, B and X's zero point as inputs 0-5.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace zenith::cpu {

// The positions of those inputs.
constexpr size_t kIntegerX = 0, kIntegerXScale = 1, kIntegerW = 2, kIntegerWScale = 3,
                 kIntegerB = 4, kIntegerXZeroPoint = 5;

// "" if `node`'s W is a constant s8 tensor with more than `axis` axes, its scales (X's one, W's
// one or one per index along `axis`) and B (f32, one per index along `axis`) are constants of
// those sizes, and X's zero point is absent or one u8 / s8 constant; else the reason.
std::string supports_integer_weights(const ir::Graph& graph, const ir::Node& node, size_t axis);

// What an integer step computes with: its s8 weights (halved to 7 bits, rounded half to even,
// where the CPU has no 32-bit int8 dot product, cpu_isa.h), per output channel the output scale
// x_scale * w_scale[c] (doubled with halved weights) and B divided by it (the accumulator's
// units: oneDNN adds the bias before it scales), and X's zero point.
struct IntegerWeights {
  ir::Tensor weights;
  std::vector<float> scales, bias;
  int32_t x_zero_point = 0;
};

// Those of `node` (its inputs as supports_integer_weights checks them), which has `channels`
// output channels.
IntegerWeights integer_weights(const ir::Graph& graph, const ir::Node& node, int64_t channels);

}  // namespace zenith::cpu
