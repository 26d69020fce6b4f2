// ConvTranspose: N-d grouped transposed convolution (output_padding, output_shape, auto_pad).
#include <algorithm>
#include <string>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

void conv_transpose(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& w = ctx.input(1);
  require_floating(x, "X");
  require_same_dtype(w, "W", x, "X");
  check_spatial_input(x, "X");
  const int64_t group = ctx.attr<int64_t>("group", 1);
  if (group < 1) throw_invalid_model("attribute 'group' = {}, expected >= 1", group);
  if (w.rank() != x.rank() || w.dim(0) != x.dim(1) || x.dim(1) % group != 0)
    throw_invalid_argument(
        "W has shape {}, expected [C={}, M/group, k...] with C divisible by "
        "group {}",
        ir::to_string(w.dims()), x.dim(1), group);
  const int64_t channels = x.dim(1);
  const int64_t mg = w.dim(1);
  const int64_t m = mg * group;
  const int64_t cg = channels / group;

  const SpatialGeometry g = transpose_geometry(ctx.node(), ir::Dims(x.dims().begin() + 2, x.dims().end()),
                                               ir::Dims(w.dims().begin() + 2, w.dims().end()));
  const size_t r = g.rank();

  ir::Dims out_dims = {x.dim(0), m};
  out_dims.insert(out_dims.end(), g.out.begin(), g.out.end());
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const int64_t in_size = g.in_size();
  const int64_t out_size = g.out_size();
  std::vector<float> acc = biased_accumulator(ctx, x, m, out_size);
  const std::vector<float> xf = load_as<float>(x, "X");
  const std::vector<float> wf = load_as<float>(w, "W");
  const ir::Dims out_strides = ir::strides_of(g.out);
  const size_t last = r - 1;
  const ir::Dims outer_in(g.in.begin(), g.in.end() - 1);
  const int64_t k_size = static_cast<int64_t>(wf.size()) / (channels * mg);
  const int64_t s_w = g.strides[last];

  // Scatter: input element i meets kernel tap k at output i * stride + k * dilation - pad.
  for (int64_t n = 0; n < x.dim(0); ++n) {
    for (int64_t c = 0; c < channels; ++c) {
      const float* x_plane = xf.data() + (n * channels + c) * in_size;
      for (int64_t ml = 0; ml < mg; ++ml) {
        float* y_plane = acc.data() + (n * m + (c / cg) * mg + ml) * out_size;
        const float* w_k = wf.data() + (c * mg + ml) * k_size;
        ir::Dims k_index(r, 0);
        for (int64_t kp = 0; kp < k_size; ++kp, next_index(k_index, g.kernel)) {
          const float wv = w_k[kp];
          const int64_t off_w = k_index[last] * g.dilations[last] - g.pad_begin[last];
          const int64_t lo = std::clamp<int64_t>(ceil_div(-off_w, s_w), 0, g.in[last]);
          const int64_t hi = std::clamp<int64_t>(ceil_div(g.out[last] - off_w, s_w), 0, g.in[last]);
          if (lo >= hi) continue;
          ir::Dims row(outer_in.size(), 0);
          for (int64_t row_start = 0; row_start < in_size; row_start += g.in[last]) {
            int64_t out_offset = off_w;
            bool inside = true;
            for (size_t i = 0; i < last && inside; ++i) {
              const int64_t o =
                  row[i] * g.strides[i] + k_index[i] * g.dilations[i] - g.pad_begin[i];
              inside = o >= 0 && o < g.out[i];
              out_offset += o * out_strides[i];
            }
            if (inside) {
              float* y_row = y_plane + out_offset;
              const float* x_row = x_plane + row_start;
              for (int64_t iw = lo; iw < hi; ++iw) y_row[iw * s_w] += wv * x_row[iw];
            }
            next_index(row, outer_in);
          }
        }
      }
    }
  }
  store_as(acc.data(), y);
}

}  // namespace

void register_conv_transpose(KernelRegistry& registry) {
  registry.add("ConvTranspose", &conv_transpose);
}

}  // namespace zenith::ref
