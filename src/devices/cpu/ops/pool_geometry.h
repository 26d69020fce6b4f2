// The pooling window as oneDNN describes it, for the pools and their gradients
// (zenith.MaxPoolGrad, zenith.AveragePoolGrad carry the pool's attributes).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>

#include "ir/graph.h"

namespace zenith::cpu {

struct PoolGeometry {
  ir::Dims kernel, strides, dilation, pad_l, pad_r;
  ir::Dims out;  // the output's dims, [N, C, spatial...]
};

// The geometry of `node` (a pool, global or not, or a pool's gradient) on input dims `x`;
// nullopt when oneDNN cannot match ONNX (an averaging window that counts the padding and is
// stretched by ceil_mode).
std::optional<PoolGeometry> pool_geometry(const ir::Node& node, const ir::Dims& x);

// Max, or an average counting the padding or not, as `node`'s op and attributes say.
dnnl::algorithm pool_algorithm(const ir::Node& node);

}  // namespace zenith::cpu
