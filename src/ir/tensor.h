// Tensor: a dtype, dims and 64-byte-aligned storage that is owned or a view of someone else's.
#pragma once

#include <algorithm>
#include <cstddef>
#include <iterator>
#include <memory>
#include <string>
#include <type_traits>

#include "ir/dtype.h"
#include "ir/shape.h"

namespace zenith::ir {

// The largest tensor Zenith will allocate. A model that asks for more is malformed or hostile;
// refusing it up front turns a would-be crash into a clear error.
inline constexpr size_t kMaxTensorBytes = size_t{8} << 30;
inline constexpr size_t kTensorAlignment = 64;

// Copies share storage (like a shared_ptr); clone() makes a deep copy. Not thread-safe for
// concurrent writes to the same storage; concurrent reads are fine.
class Tensor {
 public:
  Tensor() = default;  // undefined: no dtype, no storage
  // Allocates zero-initialized (String: empty strings) storage. Throws InvalidArgument if the
  // dims are negative or the size exceeds kMaxTensorBytes.
  Tensor(DType dtype, Dims dims);

  // A view over `data`, which `owner` keeps alive. REQUIRES: data holds numel(dims) elements.
  static Tensor view(DType dtype, Dims dims, void* data, std::shared_ptr<const void> owner);

  // A rank-0 tensor holding `value`.
  template <typename T>
  static Tensor scalar(T value) {
    Tensor t(dtype_of<T>(), {});
    *t.data<T>() = std::move(value);
    return t;
  }

  // A rank-1 tensor holding `values` (a std::vector, Dims, ...) as T.
  template <typename T, typename Range>
  static Tensor vector_of(const Range& values) {
    Tensor t(dtype_of<T>(), {static_cast<int64_t>(std::size(values))});
    std::copy(std::begin(values), std::end(values), t.data<T>());
    return t;
  }

  bool defined() const { return dtype_ != DType::Undefined; }
  DType dtype() const { return dtype_; }
  const Dims& dims() const { return dims_; }
  int64_t rank() const { return static_cast<int64_t>(dims_.size()); }
  int64_t dim(int64_t axis) const;  // negative axes count from the end
  int64_t numel() const { return numel_; }
  size_t size_bytes() const { return static_cast<size_t>(numel_) * dtype_size(dtype_); }

  // Typed access. Throws Internal if T does not match dtype().
  template <typename T>
  T* data() {
    check_type(dtype_of<T>());
    return reinterpret_cast<T*>(data_);
  }
  template <typename T>
  const T* data() const {
    check_type(dtype_of<T>());
    return reinterpret_cast<const T*>(data_);
  }
  // What keeps the storage alive (null for an undefined tensor).
  const std::shared_ptr<const void>& owner() const { return owner_; }
  std::byte* raw() { return data_; }
  const std::byte* raw() const { return data_; }

  // Same storage, new dims. REQUIRES: same element count (else InvalidArgument).
  Tensor reshaped(Dims dims) const;
  Tensor clone() const;

  // Element i converted to double / int64 (numeric dtypes only); for small index tensors.
  double as_double(int64_t i) const;
  int64_t as_int64(int64_t i) const;

 private:
  void check_type(DType requested) const;

  DType dtype_ = DType::Undefined;
  Dims dims_;
  int64_t numel_ = 0;
  std::shared_ptr<const void> owner_;
  std::byte* data_ = nullptr;
};

// A 1-D i64 tensor's values (also accepts i32), in Dims: no allocation for up to Dims::kInline
// of them. Throws InvalidArgument naming `what`.
Dims to_int64_vector(const Tensor& t, std::string_view what);

// ||actual - expected|| / ||expected|| over two f32 tensors of equal size: how far a narrower
// precision moved a value (NaN if either holds a NaN). REQUIRES: both f32, equal numel().
double relative_l2_error(const Tensor& actual, const Tensor& expected);

}  // namespace zenith::ir
