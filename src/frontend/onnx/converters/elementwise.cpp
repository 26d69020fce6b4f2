// Converters for elementwise ops: legacy broadcasting (opset < 7), PRelu, Clip, Cast, Gemm.
#include "frontend/onnx/converters/elementwise.h"

#include <onnx/onnx_pb.h>

#include <numeric>

#include "frontend/onnx/converters/convert_util.h"
#include "ir/errors.h"

namespace zenith::onnx_frontend {
namespace {

// Legacy broadcasting aligns B with A starting at dimension `axis` of A. Numpy broadcasting
// aligns from the right, so B gets one trailing 1 for each dimension of A after the matched ones.
void align_at_axis(ir::Node& node, ConvertContext& context, size_t b_index, int64_t axis) {
  const std::string a = node.inputs.at(0);
  const std::string b = node.inputs.at(b_index);
  const auto rank_b = static_rank(context, b);
  if (!rank_b)
    throw_unsupported("broadcasting input '{}' from axis {} needs its rank, which the model does "
                      "not state; give it a value_info or re-export the model with opset >= 7",
                      b, axis);
  if (axis < 0) throw_invalid_model("attribute 'axis' is {}, expected >= 0", axis);
  if (const auto rank_a = static_rank(context, a)) {
    const int64_t trailing = *rank_a - axis - *rank_b;
    if (trailing < 0)
      throw_invalid_model("input '{}' of rank {} does not fit input '{}' of rank {} from axis {}",
                          b, *rank_b, a, *rank_a, axis);
    if (trailing == 0) return;
    std::vector<int64_t> axes(static_cast<size_t>(trailing));
    std::iota(axes.begin(), axes.end(), *rank_b);
    node.inputs[b_index] =
        emit_before(context, node, "Unsqueeze", {b, int64_constant(context, node, "axes", axes)});
    return;
  }
  // A's rank is known only at run time: shape(B) ++ [1] * (rank(A) - axis - rank(B)).
  const std::string tail = emit_before(context, node, "Shape", {a}, {{"start", axis + *rank_b}});
  ir::Tensor one(ir::DType::I64, {1});
  one.data<int64_t>()[0] = 1;
  const std::string ones = emit_before(context, node, "ConstantOfShape",
                                       {emit_before(context, node, "Shape", {tail})},
                                       {{"value", one}});
  const std::string shape = emit_before(context, node, "Concat",
                                        {emit_before(context, node, "Shape", {b}), ones},
                                        {{"axis", int64_t{0}}});
  node.inputs[b_index] = emit_before(context, node, "Reshape", {b, shape});
}

}  // namespace

void convert_legacy_broadcast(ir::Node& node, ConvertContext& context) {
  // Without broadcast=1 the shapes must be equal, and suffix matching (no axis) is a case of
  // numpy broadcasting: only an explicit axis needs a rewrite.
  const bool broadcast = node.attr<int64_t>("broadcast", 0) != 0;
  const bool has_axis = node.has_attr("axis");
  const int64_t axis = node.attr<int64_t>("axis", 0);
  erase_attributes(node, {"broadcast", "axis"});
  if (broadcast && has_axis) align_at_axis(node, context, 1, axis);
}

void convert_prelu(ir::Node& node, ConvertContext& context) {
  if (context.since_version() >= 7 || node.inputs.size() < 2) return;
  // Before version 7 a slope of size C applies per channel (Caffe2's PRelu), which
  // unidirectional broadcasting would align with the last dimension instead.
  auto slope = context.graph().initializers.find(node.inputs[1]);
  if (slope == context.graph().initializers.end() || slope->second.rank() != 1 ||
      slope->second.numel() <= 1)
    return;
  const auto rank_x = static_rank(context, node.inputs[0]);
  if (rank_x && *rank_x < 2) return;
  align_at_axis(node, context, 1, 1);
}

void convert_clip(ir::Node& node, ConvertContext& context) {
  // Clip-6's absent bounds default to the float range, i.e. no bound, as absent inputs do.
  const std::string x = node.inputs.at(0);
  if (node.has_attr("min"))
    set_input(node, 1, scalar_like(context, node, "min", node.attr<float>("min"), x));
  if (node.has_attr("max"))
    set_input(node, 2, scalar_like(context, node, "max", node.attr<float>("max"), x));
  erase_attributes(node, {"min", "max"});
}

void convert_cast(ir::Node& node, ConvertContext& context) {
  auto it = node.attributes.find("to");
  if (it == node.attributes.end()) return;
  const auto* name = std::get_if<std::string>(&it->second);
  if (!name) return;
  onnx::TensorProto_DataType code;
  if (!onnx::TensorProto_DataType_Parse(*name, &code) || code == onnx::TensorProto::UNDEFINED)
    throw_invalid_model("attribute 'to' is '{}', expected a TensorProto.DataType name such as "
                        "'FLOAT'",
                        *name);
  it->second = static_cast<int64_t>(code);
}

void convert_gemm(ir::Node& node, ConvertContext& context) {
  // Gemm < 7 broadcasts C only with broadcast=1, suffix-aligned: a case of unidirectional
  // broadcasting, which Gemm-13 always applies.
  erase_attributes(node, {"broadcast"});
}

}  // namespace zenith::onnx_frontend
