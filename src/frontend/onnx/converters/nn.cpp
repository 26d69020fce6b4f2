// Converters for neural-network ops: Softmax family, BatchNormalization, Dropout, Upsample and
// Resize, RNN family, RoiAlign, Scatter.
#include "frontend/onnx/converters/nn.h"

#include "frontend/onnx/converters/convert_util.h"
#include "ir/errors.h"

namespace zenith::onnx_frontend {
namespace {

// A value holding `name`'s tensor flattened to 1-D.
std::string flatten_1d(ConvertContext& context, const ir::Node& node, const std::string& name) {
  return emit_before(context, node, "Reshape", {name, int64_constant(context, node, "flat", {-1})});
}

// BatchNormalization < 9 with spatial=0 normalizes each (channel, position) on its own: the same
// as normalizing a (N, C*D1*..*Dn) input whose channels are the flattened positions, as
// BatchNormalization-9's documentation advises.
void convert_non_spatial(ir::Node& node, ConvertContext& context) {
  const std::string x = node.inputs.at(0);
  node.inputs[0] = emit_before(context, node, "Flatten", {x}, {{"axis", int64_t{1}}});
  for (size_t i = 1; i < node.inputs.size() && i <= 4; ++i)
    node.inputs[i] = flatten_1d(context, node, node.inputs[i]);
  const std::string y = redirect_output(node, context, 0);
  emit_after(context, node, "Reshape", {node.outputs[0], emit_before(context, node, "Shape", {x})},
             y);
}

// Resize-13 inputs and attributes for Upsample-7/9 and Resize-10, which map output coordinates
// back as x / scale and take the nearest pixel below (onnx's Resize 10 -> 11 adapter agrees).
void resize_from_scales(ir::Node& node, const std::string& scales) {
  const std::string mode = node.attr<std::string>("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    throw_invalid_model("attribute 'mode' is '{}', expected 'nearest' or 'linear'", mode);
  node.op_type = "Resize";
  node.inputs = {node.inputs.at(0), "", scales};
  node.attributes.clear();
  node.attributes["mode"] = mode;
  node.attributes["coordinate_transformation_mode"] = std::string("asymmetric");
  if (mode == "nearest") node.attributes["nearest_mode"] = std::string("floor");
}

}  // namespace

void convert_softmax(ir::Node& node, ConvertContext& context) {
  if (context.since_version() >= 13) return;
  const int64_t axis = node.attr<int64_t>("axis", 1);
  const std::string x = node.inputs.at(0);
  const auto rank = static_rank(context, x);
  // Coercing at the last axis leaves each row alone: the canonical op with axis=-1 is the same.
  if (axis == -1 || (rank && axis == *rank - 1)) {
    node.attributes["axis"] = int64_t{-1};
    return;
  }
  node.inputs[0] = emit_before(context, node, "Flatten", {x}, {{"axis", axis}});
  node.attributes["axis"] = int64_t{1};
  const std::string y = redirect_output(node, context, 0);
  emit_after(context, node, "Reshape", {node.outputs[0], emit_before(context, node, "Shape", {x})},
             y);
}

void convert_batch_normalization(ir::Node& node, ConvertContext& context) {
  const int version = context.since_version();
  if (version >= 14) return;
  // Before 7 `is_test` (default 0) chose the mode; from 7 to 9 the outputs did: the running
  // statistics outputs exist only in training.
  const bool training = version < 7 ? node.attr<int64_t>("is_test", 0) == 0
                              : node.has_output(1) || node.has_output(2);
  // saved_mean and saved_var (training only) are the batch statistics a framework's own
  // backward reuses; PyTorch writes them and nothing reads them. They are dropped: a node that
  // did read one fails validation, naming the value no node produces.
  const bool spatial = node.attr<int64_t>("spatial", 1) != 0;
  erase_attributes(node, {"is_test", "spatial"});
  if (node.outputs.size() > 3) node.outputs.resize(3);
  if (training) node.attributes["training_mode"] = int64_t{1};
  if (!spatial) {
    if (training)
      throw_unsupported("BatchNormalization-{} with spatial=0 is supported for inference only",
                        version);
    convert_non_spatial(node, context);
  }
}

void convert_dropout(ir::Node& node, ConvertContext& context) {
  const int version = context.since_version();
  if (version >= 12) return;
  // Before 7, is_test=0 (the default) asked for a random dropout; from 7 on the runtime decides,
  // and inference means none.
  const bool training = version < 7 && node.attr<int64_t>("is_test", 0) == 0;
  const float ratio = node.attr<float>("ratio", 0.5f);
  if (node.has_attr("ratio") || training)
    set_input(node, 1, context.add_constant(node.name + "_ratio", ir::Tensor::scalar(ratio)));
  if (training)
    set_input(node, 2,
              context.add_constant(node.name + "_training_mode", ir::Tensor::scalar(true)));
  erase_attributes(node, {"ratio", "is_test"});
  // The mask had the data's type before version 10; it is bool since.
  if (version < 10 && node.has_output(1)) {
    const std::string mask = redirect_output(node, context, 1);
    emit_after(context, node, "CastLike", {node.outputs[1], node.inputs[0]}, mask);
  }
}

void convert_upsample(ir::Node& node, ConvertContext& context) {
  if (context.since_version() >= 9) {
    if (!node.has_input(1)) throw_invalid_model("input 1 (scales) is missing");
    return resize_from_scales(node, node.inputs[1]);
  }
  const auto scales = node.attr<std::vector<float>>("scales");
  ir::Tensor t(ir::DType::F32, {static_cast<int64_t>(scales.size())});
  std::copy(scales.begin(), scales.end(), t.data<float>());
  resize_from_scales(node, context.add_constant(node.name + "_scales", std::move(t)));
}

void convert_resize(ir::Node& node, ConvertContext& context) {
  if (context.since_version() == 10) {
    if (!node.has_input(1)) throw_invalid_model("input 1 (scales) is missing");
    return resize_from_scales(node, node.inputs[1]);
  }
  // Resize-11 needed roi and scales even when unused, and passed empty tensors for them;
  // Resize-13 marks them absent.
  const auto& initializers = context.graph().initializers;
  for (size_t i = 1; i <= 2 && i < node.inputs.size(); ++i) {
    auto it = initializers.find(node.inputs[i]);
    if (it != initializers.end() && it->second.numel() == 0) node.inputs[i].clear();
  }
}

void convert_recurrent(ir::Node& node, ConvertContext& context) {
  // output_sequence=0 only allowed leaving Y unfilled; an unused Y is simply not listed.
  erase_attributes(node, {"output_sequence"});
}

void convert_roi_align(ir::Node& node, ConvertContext& context) {
  if (context.since_version() < 16 && !node.has_attr("coordinate_transformation_mode"))
    node.attributes["coordinate_transformation_mode"] = std::string("output_half_pixel");
}

void convert_scatter(ir::Node& node, ConvertContext& context) {
  // Scatter-9 and -11 are ScatterElements-11 under an older name.
  node.op_type = "ScatterElements";
}

}  // namespace zenith::onnx_frontend
