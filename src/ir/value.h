// Value: what flows along a graph edge at run time: a tensor, a sequence of tensors, or an
// empty optional.
#pragma once

#include <variant>
#include <vector>

#include "ir/tensor.h"

namespace zenith::ir {

struct TensorSequence {
  DType elem_dtype = DType::Undefined;
  std::vector<Tensor> items;
};

// An ONNX optional with no element is represented by the std::monostate alternative.
class Value {
 public:
  Value() = default;
  Value(Tensor t) : v_(std::move(t)) {}          // NOLINT(google-explicit-constructor)
  Value(TensorSequence s) : v_(std::move(s)) {}  // NOLINT(google-explicit-constructor)

  bool is_none() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_tensor() const { return std::holds_alternative<Tensor>(v_); }
  bool is_sequence() const { return std::holds_alternative<TensorSequence>(v_); }

  // Throw InvalidArgument naming `what` if the value is of another kind.
  const Tensor& tensor(std::string_view what = "value") const;
  const TensorSequence& sequence(std::string_view what = "value") const;

 private:
  std::variant<std::monostate, Tensor, TensorSequence> v_;
};

inline const Tensor& Value::tensor(std::string_view what) const {
  if (!is_tensor())
    throw_invalid_argument("{} is {}, expected a tensor", what,
                           is_none() ? "an empty optional" : "a sequence");
  return std::get<Tensor>(v_);
}

inline const TensorSequence& Value::sequence(std::string_view what) const {
  if (!is_sequence())
    throw_invalid_argument("{} is {}, expected a sequence", what,
                           is_none() ? "an empty optional" : "a tensor");
  return std::get<TensorSequence>(v_);
}

}  // namespace zenith::ir
