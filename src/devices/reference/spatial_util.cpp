// Window geometry for convolution and pooling, and the direct convolution loop nest.
#include "devices/reference/spatial_util.h"

#include <algorithm>
#include <string>

#include "devices/reference/nn_util.h"
#include "ir/errors.h"

namespace zenith::ref {
namespace {

ir::Dims ints_attr(const ir::Node& node, const std::string& key, size_t size, int64_t fallback,
                   int64_t min_value) {
  ir::Dims values = node.attr<std::vector<int64_t>>(key, ir::Dims(size, fallback));
  if (values.empty()) values.assign(size, fallback);
  if (values.size() != size)
    throw_invalid_model("attribute '{}' has {} values, expected {} (one per spatial axis{})", key,
                        values.size(), size, key == "pads" ? ", begin then end" : "");
  for (int64_t v : values)
    if (v < min_value)
      throw_invalid_model("attribute '{}' = {} has a value below {}", key, values, min_value);
  return values;
}

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

}  // namespace

int64_t SpatialGeometry::in_size() const {
  int64_t n = 1;
  for (int64_t d : in) n *= d;
  return n;
}

int64_t SpatialGeometry::out_size() const {
  int64_t n = 1;
  for (int64_t d : out) n *= d;
  return n;
}

void check_spatial_input(const ir::Tensor& x, std::string_view what) {
  if (x.rank() < 3)
    throw_invalid_argument(
        "{} has shape {}, expected [N, C, D1, ...] with at least one spatial "
        "axis",
        what, ir::to_string(x.dims()));
}

ir::Dims kernel_shape(const ir::Node& node, size_t rank, const ir::Dims& from_weights) {
  for (int64_t k : from_weights)
    if (k < 1) throw_invalid_argument("W has a spatial dim {}, expected >= 1", k);
  if (!node.has_attr("kernel_shape")) {
    if (from_weights.empty()) throw_invalid_model("required attribute 'kernel_shape' is missing");
    return from_weights;
  }
  ir::Dims kernel = ints_attr(node, "kernel_shape", rank, 1, 1);
  if (!from_weights.empty() && kernel != from_weights)
    throw_invalid_argument(
        "attribute 'kernel_shape' = {} disagrees with the weight's spatial "
        "dims {}",
        kernel, from_weights);
  return kernel;
}

SpatialGeometry spatial_geometry(const ir::Node& node, const ir::Dims& in,
                                 const ir::Dims& kernel, bool ceil_mode) {
  const size_t r = in.size();
  SpatialGeometry g;
  g.in = in;
  g.kernel = kernel;
  g.strides = ints_attr(node, "strides", r, 1, 1);
  g.dilations = ints_attr(node, "dilations", r, 1, 1);
  const std::string auto_pad = node.attr<std::string>("auto_pad", "NOTSET");
  g.pad_begin.assign(r, 0);
  g.pad_end.assign(r, 0);
  g.out.assign(r, 0);
  if (auto_pad == "NOTSET") {
    const ir::Dims pads = ints_attr(node, "pads", 2 * r, 0, 0);
    std::copy(pads.begin(), pads.begin() + static_cast<ptrdiff_t>(r), g.pad_begin.begin());
    std::copy(pads.begin() + static_cast<ptrdiff_t>(r), pads.end(), g.pad_end.begin());
  } else if (auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
    throw_invalid_model(
        "attribute 'auto_pad' is '{}', expected NOTSET, SAME_UPPER, SAME_LOWER "
        "or VALID",
        auto_pad);
  }
  for (size_t i = 0; i < r; ++i) {
    const int64_t window = (kernel[i] - 1) * g.dilations[i] + 1;
    const int64_t s = g.strides[i];
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      g.out[i] = ceil_div(in[i], s);
      const int64_t total = std::max<int64_t>(0, (g.out[i] - 1) * s + window - in[i]);
      const int64_t small = total / 2;
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : total - small;
      g.pad_end[i] = total - g.pad_begin[i];
    } else {
      const int64_t span = in[i] + g.pad_begin[i] + g.pad_end[i] - window;
      g.out[i] = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
      if (ceil_mode && span >= 0 && (g.out[i] - 1) * s >= in[i] + g.pad_begin[i]) --g.out[i];
    }
    if (g.out[i] < 1)
      throw_invalid_argument(
          "spatial axis {} of size {} (pads {}+{}) is smaller than the "
          "dilated window {}",
          i, in[i], g.pad_begin[i], g.pad_end[i], window);
  }
  return g;
}

void check_conv_channels(const ir::Tensor& x, const ir::Tensor& w, int64_t group) {
  if (group < 1) throw_invalid_model("attribute 'group' = {}, expected >= 1", group);
  if (w.rank() != x.rank())
    throw_invalid_argument("W has shape {}, expected rank {} like X {}", ir::to_string(w.dims()),
                           x.rank(), ir::to_string(x.dims()));
  if (x.dim(1) != w.dim(1) * group || w.dim(0) % group != 0)
    throw_invalid_argument(
        "X has {} channels and W shape {} with group {}: expected X channels "
        "= W.dim(1) * group and W.dim(0) divisible by group",
        x.dim(1), ir::to_string(w.dims()), group);
}

template <typename Acc>
void conv_accumulate(const Acc* x, const Acc* w, Acc* y, int64_t batch, int64_t channels,
                     int64_t out_channels, int64_t group, const SpatialGeometry& g) {
  const size_t r = g.rank();
  const size_t last = r - 1;
  const int64_t in_size = g.in_size();
  const int64_t out_size = g.out_size();
  const int64_t k_size = [&] {
    int64_t n = 1;
    for (int64_t k : g.kernel) n *= k;
    return n;
  }();
  const int64_t cg = channels / group;
  const int64_t mg = out_channels / group;
  const ir::Dims in_strides = ir::strides_of(g.in);
  const int64_t out_w = g.out[last];
  const int64_t in_w = g.in[last];
  const int64_t s_w = g.strides[last];
  const int64_t rows = out_size / out_w;

  // Per kernel position: the input offset along each axis (k * dilation - pad_begin) and the
  // range of output columns whose input column falls inside the row.
  std::vector<int64_t> k_offset(static_cast<size_t>(k_size) * r);
  std::vector<int64_t> col_lo(static_cast<size_t>(k_size)), col_hi(static_cast<size_t>(k_size));
  for (int64_t kp = 0; kp < k_size; ++kp) {
    int64_t rest = kp;
    for (size_t i = r; i-- > 0;) {
      const int64_t k = rest % g.kernel[i];
      rest /= g.kernel[i];
      k_offset[static_cast<size_t>(kp) * r + i] = k * g.dilations[i] - g.pad_begin[i];
    }
    const int64_t off = k_offset[static_cast<size_t>(kp) * r + last];
    col_lo[static_cast<size_t>(kp)] = off >= 0 ? 0 : std::min(out_w, ceil_div(-off, s_w));
    col_hi[static_cast<size_t>(kp)] =
        in_w - off <= 0 ? 0 : std::min(out_w, ceil_div(in_w - off, s_w));
  }

  std::vector<int64_t> row_coord(r, 0);
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t m = 0; m < out_channels; ++m) {
      Acc* y_plane = y + (n * out_channels + m) * out_size;
      const int64_t first_c = (m / mg) * cg;
      for (int64_t c = 0; c < cg; ++c) {
        const Acc* x_plane = x + (n * channels + first_c + c) * in_size;
        const Acc* w_k = w + (m * cg + c) * k_size;
        for (int64_t kp = 0; kp < k_size; ++kp) {
          const Acc wv = w_k[kp];
          const int64_t* off = &k_offset[static_cast<size_t>(kp) * r];
          const int64_t lo = col_lo[static_cast<size_t>(kp)];
          const int64_t hi = col_hi[static_cast<size_t>(kp)];
          if (lo >= hi) continue;
          std::fill(row_coord.begin(), row_coord.end(), 0);
          for (int64_t row = 0; row < rows; ++row) {
            // Input row start; skip rows whose input coordinate falls in the padding.
            int64_t in_offset = off[last];
            bool inside = true;
            for (size_t i = 0; i < last; ++i) {
              const int64_t coord = row_coord[i] * g.strides[i] + off[i];
              if (coord < 0 || coord >= g.in[i]) {
                inside = false;
                break;
              }
              in_offset += coord * in_strides[i];
            }
            if (inside) {
              Acc* y_row = y_plane + row * out_w;
              const Acc* x_row = x_plane + in_offset;
              for (int64_t ow = lo; ow < hi; ++ow) y_row[ow] += wv * x_row[ow * s_w];
            }
            for (size_t i = last; i-- > 0;) {
              if (++row_coord[i] < g.out[i]) break;
              row_coord[i] = 0;
            }
          }
        }
      }
    }
  }
}

template void conv_accumulate<float>(const float*, const float*, float*, int64_t, int64_t, int64_t,
                                     int64_t, const SpatialGeometry&);
template void conv_accumulate<int64_t>(const int64_t*, const int64_t*, int64_t*, int64_t, int64_t,
                                       int64_t, int64_t, const SpatialGeometry&);

SpatialGeometry transpose_geometry(const ir::Node& node, const ir::Dims& in,
                                   const ir::Dims& w_spatial) {
  const size_t r = in.size();
  SpatialGeometry g;
  g.in = in;
  g.kernel = kernel_shape(node, r, w_spatial);
  g.strides = ints_attr(node, "strides", r, 1, 1);
  g.dilations = ints_attr(node, "dilations", r, 1, 1);
  const ir::Dims out_pad = ints_attr(node, "output_padding", r, 0, 0);
  const ir::Dims pads = ints_attr(node, "pads", 2 * r, 0, 0);
  const std::string auto_pad = node.attr<std::string>("auto_pad", "NOTSET");
  ir::Dims requested = node.attr<std::vector<int64_t>>("output_shape", {});
  if (requested.size() == r + 2) requested.erase(requested.begin(), requested.begin() + 2);
  if (!requested.empty() && requested.size() != r)
    throw_invalid_model("attribute 'output_shape' has {} values, expected {}", requested.size(), r);
  const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
  g.pad_begin.assign(r, 0);
  g.pad_end.assign(r, 0);
  g.out.assign(r, 0);
  for (size_t i = 0; i < r; ++i) {
    const int64_t natural =
        g.strides[i] * (in[i] - 1) + out_pad[i] + (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (!requested.empty() || same) {
      g.out[i] = requested.empty() ? in[i] * g.strides[i] : requested[i];
      const int64_t total = std::max<int64_t>(0, natural - g.out[i]);
      g.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      g.pad_end[i] = total - g.pad_begin[i];
    } else {
      g.pad_begin[i] = pads[i];
      g.pad_end[i] = pads[i + r];
      g.out[i] = natural - pads[i] - pads[i + r];
    }
    if (g.out[i] < 1)
      throw_invalid_argument("output spatial axis {} would have size {}", i, g.out[i]);
  }
  return g;
}

std::vector<float> biased_accumulator(const KernelContext& ctx, const ir::Tensor& x, int64_t m,
                                      int64_t out_size) {
  std::vector<float> acc(static_cast<size_t>(x.dim(0) * m * out_size), 0.0f);
  if (!ctx.has_input(2)) return acc;
  const ir::Tensor& b = ctx.input(2);
  require_same_dtype(b, "B", x, "X");
  if (b.rank() != 1 || b.dim(0) != m)
    throw_invalid_argument("B has shape {}, expected [{}] (one per output channel)",
                           ir::to_string(b.dims()), m);
  const std::vector<float> bias = load_as<float>(b, "B");
  for (int64_t n = 0; n < x.dim(0); ++n)
    for (int64_t c = 0; c < m; ++c)
      std::fill_n(acc.begin() + (n * m + c) * out_size, out_size, bias[static_cast<size_t>(c)]);
  return acc;
}

}  // namespace zenith::ref
