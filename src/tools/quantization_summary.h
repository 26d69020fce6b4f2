// What a quantized (QDQ) model's file says about its quantization: each quantized activation's
// and weight's type, scales and zero points, as `zenith info` shows them.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace zenith::tools {

struct QuantizedValue {
  std::string value;          // the f32 value quantized (an activation, or a weight's name)
  bool weight = false;        // a constant quantized in the file, else an activation
  std::string dtype;          // "u8", "s8", "i32"
  std::vector<float> scales;  // one, or one per channel along `axis`
  int64_t axis = 0;
  std::vector<int64_t> zero_points;
};

// Per QuantizeLinear (activations) and per DequantizeLinear of a constant (weights, biases)
// whose scale and zero point are constants, in graph order.
std::vector<QuantizedValue> quantized_values(const ir::Graph& graph);

}  // namespace zenith::tools
