// Between the public zenith::Tensor and the IR's tensors, without copying data.
#pragma once

#include <optional>

#include "ir/tensor.h"
#include "zenith/tensor.h"

namespace zenith {

struct TensorAccess {
  // A view of `t`'s data that keeps `t`'s storage (if it owns any) alive.
  static ir::Tensor to_ir(const Tensor& t);
  // A public tensor sharing `t`'s storage. Throws Error (Unsupported) for dtypes the API lacks
  // (strings), naming `what`.
  static Tensor from_ir(const ir::Tensor& t, std::string_view what);
  // The same into `out`, reusing its shape's storage: what a request does with each output on
  // every run, without allocating.
  static void assign(Tensor& out, const ir::Tensor& t, std::string_view what);
  // Lets go of `t`'s data, keeping its shape's storage for the next assign().
  static void release(Tensor& t);
};

namespace runtime {

ir::DType to_dtype(ElementType type);
std::optional<ElementType> to_element_type(ir::DType dtype);

}  // namespace runtime
}  // namespace zenith
