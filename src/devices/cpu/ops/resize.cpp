// Resize on oneDNN's resampling primitive, where its coordinate mapping is ONNX's for the node's
// attributes and the run's dims; the rest runs on REF.
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
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct ResizeEntry {
  dnnl::resampling_forward::primitive_desc pd;
  dnnl::resampling_forward primitive;
};

struct Mapping {
  bool linear;
  std::string transform;
  std::string nearest_mode;
};

Mapping mapping_of(const ir::Node& node) {
  return {node.attr<std::string>("mode", "nearest") == "linear",
          node.attr<std::string>("coordinate_transformation_mode", "half_pixel"),
          node.attr<std::string>("nearest_mode", "round_prefer_floor")};
}

// True if oneDNN computes ONNX's result along an axis resized from `in` to `out` by `scale`.
// ONNX maps coordinates with `scale`, oneDNN with out / in: they must agree, exactly for nearest
// (a tie may round either way otherwise), to f32 rounding for linear (0.6f for 5 -> 3, whose
// weights then differ by 1e-7).
bool axis_matches(const Mapping& m, int64_t in, int64_t out, double scale) {
  if (in == 0 || out == 0) return false;
  const double ratio = static_cast<double>(out) / static_cast<double>(in);
  if (m.linear ? std::abs(scale - ratio) > 1e-6 * ratio : scale != ratio) return false;
  const bool upsampled = out % in == 0;
  const bool half_pixel =
      m.transform == "half_pixel" || (m.transform == "pytorch_half_pixel" && out > 1);
  if (m.linear) return half_pixel;
  if (half_pixel)
    return m.nearest_mode == "round_prefer_ceil" ||
           (m.nearest_mode == "round_prefer_floor" && upsampled);
  return m.transform == "asymmetric" && m.nearest_mode == "floor" && upsampled;
}

// The node's scales or sizes input as a tensor, if given and plain.
const ir::Tensor* plain_input(const std::vector<const CpuValue*>& in, size_t i) {
  return i < in.size() && in[i] && in[i]->plain.defined() ? &in[i]->plain : nullptr;
}

class ResizeOp : public CpuOp {
 public:
  explicit ResizeOp(const ir::Node& node) : mapping_(mapping_of(node)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || !in[0]->is_f32()) return false;
    const ir::Dims x = in[0]->dims();
    if (x.size() < 3 || x.size() > 5) return false;
    ref::ResizeShape shape;
    try {
      shape = ref::resize_shape(x, plain_input(in, 2), plain_input(in, 3));
    } catch (const Error&) {
      return false;  // REF reports it, with the node's context
    }
    if (shape.out[0] != x[0] || shape.out[1] != x[1]) return false;  // oneDNN resizes spatial axes
    for (size_t a = 2; a < x.size(); ++a)
      if (!axis_matches(mapping_, x[a], shape.out[a], shape.scales[a])) return false;
    return true;
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    const ir::Dims out = ref::resize_shape(x.dims(), plain_input(in, 2), plain_input(in, 3)).out;
    const memory::desc dst_any(out, memory::data_type::f32, memory::format_tag::any);
    auto entry = cache_.get({x.desc(), dst_any}, [&] {
      const auto alg = mapping_.linear ? dnnl::algorithm::resampling_linear
                                       : dnnl::algorithm::resampling_nearest;
      const dnnl::resampling_forward::desc desc(dnnl::prop_kind::forward_inference, alg, x.desc(),
                                                dst_any);
      dnnl::resampling_forward::primitive_desc pd(desc, with_user_scratchpad(), engine());
      return ResizeEntry{pd, dnnl::resampling_forward(pd)};
    });
    CpuValue y = allocate(entry->pd.dst_desc());
    execute(entry->primitive, stream, {{DNNL_ARG_SRC, x.mem}, {DNNL_ARG_DST, y.mem}});
    return {std::move(y)};
  }

 private:
  Mapping mapping_;
  PrimitiveCache<ResizeEntry> cache_;
};

}  // namespace

std::string supports_resize(const ir::Graph& graph, const ir::Node& node) {
  const Mapping m = mapping_of(node);
  const std::string mode = node.attr<std::string>("mode", "nearest");
  if (mode != "nearest" && mode != "linear")
    return fmt::format("mode '{}': oneDNN resamples nearest or linear", mode);
  if (node.attr<int64_t>("antialias", 0) != 0)
    return "antialias: oneDNN's resampling does not filter";
  const bool half_pixel = m.transform == "half_pixel" || m.transform == "pytorch_half_pixel";
  if (m.linear && !half_pixel)
    return fmt::format(
        "linear with coordinate_transformation_mode '{}': oneDNN maps coordinates half_pixel",
        m.transform);
  if (!m.linear && !(half_pixel && m.nearest_mode.rfind("round_prefer_", 0) == 0) &&
      !(m.transform == "asymmetric" && m.nearest_mode == "floor"))
    return fmt::format(
        "nearest with coordinate_transformation_mode '{}' and nearest_mode '{}': oneDNN rounds "
        "half_pixel "
        "coordinates",
        m.transform, m.nearest_mode);
  return require_f32(graph, node, 1);
}

std::unique_ptr<CpuOp> build_resize(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ResizeOp>(*spec.node);
}

}  // namespace zenith::cpu
