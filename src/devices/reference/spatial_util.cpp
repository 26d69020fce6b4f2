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

}  // namespace

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

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
  const int64_t s_w = g.strides.back();
  for_each_conv_row(batch, channels, out_channels, group, g,
                    [&](int64_t xi, int64_t wi, int64_t yi, int64_t lo, int64_t hi) {
                      const Acc wv = w[wi];
                      for (int64_t ow = lo; ow < hi; ++ow) y[yi + ow] += wv * x[xi + ow * s_w];
                    });
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
