// Axis permutations: Transpose, and DepthToSpace / SpaceToDepth expressed as reshape + transpose
// + reshape, exactly as the ONNX spec defines them.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/shape_ops.h"

namespace zenith::ref {
namespace {

// REQUIRES: perm is a permutation of [0, x.rank()).
ir::Tensor permute(const ir::Tensor& x, const std::vector<int64_t>& perm) {
  const ir::Dims in_strides = ir::strides_of(x.dims());
  ir::Dims out_dims(perm.size());
  ir::Dims src_strides(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    out_dims[i] = x.dims()[static_cast<size_t>(perm[i])];
    src_strides[i] = in_strides[static_cast<size_t>(perm[i])];
  }
  ir::Tensor y(x.dtype(), out_dims);
  if (y.numel() == 0) return y;
  const ElementCopier copy(x, y);
  ir::Dims index(out_dims.size(), 0);
  int64_t dst = 0;
  do {
    copy(dot(index, src_strides), dst++);
  } while (next_index(index, out_dims));
  return y;
}

void transpose(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  ctx.set_output(0, permute(x, transpose_perm(ctx.node(), x.rank())));
}

struct Blocked {
  int64_t n, c, h, w, b;
};

Blocked check_4d(KernelContext& ctx, const ir::Tensor& x) {
  if (x.rank() != 4)
    throw_invalid_argument("input must be 4-D [N,C,H,W], got {}", ir::to_string(x.dims()));
  const int64_t b = ctx.attr<int64_t>("blocksize");
  if (b <= 0) throw_invalid_model("attribute 'blocksize' must be positive, got {}", b);
  return {x.dims()[0], x.dims()[1], x.dims()[2], x.dims()[3], b};
}

void depth_to_space(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto [n, c, h, w, b] = check_4d(ctx, x);
  if (c % (b * b) != 0)
    throw_invalid_argument("channels {} are not divisible by blocksize^2 = {}", c, b * b);
  const std::string mode = ctx.attr<std::string>("mode", "DCR");
  ir::Tensor t;
  if (mode == "DCR") {
    t = permute(x.reshaped({n, b, b, c / (b * b), h, w}), {0, 3, 4, 1, 5, 2});
  } else if (mode == "CRD") {
    t = permute(x.reshaped({n, c / (b * b), b, b, h, w}), {0, 1, 4, 2, 5, 3});
  } else {
    throw_invalid_model("attribute 'mode' is '{}', expected 'DCR' or 'CRD'", mode);
  }
  ctx.set_output(0, t.reshaped({n, c / (b * b), h * b, w * b}));
}

void space_to_depth(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const auto [n, c, h, w, b] = check_4d(ctx, x);
  if (h % b != 0 || w % b != 0)
    throw_invalid_argument("spatial dims {}x{} are not divisible by blocksize {}", h, w, b);
  const ir::Tensor t = permute(x.reshaped({n, c, h / b, b, w / b, b}), {0, 3, 5, 1, 2, 4});
  ctx.set_output(0, t.reshaped({n, c * b * b, h / b, w / b}));
}

}  // namespace

void register_transpose(KernelRegistry& registry) {
  registry.add("Transpose", &transpose);
  registry.add("DepthToSpace", &depth_to_space);
  registry.add("SpaceToDepth", &space_to_depth);
}

}  // namespace zenith::ref
