// KServe v2's tensor datatypes ("FP32", "INT64", "BOOL", ...) and Zenith's element types.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "zenith/tensor.h"

namespace zenith::serve {

// "FP32" for f32, ... (the protocol's names; "BYTES" has no element type).
const char* datatype_name(ElementType type);
// The element type a datatype name stands for; nullopt for an unknown name or "BYTES".
std::optional<ElementType> parse_datatype(std::string_view name);

}  // namespace zenith::serve
