// KServe v2's tensor datatypes ("FP32", "INT64", "BOOL", ...) and Zenith's element types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "ir/dtype.h"
#include "runtime/tensor_bridge.h"
#include "zenith/tensor.h"

namespace zenith::serve {

// "FP32" for f32, ... (the protocol's names; "BYTES" has no element type).
const char* datatype_name(ElementType type);
// The element type a datatype name stands for; nullopt for an unknown name or "BYTES".
std::optional<ElementType> parse_datatype(std::string_view name);

// FP16 and BF16 values have no JSON number or typed gRPC field: as in Triton, they travel as
// raw bytes only (REST binary data, gRPC raw contents).
inline bool raw_only(ElementType type) {
  return type == ElementType::f16 || type == ElementType::bf16;
}

// Calls `f(ir::TypeTag<T>{})`, which returns bool, with the C++ type of `type`'s values and
// returns its answer; false for the raw-only types. Both codecs' typed values go through it.
template <typename F>
bool visit_values(ElementType type, F&& f) {
  return ir::visit_dtype(runtime::to_dtype(type), [&](auto tag) -> bool {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, ir::Float16> || std::is_same_v<T, ir::BFloat16> ||
                  std::is_same_v<T, std::string>)
      return false;
    else
      return f(tag);
  });
}

}  // namespace zenith::serve
