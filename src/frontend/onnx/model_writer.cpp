// ir::Graph -> ModelProto: values' types, initializers, attributes and subgraphs, the inverse of
// graph_importer.cpp for the canonical forms.
#include "frontend/onnx/model_writer.h"

#include <fstream>

#include "frontend/onnx/tensor_proto.h"
#include "ir/errors.h"

namespace zenith::onnx_frontend {
namespace {

// The opset the IR's canonical forms are (docs/ARCHITECTURE.md), and the ONNX IR version that
// goes with it.
constexpr int64_t kOpset = 17;
constexpr int64_t kIrVersion = 8;

// Reduce* ops whose opset-17 form takes `axes` as an attribute (ReduceSum took it as an input
// from opset 13).
bool axes_attribute_in_opset17(const std::string& op_type) {
  return op_type.rfind("Reduce", 0) == 0 && op_type != "ReduceSum";
}

void set_type(const ir::TypeInfo& type, onnx::TypeProto& proto) {
  switch (type.kind) {
    case ir::TypeInfo::Kind::Tensor: {
      auto& t = *proto.mutable_tensor_type();
      t.set_elem_type(dtype_to_onnx(type.dtype));
      if (!type.shape) return;
      auto& shape = *t.mutable_shape();
      for (const ir::Dim& d : *type.shape) {
        auto& dim = *shape.add_dim();
        if (d.is_known())
          dim.set_dim_value(d.value);
        else if (!d.symbol.empty())
          dim.set_dim_param(d.symbol);
      }
      return;
    }
    case ir::TypeInfo::Kind::Sequence:
      set_type(*type.elem, *proto.mutable_sequence_type()->mutable_elem_type());
      return;
    case ir::TypeInfo::Kind::Optional:
      set_type(*type.elem, *proto.mutable_optional_type()->mutable_elem_type());
      return;
  }
}

void set_value_info(const ir::ValueInfo& value, onnx::ValueInfoProto& proto) {
  proto.set_name(value.name);
  if (value.type.kind != ir::TypeInfo::Kind::Tensor || value.type.dtype != ir::DType::Undefined)
    set_type(value.type, *proto.mutable_type());
}

void set_tensor(const ir::Tensor& tensor, const std::string& name, onnx::TensorProto& proto) {
  proto.set_name(name);
  proto.set_data_type(dtype_to_onnx(tensor.dtype()));
  for (int64_t d : tensor.dims()) proto.add_dims(d);
  if (tensor.dtype() == ir::DType::String) {
    for (int64_t i = 0; i < tensor.numel(); ++i)
      proto.add_string_data(tensor.data<std::string>()[i]);
  } else {
    proto.set_raw_data(reinterpret_cast<const char*>(tensor.raw()), tensor.size_bytes());
  }
}

void set_graph(const ir::Graph& graph, onnx::GraphProto& proto);

void set_attribute(const std::string& name, const ir::Attribute& value,
                   onnx::AttributeProto& proto) {
  using A = onnx::AttributeProto;
  proto.set_name(name);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          proto.set_type(A::INT);
          proto.set_i(v);
        } else if constexpr (std::is_same_v<T, float>) {
          proto.set_type(A::FLOAT);
          proto.set_f(v);
        } else if constexpr (std::is_same_v<T, std::string>) {
          proto.set_type(A::STRING);
          proto.set_s(v);
        } else if constexpr (std::is_same_v<T, ir::Tensor>) {
          proto.set_type(A::TENSOR);
          set_tensor(v, "", *proto.mutable_t());
        } else if constexpr (std::is_same_v<T, ir::GraphPtr>) {
          proto.set_type(A::GRAPH);
          set_graph(*v, *proto.mutable_g());
        } else if constexpr (std::is_same_v<T, std::vector<int64_t>>) {
          proto.set_type(A::INTS);
          for (int64_t x : v) proto.add_ints(x);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          proto.set_type(A::FLOATS);
          for (float x : v) proto.add_floats(x);
        } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
          proto.set_type(A::STRINGS);
          for (const std::string& x : v) proto.add_strings(x);
        } else if constexpr (std::is_same_v<T, std::vector<ir::Tensor>>) {
          proto.set_type(A::TENSORS);
          for (const ir::Tensor& x : v) set_tensor(x, "", *proto.add_tensors());
        } else {
          proto.set_type(A::GRAPHS);
          for (const ir::GraphPtr& x : v) set_graph(*x, *proto.add_graphs());
        }
      },
      value);
}

void set_node(const ir::Graph& graph, const ir::Node& node, onnx::NodeProto& proto) {
  if (node.domain == "zenith")
    throw_unsupported(
        "node '{}' is zenith.{}, a fusion of Zenith's own that no other runtime knows: export "
        "the model before the passes that make it",
        node.name, node.op_type);
  proto.set_name(node.name);
  proto.set_op_type(node.op_type);
  proto.set_domain(node.domain);
  std::vector<std::string> inputs = node.inputs;
  if (axes_attribute_in_opset17(node.op_type) && node.has_input(1)) {
    const auto axes = graph.initializers.find(node.inputs[1]);
    if (axes == graph.initializers.end())
      throw_unsupported("node '{}' ({}) reduces over computed axes, which opset 17 cannot say",
                        node.name, node.op_type);
    std::vector<int64_t> values;
    for (int64_t i = 0; i < axes->second.numel(); ++i) values.push_back(axes->second.as_int64(i));
    set_attribute("axes", values, *proto.add_attribute());
    inputs.resize(1);
  }
  for (const std::string& in : inputs) proto.add_input(in);
  for (const std::string& out : node.outputs) proto.add_output(out);
  for (const auto& [name, value] : node.attributes)
    set_attribute(name, value, *proto.add_attribute());
}

void set_graph(const ir::Graph& graph, onnx::GraphProto& proto) {
  proto.set_name(graph.name.empty() ? "zenith" : graph.name);
  for (const ir::ValueInfo& v : graph.inputs) set_value_info(v, *proto.add_input());
  for (const ir::ValueInfo& v : graph.outputs) set_value_info(v, *proto.add_output());
  for (const auto& [name, tensor] : graph.initializers)
    set_tensor(tensor, name, *proto.add_initializer());
  for (const ir::Node& node : graph.nodes) set_node(graph, node, *proto.add_node());
}

}  // namespace

void write_model(const ir::Graph& graph, const std::filesystem::path& path) {
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  model.set_producer_name("zenith");
  auto& opset = *model.add_opset_import();
  opset.set_domain("");
  opset.set_version(kOpset);
  for (const auto& [domain, version] : graph.opsets) {  // ai.onnx.ml, ...
    if (domain.empty() || domain == "ai.onnx" || domain == "zenith") continue;
    auto& other = *model.add_opset_import();
    other.set_domain(domain);
    other.set_version(version);
  }
  set_graph(graph, *model.mutable_graph());
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out || !model.SerializeToOstream(&out) || !out.flush())
      throw_invalid_argument("{}: cannot write the ONNX file", tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw_invalid_argument("{}: cannot write the ONNX file: {}", path.string(), ec.message());
}

}  // namespace zenith::onnx_frontend
