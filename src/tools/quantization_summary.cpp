// quantized_values: the QDQ nodes' constants, read back.
#include "tools/quantization_summary.h"

#include <type_traits>

namespace zenith::tools {
namespace {

const ir::Tensor* constant(const ir::Graph& graph, const ir::Node& node, size_t i) {
  if (!node.has_input(i)) return nullptr;
  const auto it = graph.initializers.find(node.inputs[i]);
  return it == graph.initializers.end() ? nullptr : &it->second;
}

std::vector<int64_t> integers(const ir::Tensor& t) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < t.numel(); ++i) out.push_back(static_cast<int64_t>(t.as_double(i)));
  return out;
}

}  // namespace

std::vector<QuantizedValue> quantized_values(const ir::Graph& graph) {
  std::vector<QuantizedValue> out;
  for (const ir::Node& node : graph.nodes) {
    const bool q = node.domain.empty() && node.op_type == "QuantizeLinear";
    const bool dq = node.domain.empty() && node.op_type == "DequantizeLinear";
    const ir::Tensor* scale = constant(graph, node, 1);
    if (!(q || dq) || !scale || scale->dtype() != ir::DType::F32) continue;
    const ir::Tensor* data = constant(graph, node, 0);
    if (dq && !data) continue;  // an activation's: its QuantizeLinear is listed
    const ir::Tensor* zero = constant(graph, node, 2);
    QuantizedValue v;
    v.value = node.inputs[0];
    v.weight = dq;
    v.dtype = ir::dtype_name(dq ? data->dtype() : zero ? zero->dtype() : ir::DType::U8);
    v.scales.assign(scale->data<float>(), scale->data<float>() + scale->numel());
    v.axis = node.attr<int64_t>("axis", 1);
    v.zero_points = zero ? integers(*zero) : std::vector<int64_t>(1, 0);
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace zenith::tools
