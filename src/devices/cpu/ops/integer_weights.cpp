// supports_integer_weights, seven_bit_weights.
#include "devices/cpu/ops/integer_weights.h"

#include <algorithm>
#include <cmath>
#include <initializer_list>

namespace zenith::cpu {
namespace {

constexpr size_t kXScale = 1, kW = 2, kWScale = 3, kB = 4, kXZeroPoint = 5;

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
  const auto w =
      node.has_input(kW) ? graph.initializers.find(node.inputs[kW]) : graph.initializers.end();
  if (w == graph.initializers.end() || w->second.dtype() != ir::DType::I8 ||
      w->second.dims().size() <= axis)
    return "W is not a constant s8 tensor";
  const int64_t m = w->second.dims()[axis];
  if (!constant_of(graph, node, kXScale, ir::DType::F32, {1}) ||
      !constant_of(graph, node, kWScale, ir::DType::F32, {1, m}) ||
      (node.has_input(kB) && !constant_of(graph, node, kB, ir::DType::F32, {m})))
    return "its scales and bias are not constants of the sizes W needs";
  if (node.has_input(kXZeroPoint) && !constant_of(graph, node, kXZeroPoint, ir::DType::U8, {1}) &&
      !constant_of(graph, node, kXZeroPoint, ir::DType::I8, {1}))
    return "X's zero point is not one u8 / s8 constant";
  return "";
}

ir::Tensor seven_bit_weights(const ir::Tensor& w) {
  ir::Tensor out(ir::DType::I8, w.dims());
  for (int64_t i = 0; i < w.numel(); ++i)
    out.data<int8_t>()[i] = static_cast<int8_t>(std::nearbyint(w.data<int8_t>()[i] / 2.0f));
  return out;
}

}  // namespace zenith::cpu
