// Building blocks the opset converters share.
#include "frontend/onnx/converters/convert_util.h"

#include "ir/errors.h"

namespace zenith::onnx_frontend {

std::string emit_before(ConvertContext& context, const ir::Node& node, std::string op_type,
                        std::vector<std::string> inputs,
                        std::map<std::string, ir::Attribute> attributes) {
  ir::Node added;
  added.op_type = std::move(op_type);
  added.name = context.unique_name(node.name + "_" + added.op_type);
  added.inputs = std::move(inputs);
  added.outputs = {context.unique_name(node.name + "_" + added.op_type + "_out")};
  added.attributes = std::move(attributes);
  std::string output = added.outputs[0];
  context.add_node_before(std::move(added));
  return output;
}

void emit_after(ConvertContext& context, const ir::Node& node, std::string op_type,
                std::vector<std::string> inputs, std::string output,
                std::map<std::string, ir::Attribute> attributes) {
  ir::Node added;
  added.op_type = std::move(op_type);
  added.name = context.unique_name(node.name + "_" + added.op_type);
  added.inputs = std::move(inputs);
  added.outputs = {std::move(output)};
  added.attributes = std::move(attributes);
  context.add_node_after(std::move(added));
}

std::string int64_constant(ConvertContext& context, const ir::Node& node, const std::string& what,
                           const std::vector<int64_t>& values) {
  return context.add_constant(node.name + "_" + what, ir::Tensor::vector_of<int64_t>(values));
}

std::string scalar_like(ConvertContext& context, const ir::Node& node, const std::string& what,
                        float value, const std::string& like) {
  const auto type = context.graph().type_of(like);
  if (type && type->kind == ir::TypeInfo::Kind::Tensor && ir::is_floating(type->dtype)) {
    ir::Tensor t(type->dtype, {});
    ir::visit_numeric(type->dtype, "scalar_like", [&](auto tag) {
      using T = typename decltype(tag)::type;
      *t.data<T>() = T(value);
    });
    return context.add_constant(node.name + "_" + what, std::move(t));
  }
  const std::string f32 = context.add_constant(node.name + "_" + what, ir::Tensor::scalar(value));
  return emit_before(context, node, "CastLike", {f32, like});
}

void set_input(ir::Node& node, size_t index, std::string name) {
  if (node.inputs.size() <= index) node.inputs.resize(index + 1);
  node.inputs[index] = std::move(name);
}

void ints_attribute_to_input(ir::Node& node, ConvertContext& context, const std::string& key,
                             size_t index) {
  if (!node.has_attr(key)) return;
  if (node.has_input(index))
    throw_invalid_model("'{}' is given both as an attribute and as input {}", key, index);
  const auto values = node.attr<std::vector<int64_t>>(key);
  node.attributes.erase(key);
  set_input(node, index, int64_constant(context, node, key, values));
}

std::string redirect_output(ir::Node& node, ConvertContext& context, size_t index) {
  std::string original = node.outputs[index];
  node.outputs[index] = context.unique_name(original + "_" + node.op_type);
  return original;
}

std::optional<int64_t> static_rank(const ConvertContext& context, const std::string& value) {
  const auto type = context.graph().type_of(value);
  if (!type || type->kind != ir::TypeInfo::Kind::Tensor || !type->shape) return std::nullopt;
  return static_cast<int64_t>(type->shape->size());
}

void erase_attributes(ir::Node& node, std::initializer_list<const char*> keys) {
  for (const char* key : keys) node.attributes.erase(key);
}

}  // namespace zenith::onnx_frontend
