// The table behind datatype.h: one row per element type.
#include "serve/datatype.h"

#include <array>
#include <utility>

namespace zenith::serve {
namespace {

constexpr std::array<std::pair<ElementType, const char*>, 13> kNames = {{
    {ElementType::boolean, "BOOL"},
    {ElementType::u8, "UINT8"},
    {ElementType::u16, "UINT16"},
    {ElementType::u32, "UINT32"},
    {ElementType::u64, "UINT64"},
    {ElementType::i8, "INT8"},
    {ElementType::i16, "INT16"},
    {ElementType::i32, "INT32"},
    {ElementType::i64, "INT64"},
    {ElementType::f16, "FP16"},
    {ElementType::f32, "FP32"},
    {ElementType::f64, "FP64"},
    {ElementType::bf16, "BF16"},
}};

}  // namespace

const char* datatype_name(ElementType type) {
  for (const auto& [t, name] : kNames)
    if (t == type) return name;
  return "BYTES";  // unreachable: every element type has a row
}

std::optional<ElementType> parse_datatype(std::string_view name) {
  for (const auto& [t, n] : kNames)
    if (name == n) return t;
  return std::nullopt;
}

}  // namespace zenith::serve
