// The REF interpreter: binds inputs and constants, runs kernels in order, frees dead values.
#include "devices/reference/interpreter.h"

#include <algorithm>
#include <set>

#include "ir/errors.h"

namespace zenith::ref {
std::string node_context(const ir::Graph& graph, const ir::Node& node) {
  return fmt::format("{}{}{}: ", graph.source, graph.source.empty() ? "" : ": ", node.describe());
}

bool has_subgraph(const ir::Node& node) {
  for (const auto& [key, attr] : node.attributes)
    if (std::holds_alternative<ir::GraphPtr>(attr) ||
        std::holds_alternative<std::vector<ir::GraphPtr>>(attr))
      return true;
  return false;
}

PreparedGraph Interpreter::prepare(const ir::Graph& graph) const {
  PreparedGraph prepared;
  for (const ir::Node& node : graph.nodes)
    prepared.kernels.push_back(kernels_.find(node.domain, node.op_type));
  auto& dead = prepared.frees;
  dead.resize(graph.nodes.size());
  for (const ir::Node& node : graph.nodes)
    if (has_subgraph(node)) return prepared;
  std::set<std::string> keep;
  for (const ir::ValueInfo& v : graph.outputs) keep.insert(v.name);
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& in : graph.nodes[i].inputs)
      if (!in.empty()) last[in] = i;
  for (const auto& [name, index] : last)
    if (!keep.count(name) && !graph.initializers.count(name)) dead[index].push_back(name);
  return prepared;
}

const ir::Value* Scope::find(const std::string& name) const {
  for (const Scope* s = this; s; s = s->parent_)
    if (auto it = s->values_.find(name); it != s->values_.end()) return &it->second;
  return nullptr;
}

const ir::Tensor& KernelContext::input(size_t i) const {
  const ir::Value& v = input_value(i);
  // The name is formatted only for the error: every REF kernel reads its inputs through here.
  return v.is_tensor() ? v.tensor() : v.tensor(fmt::format("input {} ('{}')", i, node_.inputs[i]));
}

const ir::Value& KernelContext::input_value(size_t i) const {
  if (!has_input(i))
    throw_invalid_model("input {} is required but {}", i,
                        i < node_.inputs.size() ? "empty" : "not given");
  return *inputs_[i];
}

ir::Tensor& KernelContext::allocate_output(size_t i, ir::DType dtype, ir::Dims dims) {
  ZENITH_ASSERT(i < outputs_.size());
  outputs_[i] = ir::Tensor(dtype, std::move(dims));
  return const_cast<ir::Tensor&>(outputs_[i].tensor());
}

void KernelContext::set_output(size_t i, ir::Value value) {
  ZENITH_ASSERT(i < outputs_.size());
  outputs_[i] = std::move(value);
}

std::vector<ir::Value> KernelContext::run_subgraph(const ir::Graph& graph,
                                                   const std::vector<ir::Value>& inputs,
                                                   const PreparedGraph* prepared) const {
  return interpreter_.run_in_scope(graph, inputs, scope_, rng_, prepared);
}

PreparedGraph KernelContext::prepare(const ir::Graph& graph) const {
  return interpreter_.prepare(graph);
}

void Interpreter::check_supported(const ir::Graph& graph) const {
  for (const ir::Node& node : graph.nodes) {
    if (!kernels_.find(node.domain, node.op_type))
      throw_unsupported("{}{}{}: the REF device has no kernel for this op", graph.source,
                        graph.source.empty() ? "" : ": ", node.describe());
    for (const auto& [key, attr] : node.attributes) {
      if (const auto* g = std::get_if<ir::GraphPtr>(&attr)) check_supported(**g);
      if (const auto* gs = std::get_if<std::vector<ir::GraphPtr>>(&attr))
        for (const auto& g : *gs) check_supported(*g);
    }
  }
}

void Interpreter::check_feed(const ir::Graph& graph, const ir::ValueInfo& input,
                             const ir::Value& value) {
  if (input.type.kind != ir::TypeInfo::Kind::Tensor || !value.is_tensor()) return;
  const ir::Tensor& t = value.tensor();
  if (input.type.dtype != ir::DType::Undefined && t.dtype() != input.type.dtype)
    throw_invalid_argument("{}: input '{}' has dtype {}, expected {}", graph.source, input.name,
                           ir::dtype_name(t.dtype()), ir::to_string(input.type));
  if (!input.type.shape) return;
  const ir::Shape& shape = *input.type.shape;
  bool ok = shape.size() == t.dims().size();
  for (size_t i = 0; ok && i < shape.size(); ++i)
    ok = !shape[i].is_known() || shape[i].value == t.dims()[i];
  if (!ok)
    throw_invalid_argument("{}: input '{}' has shape {}, expected {}", graph.source, input.name,
                           ir::to_string(t.dims()), ir::to_string(input.type));
}

void Interpreter::bind_feeds(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                             Scope& scope) {
  for (const auto& [name, value] : feeds) {
    auto it = std::find_if(graph.inputs.begin(), graph.inputs.end(),
                           [&](const ir::ValueInfo& v) { return v.name == name; });
    if (it == graph.inputs.end())
      throw_invalid_argument("{}: '{}' is not an input of the graph", graph.source, name);
    check_feed(graph, *it, value);
    scope.set(name, value);
  }
  for (const ir::ValueInfo* input : graph.runtime_inputs())
    if (!feeds.count(input->name))
      throw_invalid_argument("{}: no value given for graph input '{}' ({})", graph.source,
                             input->name, ir::to_string(input->type));
}

void Interpreter::bind_initializers(const ir::Graph& graph, Scope& scope) {
  for (const auto& [name, tensor] : graph.initializers)
    if (!scope.has_local(name)) scope.set(name, tensor);
}

std::vector<ir::Value> Interpreter::run(const ir::Graph& graph,
                                        const std::map<std::string, ir::Value>& feeds,
                                        uint64_t seed) const {
  Scope scope;
  bind_feeds(graph, feeds, scope);
  bind_initializers(graph, scope);
  std::mt19937_64 rng(seed);
  return execute(graph, scope, rng);
}

std::vector<ir::Value> Interpreter::run_in_scope(const ir::Graph& graph,
                                                 const std::vector<ir::Value>& inputs,
                                                 const Scope& outer, std::mt19937_64& rng,
                                                 const PreparedGraph* prepared) const {
  if (inputs.size() != graph.inputs.size())
    throw_invalid_model("subgraph '{}' takes {} inputs, {} given", graph.name, graph.inputs.size(),
                        inputs.size());
  Scope scope(&outer);
  for (size_t i = 0; i < inputs.size(); ++i) scope.set(graph.inputs[i].name, inputs[i]);
  return execute(graph, scope, rng, prepared);
}

void Interpreter::run_node(const ir::Node& node, Scope& scope, std::mt19937_64& rng) const {
  run_node(node, kernels_.find(node.domain, node.op_type), scope, rng);
}

void Interpreter::run_node(const ir::Node& node, KernelFn kernel, Scope& scope,
                           std::mt19937_64& rng) const {
  if (!kernel) throw_unsupported("the REF device has no kernel for this op");
  std::vector<const ir::Value*> inputs;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (node.inputs[i].empty()) {
      inputs.push_back(nullptr);
      continue;
    }
    const ir::Value* v = scope.find(node.inputs[i]);
    if (!v)
      throw_invalid_model("input {} '{}' is not produced by any earlier node", i, node.inputs[i]);
    inputs.push_back(v);
  }
  std::vector<ir::Value> outputs(node.outputs.size());
  KernelContext context(node, std::move(inputs), outputs, *this, scope, rng);
  kernel(context);
  for (size_t i = 0; i < node.outputs.size(); ++i)
    if (node.has_output(i)) scope.set(node.outputs[i], std::move(outputs[i]));
}

std::vector<ir::Value> Interpreter::execute(const ir::Graph& graph, Scope& scope,
                                            std::mt19937_64& rng,
                                            const PreparedGraph* prepared) const {
  for (const auto& [name, tensor] : graph.initializers)
    if (!scope.has_local(name)) scope.set(name, tensor);
  const PreparedGraph here = prepared ? PreparedGraph() : prepare(graph);
  const PreparedGraph& steps = prepared ? *prepared : here;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    try {
      run_node(node, steps.kernels[n], scope, rng);
    } catch (const Error& e) {
      // Subgraph errors already carry their own context; add ours in front.
      rethrow_with_context(e, node_context(graph, node));
    } catch (const std::bad_alloc&) {
      throw Error(Error::Kind::InvalidArgument, node_context(graph, node) + "out of memory");
    }
    for (const std::string& name : steps.frees[n]) scope.erase(name);
  }
  std::vector<ir::Value> results;
  for (const ir::ValueInfo& out : graph.outputs) {
    const ir::Value* v = scope.find(out.name);
    if (!v) throw_invalid_model("{}: graph output '{}' is never produced", graph.source, out.name);
    results.push_back(*v);
  }
  return results;
}

}  // namespace zenith::ref
