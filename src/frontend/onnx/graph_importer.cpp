// GraphProto -> ir::Graph: value types, initializers, attributes, subgraphs, Constant folding
// into initializers, and opset normalization through the converter table.
#include "frontend/onnx/graph_importer.h"

#include <onnx/defs/schema.h>

#include <set>

#include "frontend/onnx/converter.h"
#include "frontend/onnx/tensor_proto.h"
#include "ir/errors.h"
#include "ir/op_registry.h"

namespace zenith::onnx_frontend {
namespace {

ir::TypeInfo type_from_proto(const onnx::TypeProto& proto, std::string_view what) {
  ir::TypeInfo type;
  switch (proto.value_case()) {
    case onnx::TypeProto::kTensorType: {
      const auto& t = proto.tensor_type();
      type.dtype = t.elem_type() == 0 ? ir::DType::Undefined : dtype_from_onnx(t.elem_type(), what);
      if (t.has_shape()) {
        ir::Shape shape;
        for (const auto& d : t.shape().dim()) {
          if (d.has_dim_value()) {
            if (d.dim_value() < 0) throw_invalid_model("{}: negative dimension {}", what, d.dim_value());
            shape.emplace_back(d.dim_value());
          } else {
            shape.push_back(ir::Dim::named(d.dim_param()));
          }
        }
        type.shape = std::move(shape);
      }
      return type;
    }
    case onnx::TypeProto::kSequenceType:
      type.kind = ir::TypeInfo::Kind::Sequence;
      type.elem = std::make_shared<ir::TypeInfo>(type_from_proto(proto.sequence_type().elem_type(), what));
      return type;
    case onnx::TypeProto::kOptionalType:
      type.kind = ir::TypeInfo::Kind::Optional;
      type.elem = std::make_shared<ir::TypeInfo>(type_from_proto(proto.optional_type().elem_type(), what));
      return type;
    default: break;
  }
  throw_unsupported("{}: only tensor, sequence and optional types are supported", what);
}

ir::ValueInfo value_info_from_proto(const onnx::ValueInfoProto& proto) {
  return {proto.name(), proto.has_type() ? type_from_proto(proto.type(), "value '" + proto.name() + "'")
                                         : ir::TypeInfo{}};
}

class Importer {
 public:
  explicit Importer(const ImportOptions& options) : options_(options) {}

  ir::Graph import(const onnx::GraphProto& proto) {
    ir::Graph graph;
    graph.name = proto.name();
    collect_names(proto);
    for (const auto& init : proto.initializer()) {
      const std::string what = "initializer '" + init.name() + "'";
      if (init.name().empty()) throw_invalid_model("an initializer has no name");
      graph.initializers[init.name()] = tensor_from_proto(init, options_.base_dir, what);
    }
    if (proto.sparse_initializer_size() > 0)
      throw_unsupported("sparse initializers are not supported");
    for (const auto& v : proto.input()) graph.inputs.push_back(value_info_from_proto(v));
    for (const auto& v : proto.output()) graph.outputs.push_back(value_info_from_proto(v));
    for (const auto& v : proto.value_info()) {
      ir::ValueInfo info = value_info_from_proto(v);
      graph.value_types[info.name] = info.type;
    }
    for (int i = 0; i < proto.node_size(); ++i) import_node(proto.node(i), i, graph);
    return graph;
  }

 private:
  void collect_names(const onnx::GraphProto& proto) {
    for (const auto& v : proto.input()) names_.insert(v.name());
    for (const auto& v : proto.initializer()) names_.insert(v.name());
    for (const auto& n : proto.node())
      for (const auto& o : n.output()) names_.insert(o);
  }

  ir::Attribute attribute_from_proto(const onnx::AttributeProto& a, const std::string& what) {
    using A = onnx::AttributeProto;
    switch (a.type()) {
      case A::INT: return a.i();
      case A::FLOAT: return a.f();
      case A::STRING: return a.s();
      case A::TENSOR: return tensor_from_proto(a.t(), options_.base_dir, what);
      case A::GRAPH: return subgraph(a.g(), what);
      case A::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
      case A::FLOATS: return std::vector<float>(a.floats().begin(), a.floats().end());
      case A::STRINGS: return std::vector<std::string>(a.strings().begin(), a.strings().end());
      case A::TENSORS: {
        std::vector<ir::Tensor> tensors;
        for (const auto& t : a.tensors()) tensors.push_back(tensor_from_proto(t, options_.base_dir, what));
        return tensors;
      }
      case A::GRAPHS: {
        std::vector<ir::GraphPtr> graphs;
        for (const auto& g : a.graphs()) graphs.push_back(subgraph(g, what));
        return graphs;
      }
      default: break;
    }
    throw_unsupported("{}: attribute type {} is not supported", what,
                      A::AttributeType_Name(a.type()));
  }

  ir::GraphPtr subgraph(const onnx::GraphProto& proto, const std::string& what) {
    try {
      // A subgraph may name values of the enclosing graph, so it shares our name set.
      Importer inner(options_);
      inner.names_ = names_;
      return std::make_shared<ir::Graph>(inner.import(proto));
    } catch (const Error& e) {
      rethrow_with_context(e, what + ": ");
    }
  }

  // Constant nodes become initializers: the IR has one form for constants.
  void import_constant(const ir::Node& node, ir::Graph& graph) {
    if (node.attributes.size() != 1 || node.outputs.size() != 1)
      throw_invalid_model("Constant needs exactly one value attribute and one output");
    const auto& [key, attr] = *node.attributes.begin();
    ir::Tensor value;
    if (key == "value") value = node.attr<ir::Tensor>(key);
    else if (key == "value_float") value = ir::Tensor::scalar(node.attr<float>(key));
    else if (key == "value_int") value = ir::Tensor::scalar(node.attr<int64_t>(key));
    else if (key == "value_string") value = ir::Tensor::scalar(node.attr<std::string>(key));
    else if (key == "value_floats") value = vector_tensor(node.attr<std::vector<float>>(key));
    else if (key == "value_ints") value = vector_tensor(node.attr<std::vector<int64_t>>(key));
    else if (key == "value_strings") value = vector_tensor(node.attr<std::vector<std::string>>(key));
    else throw_unsupported("Constant attribute '{}' is not supported", key);
    graph.initializers[node.outputs[0]] = std::move(value);
  }

  template <typename T>
  static ir::Tensor vector_tensor(const std::vector<T>& values) {
    ir::Tensor t(ir::dtype_of<T>(), {static_cast<int64_t>(values.size())});
    std::copy(values.begin(), values.end(), t.data<T>());
    return t;
  }

  void import_node(const onnx::NodeProto& proto, int index, ir::Graph& graph) {
    ir::Node node;
    node.op_type = proto.op_type();
    node.domain = proto.domain() == "ai.onnx" ? "" : proto.domain();
    node.name = proto.name().empty() ? fmt::format("{}_{}", node.op_type, index) : proto.name();
    node.inputs.assign(proto.input().begin(), proto.input().end());
    node.outputs.assign(proto.output().begin(), proto.output().end());
    try {
      for (const auto& a : proto.attribute()) {
        if (!a.ref_attr_name().empty())
          throw_invalid_model("attribute '{}' refers to a function attribute outside a function",
                              a.name());
        // consumed_inputs is a legacy (opset < 6) in-place hint with no effect on results.
        if (a.name() == "consumed_inputs") continue;
        // Optional's `type` only types an empty optional, which the IR leaves untyped.
        if (a.type() == onnx::AttributeProto::TYPE_PROTO && node.op_type == "Optional") continue;
        node.attributes[a.name()] = attribute_from_proto(a, "attribute '" + a.name() + "'");
      }
      if (node.domain.empty() && node.op_type == "Constant") return import_constant(node, graph);
      normalize(node, graph);
    } catch (const Error& e) {
      rethrow_with_context(e, node.describe() + ": ");
    }
  }

  void normalize(ir::Node& node, ir::Graph& graph) {
    auto opset = options_.opsets.find(node.domain);
    if (opset == options_.opsets.end())
      throw_invalid_model("domain '{}' is not imported by the model (opset_import)", node.domain);
    const auto* schema = onnx::OpSchemaRegistry::Schema(node.op_type, static_cast<int>(opset->second), node.domain);
    if (!schema)
      throw_unsupported("unknown op (domain '{}', opset {}): ONNX defines no such op", node.domain,
                        opset->second);
    const int since = schema->since_version();
    const ir::OpSchema* canonical = ir::find_op(node.domain, node.op_type);
    if (canonical && since > canonical->onnx_version)
      throw_unsupported("version {} of op {} (opset {}) is newer than Zenith supports (up to {})",
                        since, node.op_type, opset->second, canonical->onnx_version);
    const Converter* converter = find_converter(node.domain, node.op_type);
    const bool rewrite_canonical = converter && converter->also_canonical;
    if (canonical && canonical->onnx_version == since && !rewrite_canonical) {
      graph.nodes.push_back(std::move(node));
      return;
    }
    if (!converter || since < converter->min_version) {
      if (!canonical && !converter)
        throw_unsupported("op {} is not supported by Zenith", node.op_type);
      if (!canonical)  // a deprecated op, which the IR has only under its replacement
        throw_unsupported("version {} of op {} (opset {}) is not supported; Zenith supports "
                          "versions {} and later",
                          since, node.op_type, opset->second, converter->min_version);
      throw_unsupported("version {} of op {} (opset {}) is not supported; Zenith supports "
                        "versions {} to {}",
                        since, node.op_type, opset->second,
                        converter ? converter->min_version : canonical->onnx_version,
                        canonical ? canonical->onnx_version : since);
    }
    ConvertContext context(graph, names_, since);
    if (converter->fn) converter->fn(node, context);
    if (!ir::find_op(node.domain, node.op_type))
      throw make_error(Error::Kind::Internal, "converter left op {} not in the IR", node.op_type);
    for (auto& n : context.before()) graph.nodes.push_back(std::move(n));
    graph.nodes.push_back(std::move(node));
    for (auto& n : context.after()) graph.nodes.push_back(std::move(n));
  }

  const ImportOptions& options_;
  std::set<std::string> names_;
};

}  // namespace

ir::Graph import_graph(const onnx::GraphProto& proto, const ImportOptions& options) {
  return Importer(options).import(proto);
}

}  // namespace zenith::onnx_frontend
