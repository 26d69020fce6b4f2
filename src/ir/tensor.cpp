// Tensor storage: aligned allocation with size limits, views, copies and element access.
#include "ir/tensor.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

namespace zenith::ir {
namespace {

std::shared_ptr<void> allocate_storage(DType dtype, int64_t numel) {
  const size_t count = static_cast<size_t>(numel);
  if (dtype == DType::String) {
    return std::shared_ptr<std::string[]>(new std::string[count ? count : 1]);
  }
  // Round up so aligned_alloc's size is a multiple of the alignment; never allocate 0 bytes.
  size_t bytes = count * dtype_size(dtype);
  bytes = (bytes + kTensorAlignment - 1) / kTensorAlignment * kTensorAlignment;
  if (bytes == 0) bytes = kTensorAlignment;
  void* p = std::aligned_alloc(kTensorAlignment, bytes);
  if (!p)
    throw_invalid_argument("out of memory allocating a tensor of {} bytes", bytes);
  std::memset(p, 0, bytes);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace

Tensor::Tensor(DType dtype, Dims dims) : dtype_(dtype), dims_(std::move(dims)) {
  if (dtype == DType::Undefined) throw_invalid_argument("cannot allocate a tensor of undefined dtype");
  numel_ = checked_numel(dims_);
  const size_t elem = dtype_size(dtype);
  if (static_cast<uint64_t>(numel_) > kMaxTensorBytes / elem)
    throw_invalid_argument(
        "tensor of dtype {} with shape {} would need {} elements, more than the {} GiB limit "
        "allows; the shape is probably wrong",
        dtype_name(dtype), to_string(dims_), numel_, kMaxTensorBytes >> 30);
  auto storage = allocate_storage(dtype, numel_);
  data_ = static_cast<std::byte*>(storage.get());
  owner_ = std::move(storage);
}

Tensor Tensor::view(DType dtype, Dims dims, void* data, std::shared_ptr<const void> owner) {
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = checked_numel(dims);
  t.dims_ = std::move(dims);
  t.data_ = static_cast<std::byte*>(data);
  t.owner_ = std::move(owner);
  return t;
}

int64_t Tensor::dim(int64_t axis) const {
  return dims_[static_cast<size_t>(normalize_axis(axis, rank()))];
}

Tensor Tensor::reshaped(Dims dims) const {
  if (checked_numel(dims) != numel_)
    throw_invalid_argument("cannot reshape a tensor of shape {} ({} elements) to {}",
                           to_string(dims_), numel_, to_string(dims));
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

Tensor Tensor::clone() const {
  if (!defined()) return {};
  Tensor t(dtype_, dims_);
  if (dtype_ == DType::String) {
    const auto* src = reinterpret_cast<const std::string*>(data_);
    auto* dst = reinterpret_cast<std::string*>(t.data_);
    for (int64_t i = 0; i < numel_; ++i) dst[i] = src[i];
  } else if (numel_ > 0) {
    std::memcpy(t.data_, data_, size_bytes());
  }
  return t;
}

double Tensor::as_double(int64_t i) const {
  return visit_numeric(dtype_, "Tensor::as_double", [&](auto tag) {
    using T = typename decltype(tag)::type;
    return static_cast<double>(reinterpret_cast<const T*>(data_)[i]);
  });
}

int64_t Tensor::as_int64(int64_t i) const {
  return visit_numeric(dtype_, "Tensor::as_int64", [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>)
      return static_cast<int64_t>(static_cast<float>(reinterpret_cast<const T*>(data_)[i]));
    else
      return static_cast<int64_t>(reinterpret_cast<const T*>(data_)[i]);
  });
}

void Tensor::check_type(DType requested) const {
  if (requested != dtype_)
    throw Error(Error::Kind::Internal,
                fmt::format("tensor of dtype {} accessed as {}", dtype_name(dtype_),
                            dtype_name(requested)));
}

Dims to_int64_vector(const Tensor& t, std::string_view what) {
  if (t.dtype() != DType::I64 && t.dtype() != DType::I32)
    throw_invalid_argument("{} must be an i64 tensor, got {}", what, dtype_name(t.dtype()));
  if (t.rank() > 1)
    throw_invalid_argument("{} must be a 1-D tensor, got shape {}", what, to_string(t.dims()));
  Dims out(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) out[static_cast<size_t>(i)] = t.as_int64(i);
  return out;
}

double relative_l2_error(const Tensor& actual, const Tensor& expected) {
  ZENITH_ASSERT(actual.dtype() == DType::F32 && expected.dtype() == DType::F32 &&
                actual.numel() == expected.numel());
  const float* x = actual.data<float>();
  const float* y = expected.data<float>();
  double error = 0, norm = 0;
  for (int64_t i = 0; i < expected.numel(); ++i) {
    error += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
    norm += double(y[i]) * y[i];
  }
  return std::sqrt(error / norm);
}

}  // namespace zenith::ir
