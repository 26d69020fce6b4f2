// Resize (opset 13): nearest, linear and cubic interpolation, separable over every axis, with the
// coordinate transforms of the ONNX reference implementation.
#include <algorithm>
#include <limits>
#include <type_traits>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/resize_taps.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

// Rounds toward zero like the reference's astype, saturating instead of overflowing.
template <typename T>
T to_element(double v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!(v > static_cast<double>(std::numeric_limits<T>::lowest())))
      return std::numeric_limits<T>::lowest();
    if (!(v < static_cast<double>(std::numeric_limits<T>::max())))
      return std::numeric_limits<T>::max();
    return static_cast<T>(v);
  } else if constexpr (std::is_same_v<T, bool>) {
    return v != 0;
  } else if constexpr (std::is_same_v<T, double>) {
    return v;
  } else {
    return T(static_cast<float>(v));
  }
}

void resize(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ResizeOptions o = resize_options(ctx.node());
  const double extrapolation = ctx.attr<float>("extrapolation_value", 0.0f);
  auto optional_input = [&](size_t i) { return ctx.has_input(i) ? &ctx.input(i) : nullptr; };
  const ResizeShape shape = resize_shape(x.dims(), optional_input(2), optional_input(3));
  const ir::Dims& out_dims = shape.out;
  const size_t rank = out_dims.size();
  const std::vector<AxisTaps> taps = resize_taps(o, x.dims(), shape, optional_input(1));

  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(x.dims());
  ir::visit_numeric(x.dtype(), "Resize", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = x.data<T>();
    T* dst = y.data<T>();
    ir::Dims index(rank, 0);
    std::vector<const std::vector<Tap>*> axis(rank);
    std::vector<size_t> pick(rank);
    int64_t out = 0;
    do {
      bool outside = false;
      for (size_t a = 0; a < rank; ++a) {
        axis[a] = &taps[a][static_cast<size_t>(index[a])];
        outside = outside || axis[a]->empty();
      }
      double value = extrapolation;
      if (!outside) {
        // Sum over every combination of one tap per axis: the separable N-d interpolation.
        value = 0;
        std::fill(pick.begin(), pick.end(), 0);
        bool more = true;
        while (more) {
          double weight = 1;
          int64_t offset = 0;
          for (size_t a = 0; a < rank; ++a) {
            const Tap& tap = (*axis[a])[pick[a]];
            weight *= tap.weight;
            offset += tap.index * strides[a];
          }
          value += weight * static_cast<double>(src[offset]);
          more = false;
          for (size_t a = rank; a-- > 0;) {
            if (++pick[a] < axis[a]->size()) {
              more = true;
              break;
            }
            pick[a] = 0;
          }
        }
      }
      dst[out++] = to_element<T>(value);
    } while (next_index(index, out_dims));
  });
}

}  // namespace

void register_resize(KernelRegistry& registry) { registry.add("Resize", &resize); }

}  // namespace zenith::ref
