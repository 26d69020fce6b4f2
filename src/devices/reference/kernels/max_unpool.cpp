// MaxUnpool: scatters pooled values back to the positions MaxPool's Indices name.
#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"
#include "devices/reference/spatial_util.h"

namespace zenith::ref {
namespace {

void max_unpool(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const ir::Tensor& indices = ctx.input(1);
  check_spatial_input(x, "X");
  if (indices.dtype() != ir::DType::I64 || indices.dims() != x.dims())
    throw_invalid_argument("I is {} of shape {}, expected i64 of X's shape {}",
                           ir::dtype_name(indices.dtype()), ir::to_string(indices.dims()),
                           ir::to_string(x.dims()));
  const size_t r = static_cast<size_t>(x.rank()) - 2;
  const ir::Dims kernel = kernel_shape(ctx.node(), r, {});
  // Indices address the unpooled shape that the pooling formula implies, run backwards:
  // (in - 1) * stride + kernel - pads. An output_shape only adds room at the end of each axis.
  const ir::Dims strides = ctx.attr<std::vector<int64_t>>("strides", ir::Dims(r, 1));
  const ir::Dims pads = ctx.attr<std::vector<int64_t>>("pads", ir::Dims(2 * r, 0));
  if (strides.size() != r || pads.size() != 2 * r)
    throw_invalid_model("attributes 'strides' {} and 'pads' {} need {} and {} values", strides,
                        pads, r, 2 * r);
  ir::Dims natural = {x.dim(0), x.dim(1)};
  for (size_t i = 0; i < r; ++i) {
    const int64_t d =
        (x.dim(static_cast<int64_t>(i) + 2) - 1) * strides[i] + kernel[i] - pads[i] - pads[i + r];
    if (d < 1) throw_invalid_argument("output spatial axis {} would have size {}", i, d);
    natural.push_back(d);
  }
  const int64_t natural_numel = ir::checked_numel(natural, "unpooled shape");
  ir::Dims out_dims = natural;
  if (auto requested = optional_ints(ctx, 2, "output_shape")) {
    if (requested->size() != r + 2)
      throw_invalid_argument("output_shape has {} values, expected {} (the full output shape)",
                             requested->size(), r + 2);
    for (size_t i = 0; i < r + 2; ++i)
      if ((*requested)[i] < natural[i])
        throw_invalid_argument("output_shape {} is smaller than the unpooled shape {}", *requested,
                               ir::to_string(natural));
    out_dims = *requested;
  }
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), out_dims);
  const ir::Dims out_strides = ir::strides_of(out_dims);
  const int64_t* idx = indices.data<int64_t>();
  ElementCopier copy(x, y);
  for (int64_t i = 0; i < x.numel(); ++i) {
    if (idx[i] < 0 || idx[i] >= natural_numel)
      throw_invalid_argument("I[{}] = {} is outside the unpooled shape {}", i, idx[i],
                             ir::to_string(natural));
    copy(i, dot(unravel_index(idx[i], natural), out_strides));
  }
}

}  // namespace

void register_max_unpool(KernelRegistry& registry) { registry.add("MaxUnpool", &max_unpool); }

}  // namespace zenith::ref
