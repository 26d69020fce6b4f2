// Ops that generate a tensor from a shape or scalars: ConstantOfShape, EyeLike and Range.
#include <algorithm>
#include <cmath>
#include <type_traits>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

void constant_of_shape(KernelContext& ctx) {
  const ir::Dims dims =
      constant_of_shape_dims(ir::to_int64_vector(ctx.input(0), "input 'input' (the shape)"));
  const ir::Tensor value = constant_of_shape_value(ctx.node());
  ir::Tensor& y = ctx.allocate_output(0, value.dtype(), dims);
  const ElementCopier copy(value, y);
  for (int64_t i = 0; i < y.numel(); ++i) copy(0, i);
}

void eye_like(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  if (x.rank() != 2) throw_invalid_argument("input must be 2-D, got {}", ir::to_string(x.dims()));
  const ir::DType dtype =
      ctx.node().has_attr("dtype")
          ? ir::dtype_from_onnx_code(ctx.attr<int64_t>("dtype"), "attribute 'dtype'")
          : x.dtype();
  const int64_t k = ctx.attr<int64_t>("k", 0);
  ir::Tensor& y = ctx.allocate_output(0, dtype, x.dims());
  const int64_t rows = x.dims()[0], cols = x.dims()[1];
  ir::visit_numeric(dtype, "EyeLike", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = y.data<T>();
    if (k <= -rows || k >= cols) return;  // also keeps r + k below from overflowing
    for (int64_t r = 0; r < rows; ++r)
      if (r + k >= 0 && r + k < cols) out[r * cols + r + k] = T(1);
  });
}

template <typename T>
void fill_range(const ir::Tensor& start_t, const ir::Tensor& limit_t, const ir::Tensor& delta_t,
                KernelContext& ctx) {
  const T start = *start_t.data<T>(), limit = *limit_t.data<T>(), delta = *delta_t.data<T>();
  if (delta == T(0)) throw_invalid_argument("input 'delta' is 0");
  // Counted in double: integer ranges up to 2^53 elements are exact, and anything larger is
  // rejected by the tensor size limit anyway.
  const double count = std::ceil((double(limit) - double(start)) / double(delta));
  if (!(count < 1e15))
    throw_invalid_argument("Range({}, {}, {}) would have {} elements", double(start), double(limit),
                           double(delta), count);
  const auto n = static_cast<int64_t>(std::max(count, 0.0));
  ir::Tensor& y = ctx.allocate_output(0, ir::dtype_of<T>(), {n});
  T* out = y.data<T>();
  for (int64_t i = 0; i < n; ++i) {
    // Integers step in 128 bits: i * delta may exceed T although every result fits in it.
    if constexpr (std::is_integral_v<T>)
      out[i] = static_cast<T>(static_cast<__int128>(start) + static_cast<__int128>(i) * delta);
    else
      out[i] = T(double(start) + double(i) * double(delta));
  }
}

void range(KernelContext& ctx) {
  const ir::Tensor& start = ctx.input(0);
  const ir::Tensor& limit = ctx.input(1);
  const ir::Tensor& delta = ctx.input(2);
  for (const ir::Tensor* t : {&start, &limit, &delta})
    if (t->numel() != 1 || t->dtype() != start.dtype())
      throw_invalid_argument("inputs must be scalars of one dtype, got {}{}, {}{}, {}{}",
                             ir::dtype_name(start.dtype()), ir::to_string(start.dims()),
                             ir::dtype_name(limit.dtype()), ir::to_string(limit.dims()),
                             ir::dtype_name(delta.dtype()), ir::to_string(delta.dims()));
  switch (start.dtype()) {
    case ir::DType::F32:
      return fill_range<float>(start, limit, delta, ctx);
    case ir::DType::F64:
      return fill_range<double>(start, limit, delta, ctx);
    case ir::DType::I16:
      return fill_range<int16_t>(start, limit, delta, ctx);
    case ir::DType::I32:
      return fill_range<int32_t>(start, limit, delta, ctx);
    case ir::DType::I64:
      return fill_range<int64_t>(start, limit, delta, ctx);
    default:
      throw_unsupported("Range does not support dtype {}; ONNX allows f32, f64, i16, i32, i64",
                        ir::dtype_name(start.dtype()));
  }
}

}  // namespace

void register_fill(KernelRegistry& registry) {
  registry.add("ConstantOfShape", &constant_of_shape);
  registry.add("EyeLike", &eye_like);
  registry.add("Range", &range);
}

}  // namespace zenith::ref
