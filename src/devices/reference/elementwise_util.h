// Shared loops of the REF elementwise kernels: dtype classes, conversions, unary maps and
// numpy-broadcasting binary maps, so that each op is one line over a scalar lambda.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "devices/reference/broadcast.h"
#include "devices/reference/kernel_context.h"
#include "ir/errors.h"
#include "ir/tensor.h"

namespace zenith::ref {

// Dtype families as ONNX type constraints group them; an op accepts a bit mask of them.
enum DTypeClass : unsigned {
  kFloat = 1u << 0,
  kSignedInt = 1u << 1,
  kUnsignedInt = 1u << 2,
  kBool = 1u << 3,
  kString = 1u << 4,
};
inline constexpr unsigned kInteger = kSignedInt | kUnsignedInt;
inline constexpr unsigned kNumeric = kFloat | kInteger;
inline constexpr unsigned kAnyDType = kNumeric | kBool | kString;

template <typename T>
constexpr unsigned dtype_class_of() {
  if constexpr (std::is_same_v<T, bool>)
    return kBool;
  else if constexpr (std::is_same_v<T, std::string>)
    return kString;
  else if constexpr (std::is_integral_v<T>)
    return std::is_signed_v<T> ? kSignedInt : kUnsignedInt;
  else
    return kFloat;
}

// "input 1 ('B')": how messages name a node input.
std::string input_name(const KernelContext& ctx, size_t i);

// Throws InvalidArgument unless t's dtype belongs to `classes`; `what` names the tensor.
void check_dtype_class(const ir::Tensor& t, std::string_view what, unsigned classes);

// Throws InvalidArgument unless inputs i and j of the node have one dtype.
void check_same_dtype(const KernelContext& ctx, size_t i, size_t j);

// Calls f(TypeTag<T>{}) for t's element type after checking it is in Classes; only the types of
// Classes are instantiated, which keeps compile time and binary size down.
template <unsigned Classes, typename F>
void visit_class(const ir::Tensor& t, std::string_view what, F&& f) {
  check_dtype_class(t, what, Classes);
  ir::visit_dtype(t.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr ((dtype_class_of<T>() & Classes) != 0) f(tag);
  });
}

// The type elementwise kernels compute in: float for the 16-bit floats, T itself otherwise.
template <typename T>
using Compute =
    std::conditional_t<std::is_same_v<T, ir::Float16> || std::is_same_v<T, ir::BFloat16>, float, T>;

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>)
    return std::isnan(v);
  else
    return false;
}

// Integer arithmetic in an unsigned type at least as wide as unsigned int, so that overflow wraps
// (two's complement, as every runtime does) instead of being undefined behavior.
template <typename V>
using Wrapping = std::common_type_t<std::make_unsigned_t<V>, unsigned>;

template <typename V>
V wrapping_add(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(Wrapping<V>(a) + Wrapping<V>(b));
  else
    return a + b;
}

template <typename V>
V wrapping_sub(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(Wrapping<V>(a) - Wrapping<V>(b));
  else
    return a - b;
}

template <typename V>
V wrapping_mul(V a, V b) {
  if constexpr (std::is_integral_v<V>)
    return static_cast<V>(Wrapping<V>(a) * Wrapping<V>(b));
  else
    return a * b;
}

// Throws InvalidArgument for an integer divisor of 0: an error rather than a crash.
template <typename V>
void check_divisor(V b) {
  if constexpr (std::is_integral_v<V>)
    if (b == 0) throw_invalid_argument("integer division by zero");
}

// Integer division truncates toward zero, as C++ does, and MIN / -1 wraps to MIN instead of
// trapping. REQUIRES: b passed check_divisor.
template <typename V>
V checked_divide(V a, V b) {
  if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
    if (b == -1) return wrapping_sub(V(0), a);
  }
  return static_cast<V>(a / b);
}

template <typename V>
V divide(V a, V b) {
  check_divisor(b);
  return checked_divide(a, b);
}

// Converts a computed value to the element type R. Floating to integer truncates, saturates at
// R's range and maps NaN to 0: C++ leaves those cases undefined (ONNX does too) and the oracle
// must not have undefined behavior.
template <typename R, typename V>
R convert(V v) {
  if constexpr (std::is_integral_v<R> && !std::is_same_v<R, bool> && std::is_floating_point_v<V>) {
    if (std::isnan(v)) return R(0);
    if (v <= static_cast<V>(std::numeric_limits<R>::lowest()))
      return std::numeric_limits<R>::lowest();
    if (v >= static_cast<V>(std::numeric_limits<R>::max())) return std::numeric_limits<R>::max();
    return static_cast<R>(v);
  } else if constexpr (std::is_same_v<R, ir::Float16> || std::is_same_v<R, ir::BFloat16>) {
    return R(static_cast<float>(v));
  } else {
    return static_cast<R>(v);
  }
}

// y[i] = f(x[i]), computed in Compute<T>. REQUIRES: y has x's element count.
template <typename T, typename R, typename F>
void map_unary(const ir::Tensor& x, ir::Tensor& y, const F& f) {
  const T* src = x.data<T>();
  R* dst = y.data<R>();
  for (int64_t i = 0; i < x.numel(); ++i) dst[i] = convert<R>(f(static_cast<Compute<T>>(src[i])));
}

// out[i] = f(a[.], b[.]) with a and b broadcast (numpy rules) to out's dims.
// REQUIRES: out.dims() == broadcast_dims(a.dims(), b.dims()).
template <typename A, typename B, typename R, typename F>
void map_binary(const ir::Tensor& a, const ir::Tensor& b, ir::Tensor& out, const F& f) {
  const BroadcastIndexer index_a(a.dims(), out.dims());
  const BroadcastIndexer index_b(b.dims(), out.dims());
  const bool a_full = a.dims() == out.dims();
  const bool b_full = b.dims() == out.dims();
  const A* pa = a.data<A>();
  const B* pb = b.data<B>();
  R* dst = out.data<R>();
  for (int64_t i = 0; i < out.numel(); ++i) {
    const Compute<A> va = static_cast<Compute<A>>(pa[a_full ? i : index_a.offset(i)]);
    const Compute<B> vb = static_cast<Compute<B>>(pb[b_full ? i : index_b.offset(i)]);
    dst[i] = convert<R>(f(va, vb));
  }
}

// Y = f(X) elementwise, Y of X's dtype; X must be in Classes.
template <unsigned Classes, typename F>
void unary_kernel(KernelContext& ctx, const F& f) {
  const ir::Tensor& x = ctx.input(0);
  visit_class<Classes>(x, input_name(ctx, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_unary<T, T>(x, ctx.allocate_output(0, x.dtype(), x.dims()), f);
  });
}

// Y = f(X) elementwise with a bool Y (IsNaN, IsInf).
template <unsigned Classes, typename F>
void unary_predicate_kernel(KernelContext& ctx, const F& f) {
  const ir::Tensor& x = ctx.input(0);
  visit_class<Classes>(x, input_name(ctx, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    map_unary<T, bool>(x, ctx.allocate_output(0, ir::DType::Bool, x.dims()), f);
  });
}

// C = f(A, B) with broadcasting; A and B share one dtype from Classes. C has that dtype, or is
// bool when kPredicate (comparisons).
template <unsigned Classes, bool kPredicate = false, typename F>
void binary_kernel(KernelContext& ctx, const F& f) {
  const ir::Tensor& a = ctx.input(0);
  const ir::Tensor& b = ctx.input(1);
  check_same_dtype(ctx, 0, 1);
  visit_class<Classes>(a, input_name(ctx, 0), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using R = std::conditional_t<kPredicate, bool, T>;
    const ir::Dims dims = ir::broadcast_dims(a.dims(), b.dims());
    map_binary<T, T, R>(a, b, ctx.allocate_output(0, ir::dtype_of<R>(), dims), f);
  });
}

template <unsigned Classes, typename F>
void compare_kernel(KernelContext& ctx, const F& f) {
  binary_kernel<Classes, true>(ctx, f);
}

}  // namespace zenith::ref
