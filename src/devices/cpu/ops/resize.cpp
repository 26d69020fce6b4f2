// Resize on the CPU device: oneDNN's resampling primitive where its coordinate mapping is ONNX's
// for the node's attributes and the run's dims (blocked layouts kept), else a loop of ours over
// REF's interpolation taps (every mode, transform and rank, in plain layout).
//
// oneDNN maps output index y of an axis resized from `in` to `out` to the input coordinate
// (y + 0.5) * in / out - 0.5 and reads it linearly (clamped to the edges) or rounds it half
// away from zero. That is ONNX's half_pixel transform (and pytorch_half_pixel for outputs
// longer than 1) when the scale is exactly out / in; for nearest, ties round up, so ONNX's
// round_prefer_ceil matches, and round_prefer_floor where no tie occurs (integer upsampling).
// Integer upsampling by k under asymmetric + floor (PyTorch's nearest) reads input q for outputs
// kq .. kq + k - 1, as oneDNN's rounding of q + (r + 0.5) / k - 0.5 does.
#include <cmath>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/resize_taps.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct ResizeEntry {
  dnnl::resampling_forward::primitive_desc pd;
  dnnl::resampling_forward primitive;
};

// True if oneDNN computes ONNX's result along an axis resized from `in` to `out` by `scale`.
// ONNX maps coordinates with `scale`, oneDNN with out / in: they must agree, exactly for nearest
// (a tie may round either way otherwise), to f32 rounding for linear (0.6f for 5 -> 3, whose
// weights then differ by 1e-7).
bool axis_matches(const ref::ResizeOptions& o, int64_t in, int64_t out, double scale) {
  if (in == 0 || out == 0) return false;
  const double ratio = static_cast<double>(out) / static_cast<double>(in);
  const bool linear = o.mode == "linear";
  if (linear ? std::abs(scale - ratio) > 1e-6 * ratio : scale != ratio) return false;
  const bool upsampled = out % in == 0;
  const bool half_pixel =
      o.transform == "half_pixel" || (o.transform == "pytorch_half_pixel" && out > 1);
  if (linear) return half_pixel;
  if (o.mode != "nearest") return false;  // cubic
  if (half_pixel)
    return o.nearest_mode == "round_prefer_ceil" ||
           (o.nearest_mode == "round_prefer_floor" && upsampled);
  return o.transform == "asymmetric" && o.nearest_mode == "floor" && upsampled;
}

// ONNX's interpolation of `x` into `y` by the taps: per output row (every axis but the last) the
// outer axes' taps combine into a few (offset, weight) pairs, which each output element sums
// against its last-axis taps.
void interpolate(const ir::Tensor& x, const std::vector<ref::AxisTaps>& taps, float extrapolation,
                 ir::Tensor& y) {
  const ir::Dims& out = y.dims();
  const size_t rank = out.size();
  if (y.numel() == 0) return;
  const ir::Dims strides = ir::strides_of(x.dims());
  const int64_t n = out.back();
  const int64_t rows = y.numel() / n;
  // The last axis' taps, flattened: column j's are [first[j], first[j + 1]).
  std::vector<int64_t> first = {0}, offset;
  std::vector<float> weight;
  for (const std::vector<ref::Tap>& column : taps.back()) {
    for (const ref::Tap& t : column) {
      offset.push_back(t.index * strides.back());
      weight.push_back(static_cast<float>(t.weight));
    }
    first.push_back(static_cast<int64_t>(offset.size()));
  }
  const float* src = x.data<float>();
  float* dst = y.data<float>();
  parallel_ranges(rows, y.numel() >= kParallelElements, [&](int64_t rows_begin, int64_t rows_end) {
    std::vector<std::pair<int64_t, float>> outer, next;
    for (int64_t r = rows_begin; r < rows_end; ++r) {
      outer.assign(1, {0, 1.0f});
      for (int64_t rest = r, a = static_cast<int64_t>(rank) - 2; a >= 0; --a) {
        const auto axis = static_cast<size_t>(a);
        const std::vector<ref::Tap>& at = taps[axis][static_cast<size_t>(rest % out[axis])];
        rest /= out[axis];
        next.clear();
        for (const auto& [o, w] : outer)
          for (const ref::Tap& t : at)
            next.emplace_back(o + t.index * strides[axis], w * static_cast<float>(t.weight));
        outer.swap(next);  // empty outside tf_crop_and_resize's window
      }
      float* row = dst + r * n;
      for (int64_t j = 0; j < n; ++j) {
        const int64_t begin = first[static_cast<size_t>(j)],
                      end = first[static_cast<size_t>(j) + 1];
        if (outer.empty() || begin == end) {
          row[j] = extrapolation;
          continue;
        }
        float sum = 0;
        for (const auto& [o, w] : outer)
          for (int64_t k = begin; k < end; ++k)
            sum += w * weight[static_cast<size_t>(k)] * src[o + offset[static_cast<size_t>(k)]];
        row[j] = sum;
      }
    }
  });
}

class ResizeOp : public CpuOp {
 public:
  explicit ResizeOp(const ir::Node& node)
      : options_(ref::resize_options(node)),
        extrapolation_(node.attr<float>("extrapolation_value", 0.0f)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && in[0]->dtype() == ir::DType::F32 && !in[0]->dims().empty();
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    ir::Tensor inputs[4];  // roi, scales and sizes as plain tensors, where given
    auto input = [&](size_t i) -> const ir::Tensor* {
      if (i >= in.size() || !in[i]) return nullptr;
      inputs[i] = to_plain(*in[i], stream);
      return &inputs[i];
    };
    const ref::ResizeShape shape = ref::resize_shape(x.dims(), input(2), input(3));
    if (on_onednn(x, shape)) return {resample(x, shape.out, stream)};
    const ir::Tensor plain = to_plain(x, stream);
    const std::vector<ref::AxisTaps> taps =
        ref::resize_taps(options_, plain.dims(), shape, input(1));
    CpuValue y = allocate_plain(ir::DType::F32, shape.out);
    note_kernel("zenith:resize");
    interpolate(plain, taps, extrapolation_, y.plain);
    return {std::move(y)};
  }

 private:
  // True if oneDNN's resampling computes ONNX's result: spatial axes of a 3- to 5-D tensor,
  // each mapped alike (axis_matches).
  bool on_onednn(const CpuValue& x, const ref::ResizeShape& shape) const {
    const ir::Dims dims = x.dims();
    if (!x.mem || dims.size() < 3 || dims.size() > 5 || shape.out[0] != dims[0] ||
        shape.out[1] != dims[1])
      return false;
    for (size_t a = 2; a < dims.size(); ++a)
      if (!axis_matches(options_, dims[a], shape.out[a], shape.scales[a])) return false;
    return true;
  }

  CpuValue resample(const CpuValue& x, const ir::Dims& out, dnnl::stream& stream) const {
    const memory::desc dst_any(out, memory::data_type::f32, memory::format_tag::any);
    auto entry = cache_.get({x.desc(), dst_any}, [&] {
      const auto alg = options_.mode == "linear" ? dnnl::algorithm::resampling_linear
                                                 : dnnl::algorithm::resampling_nearest;
      const dnnl::resampling_forward::desc desc(dnnl::prop_kind::forward_inference, alg, x.desc(),
                                                dst_any);
      dnnl::resampling_forward::primitive_desc pd(desc, with_user_scratchpad(), engine());
      return ResizeEntry{pd, dnnl::resampling_forward(pd)};
    });
    CpuValue y = allocate(dst_md(entry->pd));
    execute(entry->primitive, stream, {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, y.mem}});
    return y;
  }

  ref::ResizeOptions options_;
  float extrapolation_;
  PrimitiveCache<ResizeEntry> cache_;
};

}  // namespace

std::string supports_resize(const ir::Graph& graph, const ir::Node& node) {
  try {
    ref::resize_options(node);
  } catch (const Error& e) {
    return e.what();  // REF reports it when the node runs
  }
  if (node.attr<int64_t>("antialias", 0) != 0)
    return "antialias: the CPU device interpolates without filtering";
  return require_f32(graph, node, 1);
}

std::unique_ptr<CpuOp> build_resize(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ResizeOp>(*spec.node);
}

}  // namespace zenith::cpu
