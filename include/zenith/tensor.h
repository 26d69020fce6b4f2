// zenith::Tensor: the data an InferRequest reads and writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "zenith/export.h"

namespace zenith {

enum class ElementType { f32, f64, f16, bf16, i8, u8, i16, u16, i32, u32, i64, u64, boolean };

ZENITH_API size_t element_size(ElementType type);    // bytes per element
ZENITH_API const char* to_string(ElementType type);  // "f32", "i64", "bool", ...

// The element type of a C++ type: element_type_of<float>() == ElementType::f32.
template <typename T>
constexpr ElementType element_type_of();

using Shape = std::vector<int64_t>;

// A dense row-major array of one element type. Copies share the data (as std::shared_ptr
// does); nothing is copied unless you copy it. Reading one tensor from several threads is
// safe; writing it while a request reads it is not.
class ZENITH_API Tensor {
 public:
  Tensor() = default;  // empty: no data
  // Allocates zero-filled, 64-byte aligned storage. Throws Error (InvalidArgument) for a
  // negative dim or a size beyond 8 GiB.
  Tensor(ElementType type, Shape shape);
  // Wraps `data`, which stays yours: nothing is copied, and it must hold shape's elements and
  // stay alive and unchanged while a request uses the tensor.
  Tensor(ElementType type, Shape shape, void* data);

  bool empty() const { return data_ == nullptr && size_ == 0; }
  ElementType element_type() const { return type_; }
  const Shape& shape() const { return shape_; }
  size_t size() const { return size_; }  // elements
  size_t byte_size() const { return size_ * element_size(type_); }

  void* data() { return data_; }
  const void* data() const { return data_; }
  // Typed access. Throws Error (InvalidArgument) when T is not the element type.
  template <typename T>
  T* data() {
    check_type(element_type_of<T>());
    return static_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    check_type(element_type_of<T>());
    return static_cast<const T*>(data_);
  }

 private:
  friend struct TensorAccess;  // the runtime's bridge to its own tensors
  Tensor(ElementType type, Shape shape, void* data, std::shared_ptr<const void> owner);
  void check_type(ElementType requested) const;

  ElementType type_ = ElementType::f32;
  Shape shape_;
  size_t size_ = 0;
  void* data_ = nullptr;
  std::shared_ptr<const void> owner_;  // null when the caller owns the data
};

template <typename T>
constexpr ElementType element_type_of() {
  if constexpr (std::is_same_v<T, float>)
    return ElementType::f32;
  else if constexpr (std::is_same_v<T, double>)
    return ElementType::f64;
  else if constexpr (std::is_same_v<T, int8_t>)
    return ElementType::i8;
  else if constexpr (std::is_same_v<T, uint8_t>)
    return ElementType::u8;
  else if constexpr (std::is_same_v<T, int16_t>)
    return ElementType::i16;
  else if constexpr (std::is_same_v<T, uint16_t>)
    return ElementType::u16;
  else if constexpr (std::is_same_v<T, int32_t>)
    return ElementType::i32;
  else if constexpr (std::is_same_v<T, uint32_t>)
    return ElementType::u32;
  else if constexpr (std::is_same_v<T, int64_t>)
    return ElementType::i64;
  else if constexpr (std::is_same_v<T, uint64_t>)
    return ElementType::u64;
  else if constexpr (std::is_same_v<T, bool>)
    return ElementType::boolean;
  else
    static_assert(sizeof(T) == 0,
                  "no ElementType for this C++ type (f16 and bf16 have none: use data())");
}

}  // namespace zenith
