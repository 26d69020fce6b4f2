// zenith::Model: a model read from a file, before it is compiled for a device.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "zenith/export.h"
#include "zenith/tensor.h"

namespace zenith {

// A model input or output.
struct Port {
  std::string name;
  ElementType element_type = ElementType::f32;
  // -1 for a dimension not fixed by the model (its name, e.g. "batch", is in dim_names).
  Shape shape;
  std::vector<std::string> dim_names;  // per dimension; "" for fixed ones
  bool has_shape = true;               // false when even the rank is unknown
};

// "f32[batch,3,224,224]": the element type, then each dimension's size or name ("?" if none).
ZENITH_API std::string to_string(const Port& port);

// Copies are independent: reshaping one leaves the others as they were. Not thread-safe for
// concurrent reshape; reading from several threads is fine.
class ZENITH_API Model {
 public:
  // The file it was read from.
  const std::string& source() const;
  const std::vector<Port>& inputs() const;
  const std::vector<Port>& outputs() const;
  // The input or output named `name`; throws Error (InvalidArgument) listing the names there are.
  const Port& input(const std::string& name) const;
  const Port& output(const std::string& name) const;

  // Fixes input shapes: each named input gets `shape`, whose rank and fixed dimensions must
  // match the model's; outputs' shapes follow where Zenith can infer them. Throws Error
  // (InvalidArgument) naming the input and both shapes otherwise.
  void reshape(const std::map<std::string, Shape>& shapes);
  // The same for a model with one input.
  void reshape(const Shape& shape);

  struct Impl;  // defined by the runtime

 private:
  friend class Core;
  friend class CompiledModel;
  friend class ModelBuilder;
  friend struct ModelAccess;  // the engine's view of the graph (runtime/model_impl.h)
  explicit Model(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace zenith
