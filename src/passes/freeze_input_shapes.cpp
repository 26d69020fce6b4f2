// Shape freezing: check every requested shape first, then change the graph.
#include "passes/freeze_input_shapes.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ir/shape_inference.h"

namespace zenith::passes {
namespace {

ir::ValueInfo& runtime_input(ir::Graph& graph, const std::string& name) {
  std::vector<std::string> names;
  for (const ir::ValueInfo* v : graph.runtime_inputs()) {
    if (v->name == name) return const_cast<ir::ValueInfo&>(*v);
    names.push_back("'" + v->name + "'");
  }
  throw_invalid_argument("{}: the model has no input '{}'; its inputs are {}", graph.source, name,
                         names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", ")));
}

bool fits(const ir::TypeInfo& declared, const ir::Dims& dims) {
  if (!declared.shape) return true;
  if (declared.shape->size() != dims.size()) return false;
  for (size_t i = 0; i < dims.size(); ++i)
    if ((*declared.shape)[i].is_known() && (*declared.shape)[i].value != dims[i]) return false;
  return true;
}

bool is_concrete(const ir::TypeInfo& type) {
  return type.shape && ir::to_dims(*type.shape).has_value();
}

}  // namespace

ChangeCounts freeze_input_shapes(ir::Graph& graph, const std::map<std::string, ir::Dims>& shapes) {
  for (const auto& [name, dims] : shapes) {
    ir::ValueInfo& input = runtime_input(graph, name);
    bool valid = true;
    for (int64_t d : dims) valid = valid && d >= 0;
    if (!valid || !fits(input.type, dims))
      throw_invalid_argument("{}: input '{}' is {}, which {} does not fit", graph.source, name,
                             ir::to_string(input.type), ir::to_string(dims));
  }
  ChangeCounts changes;
  for (const auto& [name, dims] : shapes) {
    ir::ValueInfo& input = runtime_input(graph, name);
    const std::optional<ir::Shape> before = input.type.shape;
    input.type.shape = ir::to_shape(dims);
    if (before != input.type.shape) ++changes["inputs"];
  }
  // Inference takes an unfixed dim as 1, which must not become a frozen shape.
  for (const ir::ValueInfo* v : graph.runtime_inputs())
    if (!is_concrete(v->type)) return changes;
  const std::map<std::string, ir::Dims> inferred = ir::infer_shapes(graph, shapes);
  const auto refine = [&](const std::string& name, ir::TypeInfo& type) {
    const auto it = inferred.find(name);
    if (type.kind != ir::TypeInfo::Kind::Tensor || it == inferred.end()) return;
    const ir::Shape shape = ir::to_shape(it->second);
    if (type.shape == shape) return;
    type.shape = shape;
    ++changes["values"];
  };
  for (ir::ValueInfo& v : graph.outputs) refine(v.name, v.type);
  for (auto& [name, type] : graph.value_types) refine(name, type);
  return changes;
}

}  // namespace zenith::passes
