// supports_integer_weights, integer_weights.
#include "devices/cpu/ops/integer_weights.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/ops/op_util.h"

namespace zenith::cpu {
namespace {

// True if input `i` of `node` is a constant of `dtype` whose element count is one of `counts`.
bool constant_of(const ir::Graph& graph, const ir::Node& node, size_t i, ir::DType dtype,
                 std::initializer_list<int64_t> counts) {
  const auto it =
      node.has_input(i) ? graph.initializers.find(node.inputs[i]) : graph.initializers.end();
  return it != graph.initializers.end() && it->second.dtype() == dtype &&
         std::find(counts.begin(), counts.end(), it->second.numel()) != counts.end();
}

}  // namespace

std::string supports_integer_weights(const ir::Graph& graph, const ir::Node& node, size_t axis) {
  const auto w = node.has_input(kIntegerW) ? graph.initializers.find(node.inputs[kIntegerW])
                                           : graph.initializers.end();
  if (w == graph.initializers.end() || w->second.dtype() != ir::DType::I8 ||
      w->second.dims().size() <= axis)
    return "W is not a constant s8 tensor";
  const int64_t m = w->second.dims()[axis];
  if (!constant_of(graph, node, kIntegerXScale, ir::DType::F32, {1}) ||
      !constant_of(graph, node, kIntegerWScale, ir::DType::F32, {1, m}) ||
      (node.has_input(kIntegerB) && !constant_of(graph, node, kIntegerB, ir::DType::F32, {m})))
    return "its scales and bias are not constants of the sizes W needs";
  if (node.has_input(kIntegerXZeroPoint) &&
      !constant_of(graph, node, kIntegerXZeroPoint, ir::DType::U8, {1}) &&
      !constant_of(graph, node, kIntegerXZeroPoint, ir::DType::I8, {1}))
    return "X's zero point is not one u8 / s8 constant";
  return "";
}

IntegerWeights integer_weights(const ir::Graph& graph, const ir::Node& node, int64_t channels) {
  IntegerWeights out{graph.initializers.at(node.inputs[kIntegerW]), {}, {}, 0};
  // Without a 32-bit dot product, 7-bit weights: halved, at twice the scale.
  const float w_factor = int8_dot_product() ? 1.0f : 2.0f;
  if (w_factor != 1.0f) {
    ir::Tensor halved(ir::DType::I8, out.weights.dims());
    for (int64_t i = 0; i < halved.numel(); ++i)
      halved.data<int8_t>()[i] =
          static_cast<int8_t>(std::nearbyint(out.weights.data<int8_t>()[i] / 2.0f));
    out.weights = std::move(halved);
  }
  const float x_scale = *graph.initializers.at(node.inputs[kIntegerXScale]).data<float>();
  const ir::Tensor& w_scale = graph.initializers.at(node.inputs[kIntegerWScale]);
  for (int64_t c = 0; c < channels; ++c)
    out.scales.push_back(x_scale * w_factor * w_scale.data<float>()[w_scale.numel() == 1 ? 0 : c]);
  if (node.has_input(kIntegerB)) {
    const ir::Tensor& b = graph.initializers.at(node.inputs[kIntegerB]);
    for (int64_t c = 0; c < channels; ++c)
      out.bias.push_back(b.data<float>()[c] / out.scales[static_cast<size_t>(c)]);
  }
  if (node.has_input(kIntegerXZeroPoint))
    out.x_zero_point = integer_scalar(graph.initializers.at(node.inputs[kIntegerXZeroPoint]));
  return out;
}

}  // namespace zenith::cpu
