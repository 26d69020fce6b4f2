// conv_geometry: an ONNX Conv's attributes as oneDNN's convolution parameters.
#include "devices/cpu/ops/conv_geometry.h"

#include "devices/reference/spatial_util.h"
#include "ir/errors.h"

namespace zenith::cpu {

ConvGeometry conv_geometry(const ir::Node& node, const ir::Dims& x, const ir::Dims& w) {
  const int64_t g = node.attr<int64_t>("group", 1);
  if (g < 1 || w[0] % g != 0 || x[1] != w[1] * g)
    throw_invalid_argument(
        "X has {} channels and W is {} with group {}: expected W[1] * group = "
        "channels and W[0] divisible by group",
        x[1], ir::to_string(w), g);
  const ir::Dims spatial(x.begin() + 2, x.end());
  ConvGeometry c;
  c.kernel = ref::kernel_shape(node, spatial.size(), ir::Dims(w.begin() + 2, w.end()));
  const ref::SpatialGeometry geo = ref::spatial_geometry(node, spatial, c.kernel);
  c.dst = {x[0], w[0]};
  c.dst.insert(c.dst.end(), geo.out.begin(), geo.out.end());
  c.strides = geo.strides;
  c.dilates = geo.dilations;
  for (int64_t& d : c.dilates) d -= 1;
  c.pad_begin = geo.pad_begin;
  c.pad_end = geo.pad_end;
  return c;
}

ir::Dims weight_dims(ir::Dims w, int64_t group) {
  if (group == 1) return w;
  w[0] /= group;
  w.insert(w.begin(), group);
  return w;
}

}  // namespace zenith::cpu
