// GradientBuilder: nodes, constants and broadcasting sums for the backward rules.
#include "train/gradient_builder.h"

#include <algorithm>

#include "ir/errors.h"

namespace zenith::train {

GradientBuilder::GradientBuilder(ir::Graph& graph, std::map<std::string, ir::Dims> dims)
    : graph_(graph), dims_(std::move(dims)), names_(graph) {}

std::string GradientBuilder::add(const std::string& op_type, std::vector<std::string> inputs,
                                 const ir::Dims& dims,
                                 std::map<std::string, ir::Attribute> attributes,
                                 const std::string& hint) {
  const std::string out = names_.make(hint);
  ir::Node node =
      passes::onnx_node(op_type, names_.make(hint + "/" + op_type), std::move(inputs), out);
  node.attributes = std::move(attributes);
  graph_.nodes.push_back(std::move(node));
  dims_[out] = dims;
  return out;
}

std::string GradientBuilder::add_zenith(const std::string& op_type, std::vector<std::string> inputs,
                                        const ir::Dims& dims,
                                        std::map<std::string, ir::Attribute> attributes) {
  const std::string out = add(op_type, std::move(inputs), dims, std::move(attributes));
  graph_.nodes.back().domain = "zenith";
  return out;
}

std::vector<std::string> GradientBuilder::add_outputs(
    const std::string& op_type, std::vector<std::string> inputs, const std::vector<ir::Dims>& dims,
    std::map<std::string, ir::Attribute> attributes) {
  std::vector<std::string> outs = {
      add(op_type, std::move(inputs), dims.at(0), std::move(attributes))};
  for (size_t i = 1; i < dims.size(); ++i) {
    outs.push_back(names_.make("grad"));
    dims_[outs.back()] = dims[i];
    graph_.nodes.back().outputs.push_back(outs.back());
  }
  return outs;
}

std::vector<std::string> GradientBuilder::add_zenith(
    const std::string& op_type, std::vector<std::string> inputs, const std::vector<ir::Dims>& dims,
    std::map<std::string, ir::Attribute> attributes) {
  std::vector<std::string> outs =
      add_outputs(op_type, std::move(inputs), dims, std::move(attributes));
  graph_.nodes.back().domain = "zenith";
  return outs;
}

std::string GradientBuilder::constant(ir::Tensor value) {
  const std::string name = names_.make("train/constant");
  dims_[name] = value.dims();
  graph_.initializers[name] = std::move(value);
  return name;
}

std::string GradientBuilder::scalar(float value) { return constant(ir::Tensor::scalar(value)); }

std::string GradientBuilder::integers(const std::vector<int64_t>& values) {
  return constant(ir::Tensor::vector_of<int64_t>(values));
}

std::string GradientBuilder::unbroadcast(const std::string& dy, const ir::Dims& from,
                                         const ir::Dims& to) {
  if (from == to) return dy;
  // numpy broadcasting aligns the last axes: `to` is padded with 1s in front.
  const size_t lead = from.size() - to.size();
  std::vector<int64_t> axes;
  for (size_t a = 0; a < from.size(); ++a)
    if (a < lead || (to[a - lead] == 1 && from[a] != 1)) axes.push_back(static_cast<int64_t>(a));
  ir::Dims kept = from;
  for (int64_t a : axes) kept[static_cast<size_t>(a)] = 1;
  const std::string sum =
      axes.empty() ? dy : add("ReduceSum", {dy, integers(axes)}, kept, {{"keepdims", int64_t{1}}});
  return reshape(sum, to);
}

std::string GradientBuilder::reshape(const std::string& x, const ir::Dims& dims) {
  if (this->dims(x) == dims) return x;
  return add("Reshape", {x, integers(dims)}, dims);
}

const ir::Node& GradientBuilder::producer(const std::string& value) const {
  for (const ir::Node& n : graph_.nodes)
    if (std::find(n.outputs.begin(), n.outputs.end(), value) != n.outputs.end()) return n;
  throw make_error(Error::Kind::Internal, "training graph: no node computes '{}'", value);
}

const ir::Dims& GradientBuilder::dims(const std::string& value) const {
  const auto it = dims_.find(value);
  if (it == dims_.end())
    throw make_error(Error::Kind::Internal, "training graph: no dims known for '{}'", value);
  return it->second;
}

}  // namespace zenith::train
