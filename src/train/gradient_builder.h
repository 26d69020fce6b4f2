// GradientBuilder: what the backward rules append to a training graph with, the dims of the
// forward values they read, and the broadcasting sums every elementwise gradient needs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::train {

// The number of elements of a tensor of `dims`.
inline int64_t elements(const ir::Dims& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

class GradientBuilder {
 public:
  // `dims`: every forward value's dims (the training graph is built for fixed shapes).
  GradientBuilder(ir::Graph& graph, std::map<std::string, ir::Dims> dims);

  // Appends a default-domain node computing `op_type` of `inputs`; its output's name, made from
  // `hint`. The output has `dims` (used by later rules that read it).
  std::string add(const std::string& op_type, std::vector<std::string> inputs, const ir::Dims& dims,
                  std::map<std::string, ir::Attribute> attributes = {},
                  const std::string& hint = "grad");
  // The same with several outputs, one per entry of `dims`.
  std::vector<std::string> add_outputs(const std::string& op_type, std::vector<std::string> inputs,
                                       const std::vector<ir::Dims>& dims,
                                       std::map<std::string, ir::Attribute> attributes);
  // The same for an op of Zenith's own domain (the gradient ops, docs/ARCHITECTURE.md).
  std::string add_zenith(const std::string& op_type, std::vector<std::string> inputs,
                         const ir::Dims& dims, std::map<std::string, ir::Attribute> attributes);
  std::vector<std::string> add_zenith(const std::string& op_type, std::vector<std::string> inputs,
                                      const std::vector<ir::Dims>& dims,
                                      std::map<std::string, ir::Attribute> attributes);
  std::string scalar(float value);                           // an f32 constant
  std::string integers(const std::vector<int64_t>& values);  // an i64 [n] constant
  std::string constant(ir::Tensor value);
  // Records the dims of `value`, a graph input the caller added.
  void declare(const std::string& value, const ir::Dims& dims) { dims_[value] = dims; }

  // `dy`, the gradient of a value of dims `from` that broadcast an operand of dims `to`, summed
  // over the broadcast axes into `to`'s dims.
  std::string unbroadcast(const std::string& dy, const ir::Dims& from, const ir::Dims& to);
  // `x` reshaped to `dims` (itself if it has them).
  std::string reshape(const std::string& x, const ir::Dims& dims);

  // The value of `value` if the graph holds it as a constant (an attribute-like input such as
  // Reduce*'s axes or Dropout's ratio), else nullptr.
  const ir::Tensor* constant_value(const std::string& value) const {
    return passes::constant_of(graph_, value);
  }
  // The initializer `name` (a constant input such as Pad's pads), or nullptr if none.
  const ir::Tensor* initializer(const std::string& name) const {
    const auto it = graph_.initializers.find(name);
    return it == graph_.initializers.end() ? nullptr : &it->second;
  }
  // The node of the graph that computes `value`. Throws Internal if none does.
  const ir::Node& producer(const std::string& value) const;

  // The dims of a forward value or of a value this builder made. Throws Internal if unknown.
  const ir::Dims& dims(const std::string& value) const;

 private:
  ir::Graph& graph_;
  std::map<std::string, ir::Dims> dims_;
  passes::NameGenerator names_;
};

}  // namespace zenith::train
