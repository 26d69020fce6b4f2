// BlackmanWindow, HammingWindow and HannWindow (opset 17): generalized cosine windows
// a0 - a1 cos(2 pi n / N) + a2 cos(4 pi n / N) of a given size, periodic (N = size) or symmetric
// (N = size - 1), in the dtype output_datatype names.
#include <cmath>
#include <numbers>
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

void cosine_window(KernelContext& ctx, double a0, double a1, double a2) {
  const int64_t size = scalar_int(ctx.input(0), "input 0 (size)");
  if (size < 0) throw_invalid_argument("input 0 (size) is {}, expected >= 0", size);
  const ir::DType dtype = ir::dtype_from_onnx_code(ctx.attr<int64_t>("output_datatype", 1),
                                                   "attribute output_datatype");
  if (dtype == ir::DType::String || dtype == ir::DType::Bool)
    throw_invalid_model("attribute output_datatype is {}, expected a numeric type",
                        ir::dtype_name(dtype));
  const bool periodic = ctx.attr<int64_t>("periodic", 1) != 0;
  const int64_t denominator = periodic ? size : size - 1;
  // A symmetric window of one sample has N = 0; it is then the window's peak, 1, as in PyTorch.
  std::vector<double> w(static_cast<size_t>(size), 1.0);
  for (int64_t n = 0; n < size && denominator > 0; ++n) {
    const double t = 2 * std::numbers::pi * static_cast<double>(n) / double(denominator);
    w[static_cast<size_t>(n)] = a0 - a1 * std::cos(t) + a2 * std::cos(2 * t);
  }
  store_as(w.data(), ctx.allocate_output(0, dtype, {size}));
}

void blackman_window(KernelContext& ctx) { cosine_window(ctx, 0.42, 0.5, 0.08); }
void hamming_window(KernelContext& ctx) { cosine_window(ctx, 25.0 / 46.0, 21.0 / 46.0, 0.0); }
void hann_window(KernelContext& ctx) { cosine_window(ctx, 0.5, 0.5, 0.0); }

}  // namespace

void register_window(KernelRegistry& registry) {
  registry.add("BlackmanWindow", &blackman_window);
  registry.add("HammingWindow", &hamming_window);
  registry.add("HannWindow", &hann_window);
}

}  // namespace zenith::ref
