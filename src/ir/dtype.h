// DType: the element types of the IR, their sizes and names, and dispatch on them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "ir/errors.h"
#include "ir/float16.h"

namespace zenith::ir {

enum class DType : uint8_t {
  Undefined,
  F32,
  F64,
  F16,
  BF16,
  I8,
  U8,
  I16,
  U16,
  I32,
  U32,
  I64,
  U64,
  Bool,
  String,
};

size_t dtype_size(DType dtype);    // bytes per element; sizeof(std::string) for String
std::string_view dtype_name(DType dtype);  // "f32", "i64", ...
// The DType whose dtype_name is `name` ("undefined" included); nullopt for any other name.
std::optional<DType> dtype_from_name(std::string_view name);
bool is_floating(DType dtype);     // F32, F64, F16, BF16
bool is_integer(DType dtype);      // signed or unsigned integers, not Bool
bool is_signed(DType dtype);       // floating or signed integer

// The DType of an ONNX TensorProto.DataType code (1 = FLOAT, 7 = INT64, ...), as attributes such
// as Cast's `to` carry it. Throws Unsupported naming `what` for codes Zenith has no DType for.
DType dtype_from_onnx_code(int64_t code, std::string_view what);

// The C++ type that stores one element of a DType.
template <DType D> struct DTypeTraits;
#define ZENITH_DTYPE_TRAIT(D, T) \
  template <> struct DTypeTraits<DType::D> { using type = T; };
ZENITH_DTYPE_TRAIT(F32, float)
ZENITH_DTYPE_TRAIT(F64, double)
ZENITH_DTYPE_TRAIT(F16, Float16)
ZENITH_DTYPE_TRAIT(BF16, BFloat16)
ZENITH_DTYPE_TRAIT(I8, int8_t)
ZENITH_DTYPE_TRAIT(U8, uint8_t)
ZENITH_DTYPE_TRAIT(I16, int16_t)
ZENITH_DTYPE_TRAIT(U16, uint16_t)
ZENITH_DTYPE_TRAIT(I32, int32_t)
ZENITH_DTYPE_TRAIT(U32, uint32_t)
ZENITH_DTYPE_TRAIT(I64, int64_t)
ZENITH_DTYPE_TRAIT(U64, uint64_t)
ZENITH_DTYPE_TRAIT(Bool, bool)
ZENITH_DTYPE_TRAIT(String, std::string)
#undef ZENITH_DTYPE_TRAIT

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::F32; }
template <> constexpr DType dtype_of<double>() { return DType::F64; }
template <> constexpr DType dtype_of<Float16>() { return DType::F16; }
template <> constexpr DType dtype_of<BFloat16>() { return DType::BF16; }
template <> constexpr DType dtype_of<int8_t>() { return DType::I8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::U8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::I16; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::U16; }
template <> constexpr DType dtype_of<int32_t>() { return DType::I32; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::U32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::I64; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::U64; }
template <> constexpr DType dtype_of<bool>() { return DType::Bool; }
template <> constexpr DType dtype_of<std::string>() { return DType::String; }

// A value carrying a C++ element type, so one generic lambda serves every dtype:
//   visit_dtype(t.dtype(), [&](auto tag) { using T = typename decltype(tag)::type; ... });
template <typename T> struct TypeTag { using type = T; };

template <typename F>
decltype(auto) visit_dtype(DType dtype, F&& f) {
  switch (dtype) {
    case DType::F32: return f(TypeTag<float>{});
    case DType::F64: return f(TypeTag<double>{});
    case DType::F16: return f(TypeTag<Float16>{});
    case DType::BF16: return f(TypeTag<BFloat16>{});
    case DType::I8: return f(TypeTag<int8_t>{});
    case DType::U8: return f(TypeTag<uint8_t>{});
    case DType::I16: return f(TypeTag<int16_t>{});
    case DType::U16: return f(TypeTag<uint16_t>{});
    case DType::I32: return f(TypeTag<int32_t>{});
    case DType::U32: return f(TypeTag<uint32_t>{});
    case DType::I64: return f(TypeTag<int64_t>{});
    case DType::U64: return f(TypeTag<uint64_t>{});
    case DType::Bool: return f(TypeTag<bool>{});
    case DType::String: return f(TypeTag<std::string>{});
    case DType::Undefined: break;
  }
  throw Error(Error::Kind::Internal, "visit_dtype: undefined dtype");
}

// Like visit_dtype, restricted to numeric types (everything but String); `what` names the
// caller for the error message.
template <typename F>
decltype(auto) visit_numeric(DType dtype, std::string_view what, F&& f) {
  if (dtype == DType::String || dtype == DType::Undefined)
    throw_unsupported("{} does not support dtype {}", what, dtype_name(dtype));
  return visit_dtype(dtype, [&](auto tag) -> decltype(auto) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, std::string>) {
      return f(TypeTag<float>{});  // unreachable, keeps return types uniform
    } else {
      return f(tag);
    }
  });
}

}  // namespace zenith::ir
