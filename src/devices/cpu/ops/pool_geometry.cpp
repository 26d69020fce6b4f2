// pool_geometry: ONNX's pooling attributes in oneDNN's terms.
#include "devices/cpu/ops/pool_geometry.h"

#include "devices/reference/spatial_util.h"

namespace zenith::cpu {
namespace {

bool is_max(const ir::Node& node) { return node.op_type.find("Max") != std::string::npos; }
bool counts_pad(const ir::Node& node) { return node.attr<int64_t>("count_include_pad", 0) != 0; }

}  // namespace

std::optional<PoolGeometry> pool_geometry(const ir::Node& node, const ir::Dims& x) {
  const ir::Dims spatial(x.begin() + 2, x.end());
  const size_t r = spatial.size();
  PoolGeometry g;
  if (node.op_type.rfind("Global", 0) == 0) {
    g = {spatial, ir::Dims(r, 1), ir::Dims(r, 0), ir::Dims(r, 0), ir::Dims(r, 0), ir::Dims(r, 1)};
  } else {
    const ir::Dims kernel = ref::kernel_shape(node, r, {});
    const auto geo =
        ref::spatial_geometry(node, spatial, kernel, node.attr<int64_t>("ceil_mode", 0) != 0);
    g = {kernel, geo.strides, geo.dilations, geo.pad_begin, geo.pad_end, geo.out};
    for (size_t i = 0; i < r; ++i) {
      g.dilation[i] -= 1;  // oneDNN counts the gaps, ONNX the step
      // oneDNN rounds the output size down; pad the end so its size is ONNX's.
      const int64_t window = (kernel[i] - 1) * geo.dilations[i] + 1;
      const int64_t end =
          (geo.out[i] - 1) * geo.strides[i] + window - spatial[i] - geo.pad_begin[i];
      if (end > geo.pad_end[i]) {
        if (!is_max(node) && counts_pad(node)) return std::nullopt;
        g.pad_r[i] = end;
      }
    }
  }
  g.out.insert(g.out.begin(), {x[0], x[1]});
  return g;
}

dnnl::algorithm pool_algorithm(const ir::Node& node) {
  return is_max(node)       ? dnnl::algorithm::pooling_max
         : counts_pad(node) ? dnnl::algorithm::pooling_avg_include_padding
                            : dnnl::algorithm::pooling_avg_exclude_padding;
}

}  // namespace zenith::cpu
