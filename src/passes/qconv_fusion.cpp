// QConv fusion: Conv(DequantizeLinear(x), DequantizeLinear(w)) -> zenith.QConv.
#include "passes/qconv_fusion.h"

#include <algorithm>

#include "passes/pattern_util.h"

namespace zenith::passes {
namespace {

// True if the optional zero point input `i` of `dq` is absent or a constant of zeros of `dtype`.
bool zero_points(const ir::Graph& graph, const ir::Node& dq, size_t i, ir::DType dtype) {
  if (!dq.has_input(i)) return dtype == ir::DType::U8;  // ONNX's default zero point type
  const ir::Tensor* z = constant_of(graph, dq.inputs[i]);
  if (!z || z->dtype() != dtype) return false;
  const auto* bytes = reinterpret_cast<const uint8_t*>(z->raw());
  return std::all_of(bytes, bytes + z->size_bytes(), [](uint8_t b) { return b == 0; });
}

// The activation's DequantizeLinear, if it dequantizes u8 or s8 with a scalar scale and a
// scalar constant zero point (absent: u8 0).
const ir::Node* activation_dq(const PatternGraph& g, const std::string& value) {
  const ir::Node* dq = g.producer(value, "DequantizeLinear");
  if (!dq || !dq->has_input(1) || !g.scalar(dq->inputs[1])) return nullptr;
  if (!dq->has_input(2)) return dq;
  const ir::Tensor* z = constant_of(g.graph(), dq->inputs[2]);
  const bool integer = z && (z->dtype() == ir::DType::U8 || z->dtype() == ir::DType::I8);
  return integer && z->numel() == 1 ? dq : nullptr;
}

// The weight's DequantizeLinear, if it dequantizes a constant s8 [M, ...] with zero points 0 and
// one scale or M along axis 0.
const ir::Node* weight_dq(const PatternGraph& g, const std::string& value) {
  const ir::Node* dq = g.producer(value, "DequantizeLinear");
  if (!dq || !dq->has_input(1)) return nullptr;
  const ir::Tensor* w = constant_of(g.graph(), dq->inputs[0]);
  const ir::Tensor* scale = constant_of(g.graph(), dq->inputs[1]);
  if (!w || w->dtype() != ir::DType::I8 || w->dims().empty() || !scale ||
      scale->dtype() != ir::DType::F32 ||
      (dq->has_input(2) && !zero_points(g.graph(), *dq, 2, ir::DType::I8)))  // absent: 0 of w's
    return nullptr;
  const bool per_tensor = scale->numel() == 1;
  const bool per_channel =
      scale->dims() == ir::Dims{w->dims()[0]} && dq->attr<int64_t>("axis", 1) == 0;
  return per_tensor || per_channel ? dq : nullptr;
}

}  // namespace

ChangeCounts fuse_quantized_convs(ir::Graph& graph) {
  const PatternGraph g(graph);
  Fusions fusions(g);
  for (const ir::Node& conv : graph.nodes) {
    if (!is_op(conv, "Conv") || !conv.has_input(0) || !conv.has_input(1) ||
        conv.outputs.size() != 1)
      continue;
    const ir::Node* x = activation_dq(g, conv.inputs[0]);
    const ir::Node* w = weight_dq(g, conv.inputs[1]);
    if (!x || !w) continue;
    std::vector<std::string> inputs = {x->inputs[0], x->inputs[1], w->inputs[0], w->inputs[1]};
    if (conv.has_input(2)) {
      const ir::Tensor* b = constant_of(graph, conv.inputs[2]);
      if (!b || b->dtype() != ir::DType::F32) continue;
      inputs.push_back(conv.inputs[2]);
    }
    const bool zero =
        !x->has_input(2) || zero_points(graph, *x, 2, constant_of(graph, x->inputs[2])->dtype());
    if (!zero) {
      inputs.resize(5);  // B, or "" for none
      inputs.push_back(x->inputs[2]);
    }
    // A residual Add of the output and a dequantized activation: the skip stays integer.
    std::vector<const ir::Node*> nodes = {&conv};
    const ir::Node* add = g.sole_reader(conv.outputs[0], "Add");
    const ir::Node* z = add ? activation_dq(g, other_input(*add, conv.outputs[0])) : nullptr;
    if (z) {
      inputs.resize(6);  // B, X's zero point, or "" for either
      inputs.insert(inputs.end(),
                    {z->inputs[0], z->inputs[1], z->has_input(2) ? z->inputs[2] : ""});
      nodes.push_back(add);
    }
    ir::Node fused = zenith_node("QConv", conv.name, std::move(inputs), nodes.back()->outputs);
    fused.attributes = conv.attributes;
    fusions.add(nodes, std::move(fused));
  }
  return fusions.apply(graph, "QConv");
}

}  // namespace zenith::passes
