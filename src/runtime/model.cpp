// Model: ports read from the graph, and reshape.
#include "ir/errors.h"
#include "passes/freeze_input_shapes.h"
#include "runtime/model_impl.h"
#include "runtime/tensor_bridge.h"

namespace zenith {
namespace runtime {

Port to_port(const ir::ValueInfo& value, std::string_view source) {
  const ir::TypeInfo& type = value.type;
  if (type.kind != ir::TypeInfo::Kind::Tensor)
    throw_unsupported("{}: '{}' is {}; the API passes tensors only", source, value.name,
                      ir::to_string(type));
  Port port{value.name};
  if (type.dtype != ir::DType::Undefined) {
    const std::optional<ElementType> element = to_element_type(type.dtype);
    if (!element)
      throw_unsupported("{}: '{}' has dtype {}, which the API has no ElementType for", source,
                        value.name, ir::dtype_name(type.dtype));
    port.element_type = *element;
  }
  port.has_shape = type.shape.has_value();
  if (type.shape)
    for (const ir::Dim& d : *type.shape) {
      port.shape.push_back(d.is_known() ? d.value : -1);
      port.dim_names.push_back(d.is_known() ? "" : d.symbol);
    }
  return port;
}

size_t port_index(const std::vector<Port>& ports, const std::string& name, std::string_view kind) {
  std::vector<std::string> names;
  for (size_t i = 0; i < ports.size(); ++i) {
    if (ports[i].name == name) return i;
    names.push_back("'" + ports[i].name + "'");
  }
  throw_invalid_argument("the model has no {} '{}'; its {}s are {}", kind, name, kind,
                         names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
}

const Port& find_port(const std::vector<Port>& ports, const std::string& name,
                      std::string_view kind) {
  return ports[port_index(ports, name, kind)];
}

}  // namespace runtime

std::string to_string(const Port& port) {
  if (!port.has_shape) return fmt::format("{}[?]", to_string(port.element_type));
  std::vector<std::string> dims;
  for (size_t i = 0; i < port.shape.size(); ++i)
    dims.push_back(port.shape[i] >= 0          ? std::to_string(port.shape[i])
                   : port.dim_names[i].empty() ? "?"
                                               : port.dim_names[i]);
  return fmt::format("{}[{}]", to_string(port.element_type), fmt::join(dims, ","));
}

Model::Impl::Impl(ir::Graph g) : graph(std::move(g)) {
  for (const ir::ValueInfo* v : graph.runtime_inputs())
    inputs.push_back(runtime::to_port(*v, graph.source));
  for (const ir::ValueInfo& v : graph.outputs) outputs.push_back(runtime::to_port(v, graph.source));
}

const std::string& Model::source() const { return impl_->graph.source; }
const std::vector<Port>& Model::inputs() const { return impl_->inputs; }
const std::vector<Port>& Model::outputs() const { return impl_->outputs; }
const Port& Model::input(const std::string& name) const {
  return runtime::find_port(impl_->inputs, name, "input");
}
const Port& Model::output(const std::string& name) const {
  return runtime::find_port(impl_->outputs, name, "output");
}

void Model::reshape(const Shape& shape) {
  if (impl_->inputs.size() != 1)
    throw_invalid_argument(
        "{}: reshape(shape) needs a model with one input; this one has {}: name them", source(),
        impl_->inputs.size());
  reshape({{impl_->inputs[0].name, shape}});
}

void Model::reshape(const std::map<std::string, Shape>& shapes) {
  ir::Graph graph = impl_->graph;  // copies share initializer storage: cheap
  passes::freeze_input_shapes(graph, {shapes.begin(), shapes.end()});
  impl_ = std::make_shared<const Impl>(std::move(graph));
}

}  // namespace zenith
