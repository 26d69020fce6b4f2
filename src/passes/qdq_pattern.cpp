// activation_dq, weight_dq: the QDQ pieces the integer fusions match.
#include "passes/qdq_pattern.h"

#include <algorithm>

namespace zenith::passes {

bool zero_points(const ir::Graph& graph, const ir::Node& dq, size_t i, ir::DType dtype) {
  if (!dq.has_input(i)) return dtype == ir::DType::U8;  // ONNX's default zero point type
  const ir::Tensor* z = constant_of(graph, dq.inputs[i]);
  if (!z || z->dtype() != dtype) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(z->raw());
  return std::all_of(bytes, bytes + z->size_bytes(), [](uint8_t b) { return b == 0; });
}

const ir::Node* activation_dq(const PatternGraph& g, const std::string& value) {
  const ir::Node* dq = g.producer(value, "DequantizeLinear");
  if (!dq || !dq->has_input(1) || !g.scalar(dq->inputs[1])) return nullptr;
  if (!dq->has_input(2)) return dq;
  const ir::Tensor* z = constant_of(g.graph(), dq->inputs[2]);
  const bool integer = z && (z->dtype() == ir::DType::U8 || z->dtype() == ir::DType::I8);
  return integer && z->numel() == 1 ? dq : nullptr;
}

const ir::Node* weight_dq(const PatternGraph& g, const std::string& value, int64_t axis) {
  const ir::Node* dq = g.producer(value, "DequantizeLinear");
  if (!dq || !dq->has_input(1)) return nullptr;
  const ir::Tensor* w = constant_of(g.graph(), dq->inputs[0]);
  const ir::Tensor* scale = constant_of(g.graph(), dq->inputs[1]);
  if (!w || w->dtype() != ir::DType::I8 || static_cast<int64_t>(w->dims().size()) <= axis ||
      !scale || scale->dtype() != ir::DType::F32 ||
      (dq->has_input(2) && !zero_points(g.graph(), *dq, 2, ir::DType::I8)))  // absent: 0 of w's
    return nullptr;
  const bool per_tensor = scale->numel() == 1;
  const bool per_channel = scale->dims() == ir::Dims{w->dims()[static_cast<size_t>(axis)]} &&
                           dq->attr<int64_t>("axis", 1) == axis;
  return per_tensor || per_channel ? dq : nullptr;
}

}  // namespace zenith::passes
