// Converters for shape and reduction ops whose attributes became inputs.
#include "frontend/onnx/converters/shape_ops.h"

#include "frontend/onnx/converters/convert_util.h"
#include "frontend/onnx/tensor_proto.h"
#include "ir/errors.h"

namespace zenith::onnx_frontend {

// Reduce ops took `axes` as an attribute until opset 18 (ReduceSum until 13). The IR follows the
// opset-18 form for all of them so that kernels see one form; this also runs at the canonical
// version (its row sets also_canonical), where e.g. ReduceMean-13 still has the attribute.
void convert_reduce(ir::Node& node, ConvertContext& context) {
  ints_attribute_to_input(node, context, "axes", 1);
}

void convert_squeeze(ir::Node& node, ConvertContext& context) {
  ints_attribute_to_input(node, context, "axes", 1);
}

void convert_reshape(ir::Node& node, ConvertContext& context) {
  ints_attribute_to_input(node, context, "shape", 1);
}

void convert_slice(ir::Node& node, ConvertContext& context) {
  ints_attribute_to_input(node, context, "starts", 1);
  ints_attribute_to_input(node, context, "ends", 2);
  ints_attribute_to_input(node, context, "axes", 3);
}

void convert_split(ir::Node& node, ConvertContext& context) {
  // Split-1 could also take the lengths as input 1, typed like the data (float) where Split-13
  // wants i64.
  if (context.since_version() < 2 && node.has_input(1)) {
    const int64_t i64 = dtype_to_onnx(ir::DType::I64);
    node.inputs[1] = emit_before(context, node, "Cast", {node.inputs[1]}, {{"to", i64}});
  }
  ints_attribute_to_input(node, context, "split", 1);
}

void convert_pad(ir::Node& node, ConvertContext& context) {
  if (node.has_attr("paddings")) {
    node.attributes["pads"] = node.attributes["paddings"];
    node.attributes.erase("paddings");
  }
  if (!node.has_attr("pads")) return;
  ints_attribute_to_input(node, context, "pads", 1);
  const float value = node.attr<float>("value", 0.0f);
  node.attributes.erase("value");
  // An absent constant_value pads with 0, as the old default value did.
  if (value != 0.0f && node.attr<std::string>("mode", "constant") == "constant")
    set_input(node, 2, scalar_like(context, node, "value", value, node.inputs[0]));
}

void convert_tile(ir::Node& node, ConvertContext& context) {
  if (context.since_version() >= 6) return;
  if (node.inputs.size() != 3 || !node.has_input(1) || !node.has_input(2))
    throw_invalid_model("Tile-1 takes 3 inputs (input, tiles, axis), {} given", node.inputs.size());
  // repeats = [1] * rank(input) with repeats[axis] = tiles, computed at run time because Tile-1's
  // tiles and axis are tensors (typed like the data, says its schema: hence the casts).
  const int64_t i64 = dtype_to_onnx(ir::DType::I64);
  auto as_index = [&](const std::string& value) {
    const std::string cast = emit_before(context, node, "Cast", {value}, {{"to", i64}});
    return emit_before(context, node, "Reshape", {cast, int64_constant(context, node, "one", {1})});
  };
  const std::string tiles = as_index(node.inputs[1]);
  const std::string axis = as_index(node.inputs[2]);
  ir::Tensor one(ir::DType::I64, {1});
  one.data<int64_t>()[0] = 1;
  const std::string rank = emit_before(
      context, node, "Shape", {emit_before(context, node, "Shape", {node.inputs[0]})});
  const std::string ones = emit_before(context, node, "ConstantOfShape", {rank}, {{"value", one}});
  const std::string repeats = emit_before(context, node, "ScatterElements", {ones, axis, tiles},
                                          {{"axis", int64_t{0}}});
  node.inputs = {node.inputs[0], repeats};
}

void convert_topk(ir::Node& node, ConvertContext& context) {
  if (!node.has_attr("k")) return;
  if (node.has_input(1)) throw_invalid_model("'k' is given both as an attribute and as input 1");
  const int64_t k = node.attr<int64_t>("k");
  node.attributes.erase("k");
  set_input(node, 1, int64_constant(context, node, "k", {k}));
}

void convert_concat(ir::Node& node, ConvertContext& context) {
  if (!node.has_attr("axis")) node.attributes["axis"] = int64_t{1};
}

}  // namespace zenith::onnx_frontend
