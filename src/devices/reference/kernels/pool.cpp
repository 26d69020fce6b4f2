// MaxPool (with optional Indices) and AveragePool over N-d windows.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

enum class PoolMode { Max, Average };

struct PoolSpec {
  PoolMode mode;
  bool count_include_pad = false;
  bool column_major_indices = false;  // MaxPool storage_order = 1
};

// Calls f(offset, index, inside, in_padded) for each tap of the window at `start`: its offset in
// the plane (row-major `in_strides`) and index (`index_strides`), whether it falls inside the
// input, and whether inside the padded input (what count_include_pad counts).
template <typename F>
void for_each_tap(const SpatialGeometry& g, const ir::Dims& start, const ir::Dims& in_strides,
                  const ir::Dims& index_strides, F f) {
  const size_t r = g.rank();
  ir::Dims tap(r, 0);
  do {
    bool inside = true, in_padded = true;
    int64_t offset = 0, index = 0;
    for (size_t i = 0; i < r; ++i) {
      const int64_t coord = start[i] + tap[i] * g.dilations[i];
      inside = inside && coord >= 0 && coord < g.in[i];
      in_padded = in_padded && coord < g.in[i] + g.pad_end[i];
      offset += coord * in_strides[i];
      index += coord * index_strides[i];
    }
    f(offset, index, inside, in_padded);
  } while (next_index(tap, g.kernel));
}

// The first tap of the window at output position `o`.
void window_start(const SpatialGeometry& g, const ir::Dims& o, ir::Dims& start) {
  for (size_t i = 0; i < g.rank(); ++i) start[i] = o[i] * g.strides[i] - g.pad_begin[i];
}

// Visits every output position of every (n, c) plane; for each, reads the window taps that fall
// inside the input. Indices (when wanted) count over the flattened [N, C, D1, ...] input.
template <typename T>
void pool_planes(const T* x, T* y, int64_t* indices, int64_t planes, const SpatialGeometry& g,
                 const PoolSpec& spec) {
  const size_t r = g.rank();
  const int64_t in_size = g.in_size();
  const int64_t out_size = g.out_size();
  const ir::Dims in_strides = ir::strides_of(g.in);
  ir::Dims index_strides = in_strides;
  if (spec.column_major_indices)
    for (size_t i = 0, stride = 1; i < r; stride *= static_cast<size_t>(g.in[i]), ++i)
      index_strides[i] = static_cast<int64_t>(stride);
  ir::Dims start(r);
  for (int64_t p = 0; p < planes; ++p) {
    const T* plane = x + p * in_size;
    ir::Dims o(r, 0);
    for (int64_t out = 0; out < out_size; ++out, next_index(o, g.out)) {
      window_start(g, o, start);
      // An empty window (all padding) yields -inf, or the lowest value of an integer type.
      double best = std::numeric_limits<T>::is_integer
                        ? static_cast<double>(std::numeric_limits<T>::lowest())
                        : -std::numeric_limits<double>::infinity();
      int64_t best_index = -1;
      double sum = 0;
      int64_t count = 0;
      for_each_tap(g, start, in_strides, index_strides,
                   [&](int64_t offset, int64_t index, bool inside, bool in_padded) {
                     if (!inside) {
                       count += spec.count_include_pad && in_padded;
                       return;
                     }
                     const double v = static_cast<double>(plane[offset]);
                     ++count;
                     sum += v;
                     // A NaN tap wins and stays, as in numpy's max.
                     if (best_index < 0 || v > best || (std::isnan(v) && !std::isnan(best))) {
                       best = v;
                       best_index = index;
                     }
                   });
      if (spec.mode == PoolMode::Max) {
        y[p * out_size + out] = static_cast<T>(best);
        if (indices) indices[p * out_size + out] = best_index < 0 ? -1 : p * in_size + best_index;
      } else {
        y[p * out_size + out] = static_cast<T>(count > 0 ? sum / static_cast<double>(count) : 0.0);
      }
    }
  }
}

void pool(KernelContext& ctx, PoolMode mode) {
  const ir::Tensor& x = ctx.input(0);
  check_spatial_input(x, "X");
  if (mode == PoolMode::Average) require_floating(x, "X");
  if (mode == PoolMode::Max && !ir::is_floating(x.dtype()) && x.dtype() != ir::DType::U8 &&
      x.dtype() != ir::DType::I8)
    throw_invalid_argument("X has dtype {}, expected a floating type, u8 or i8",
                           ir::dtype_name(x.dtype()));
  const ir::Dims in(x.dims().begin() + 2, x.dims().end());
  const ir::Dims kernel = kernel_shape(ctx.node(), in.size(), {});
  const int64_t ceil_mode = ctx.attr<int64_t>("ceil_mode", 0);
  const SpatialGeometry g = spatial_geometry(ctx.node(), in, kernel, ceil_mode != 0);
  PoolSpec spec{mode};
  spec.count_include_pad = ctx.attr<int64_t>("count_include_pad", 0) != 0;
  spec.column_major_indices = ctx.attr<int64_t>("storage_order", 0) != 0;

  ir::Dims out_dims = {x.dim(0), x.dim(1)};
  out_dims.insert(out_dims.end(), g.out.begin(), g.out.end());
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  int64_t* indices = nullptr;
  if (mode == PoolMode::Max && ctx.has_output(1))
    indices = ctx.allocate_output(1, ir::DType::I64, out_dims).data<int64_t>();
  ir::visit_numeric(x.dtype(), "pooling", [&](auto tag) {
    using T = typename decltype(tag)::type;
    pool_planes(x.data<T>(), y.data<T>(), indices, x.dim(0) * x.dim(1), g, spec);
  });
}

void max_pool(KernelContext& ctx) { pool(ctx, PoolMode::Max); }

// zenith.MaxPoolGrad(X, dY) -> dX, MaxPool's attributes: each output's gradient goes to the
// input its window's maximum came from (the first of equal ones, as MaxPool's Indices say);
// overlapping windows add up. Autograd's MaxPool rule (src/train) emits it.
void max_pool_grad(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& dy = ctx.input(1);
  check_spatial_input(x, "X");
  require_floating(x, "X");
  require_same_dtype(dy, "dY", x, "X");
  const ir::Dims in(x.dims().begin() + 2, x.dims().end());
  const SpatialGeometry g =
      spatial_geometry(ctx.node(), in, kernel_shape(ctx.node(), in.size(), {}),
                       ctx.attr<int64_t>("ceil_mode", 0) != 0);
  ir::Dims out_dims = {x.dim(0), x.dim(1)};
  out_dims.insert(out_dims.end(), g.out.begin(), g.out.end());
  if (dy.dims() != out_dims)
    throw_invalid_argument("dY is {}, MaxPool's output for X {} is {}", ir::to_string(dy.dims()),
                           ir::to_string(x.dims()), ir::to_string(out_dims));
  const std::vector<double> xv = load_as<double>(x, "X"), dyv = load_as<double>(dy, "dY");
  std::vector<double> y(dyv.size());
  std::vector<int64_t> indices(dyv.size());
  pool_planes(xv.data(), y.data(), indices.data(), x.dim(0) * x.dim(1), g, PoolSpec{PoolMode::Max});
  std::vector<double> dx(xv.size(), 0.0);
  for (size_t o = 0; o < dyv.size(); ++o)
    if (indices[o] >= 0) dx[static_cast<size_t>(indices[o])] += dyv[o];
  store_as(dx.data(), ctx.allocate_output(0, x.dtype(), x.dims()));
}
void average_pool(KernelContext& ctx) { pool(ctx, PoolMode::Average); }

// zenith.AveragePoolGrad(dY) -> dX, AveragePool's attributes plus `input_shape`: each output's
// gradient spread evenly over the taps its average counted (the padding's share, with
// count_include_pad, goes nowhere); overlapping windows add up. Autograd's AveragePool rule
// (src/train) emits it.
void average_pool_grad(KernelContext& ctx) {
  const ir::Tensor& dy = ctx.input(0);
  require_floating(dy, "dY");
  const auto shape = ctx.attr<std::vector<int64_t>>("input_shape", {});
  const ir::Dims x(shape.begin(), shape.end());
  if (static_cast<int64_t>(x.size()) != dy.rank() || x.size() < 3)
    throw_invalid_model("attribute input_shape {} does not fit dY {}", ir::to_string(x),
                        ir::to_string(dy.dims()));
  const ir::Dims in(x.begin() + 2, x.end());
  const SpatialGeometry g =
      spatial_geometry(ctx.node(), in, kernel_shape(ctx.node(), in.size(), {}),
                       ctx.attr<int64_t>("ceil_mode", 0) != 0);
  ir::Dims out_dims = {x[0], x[1]};
  out_dims.insert(out_dims.end(), g.out.begin(), g.out.end());
  if (dy.dims() != out_dims)
    throw_invalid_argument("dY is {}, AveragePool's output for X {} is {}",
                           ir::to_string(dy.dims()), ir::to_string(x), ir::to_string(out_dims));
  const bool count_pad = ctx.attr<int64_t>("count_include_pad", 0) != 0;
  const std::vector<double> dyv = load_as<double>(dy, "dY");
  const int64_t in_size = g.in_size(), out_size = g.out_size();
  const ir::Dims in_strides = ir::strides_of(g.in);
  std::vector<double> dx(static_cast<size_t>(x[0] * x[1] * in_size), 0.0);
  ir::Dims start(g.rank());
  for (int64_t p = 0; p < x[0] * x[1]; ++p) {
    ir::Dims o(g.rank(), 0);
    for (int64_t out = 0; out < out_size; ++out, next_index(o, g.out)) {
      window_start(g, o, start);
      int64_t count = 0;
      for_each_tap(g, start, in_strides, in_strides, [&](int64_t, int64_t, bool inside, bool pad) {
        count += inside || (count_pad && pad);
      });
      if (count == 0) continue;
      const double share =
          dyv[static_cast<size_t>(p * out_size + out)] / static_cast<double>(count);
      for_each_tap(g, start, in_strides, in_strides,
                   [&](int64_t offset, int64_t, bool inside, bool) {
                     if (inside) dx[static_cast<size_t>(p * in_size + offset)] += share;
                   });
    }
  }
  store_as(dx.data(), ctx.allocate_output(0, dy.dtype(), x));
}

}  // namespace

void register_pool(KernelRegistry& registry) {
  registry.add("MaxPool", &max_pool);
  registry.add("AveragePool", &average_pool);
  registry.add("zenith", "MaxPoolGrad", &max_pool_grad);
  registry.add("zenith", "AveragePoolGrad", &average_pool_grad);
}

}  // namespace zenith::ref
