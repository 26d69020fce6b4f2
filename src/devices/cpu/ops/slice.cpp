// Slice and Split on the CPU device, for every fixed-size dtype: strided copies of a window of
// the input (contiguous runs are one memcpy each), with REF's window arithmetic and errors. A
// Split of an f32 tensor in channel blocks along its channels into whole blocks (a concat's
// gradient in DenseNet's backward) keeps the blocks: one copy per image and part, where a plain
// split cost a reorder to plain and, in each reader, one back.
#include <cstring>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/cpu/parallel.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

// Copies the window of `x` that starts at element `first` and steps `strides` (elements) along
// each axis into a fresh plain tensor of `dims`.
CpuValue copy_window(const ir::Tensor& x, int64_t first, const ir::Dims& strides,
                     const ir::Dims& dims) {
  CpuValue y = allocate_plain(x.dtype(), dims);
  const size_t elem = ir::dtype_size(x.dtype());
  copy_strided(x.raw() + static_cast<size_t>(first) * elem, y.plain.raw(), elem,
               {dims, {ir::strides_of(dims), strides}});
  return y;
}

// The first element of window `w` of a tensor laid out with `strides` (elements per step of
// each axis), and `strides` made the window's: each axis's times its step.
int64_t window_start(const ref::SliceWindow& w, ir::Dims& strides) {
  int64_t first = 0;
  for (size_t a = 0; a < w.first.size(); ++a) {
    first += w.first[a] * strides[a];
    strides[a] *= w.step[a];
  }
  return first;
}

class SliceOp : public CpuOp {
 public:
  explicit SliceOp(const StepSpec& spec)
      : split_(spec.node->op_type == "Split"),
        axis_(spec.node->attr<int64_t>("axis", 0)),
        outputs_(spec.outputs.size()) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && all_fixed_size(in) && (split_ || (in.size() > 2 && in[1] && in[2]));
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    auto optional = [&](size_t i, std::string_view what) {
      return optional_int_values(i < in.size() ? in[i] : nullptr, what, stream);
    };
    if (split_) {
      const ir::Dims dims = in[0]->dims();
      const int64_t axis = ref::split_axis(dims, axis_);
      const std::vector<int64_t> sizes = ref::split_sizes(
          dims, axis, static_cast<int64_t>(outputs_), optional(1, "input 'split'"));
      if (splits_blocks(*in[0], axis, sizes)) {
        note_kernel("zenith:split_blocked");
        return split_blocked(*in[0], sizes);
      }
      note_kernel("zenith:split");
      return split(to_plain(*in[0], stream), axis, sizes);
    }
    const ref::SliceWindow w =
        ref::slice_window(in[0]->dims(), int_values(*in[1], "input 'starts'", stream),
                          int_values(*in[2], "input 'ends'", stream), optional(3, "input 'axes'"),
                          optional(4, "input 'steps'"));
    if (keeps_blocks(*in[0], w)) {
      note_kernel("zenith:slice_blocked");
      return {slice_blocked(*in[0], w)};
    }
    const ir::Tensor x = to_plain(*in[0], stream);
    note_kernel("zenith:slice");
    ir::Dims strides = ir::strides_of(x.dims());
    const int64_t first = window_start(w, strides);
    return {copy_window(x, first, strides, w.out)};
  }

 private:
  StepOutputs split(const ir::Tensor& x, int64_t axis, const std::vector<int64_t>& sizes) const {
    const ir::Dims strides = ir::strides_of(x.dims());
    StepOutputs out;
    int64_t offset = 0;
    for (int64_t size : sizes) {
      ir::Dims dims = x.dims();
      dims[static_cast<size_t>(axis)] = size;
      out.push_back(copy_window(x, offset * strides[static_cast<size_t>(axis)], strides, dims));
      offset += size;
    }
    return out;
  }

  // True if `x` is f32 densely in channel blocks and the window keeps every image and channel
  // (the regions of a Conv split by passes/conv_tap_trimming.h slice the map only).
  static bool keeps_blocks(const CpuValue& x, const ref::SliceWindow& w) {
    if (!x.is_f32() || x.rank() < 3 || x.rank() > 5 || x.desc() != blocked_desc(x.dims()))
      return false;
    for (size_t a : {0, 1})
      if (w.first[a] != 0 || w.step[a] != 1 || w.out[a] != x.dim(static_cast<int64_t>(a)))
        return false;
    return true;
  }

  // The window of `x` (see keeps_blocks) in channel blocks: [N, blocks, spatial..., block]
  // copied as a plain tensor of one more axis.
  static CpuValue slice_blocked(const CpuValue& x, const ref::SliceWindow& w) {
    const int64_t block = channel_block();
    ir::Dims in = x.dims(), out = w.out;
    in[1] = out[1] = (x.dim(1) + block - 1) / block;
    in.push_back(block);
    out.push_back(block);
    ir::Dims strides = ir::strides_of(in);  // the block axis last, untouched by the window
    const int64_t first = window_start(w, strides);
    CpuValue y = allocate(blocked_desc(w.out));
    const auto* src = static_cast<const std::byte*>(x.mem.get_data_handle());
    copy_strided(src + static_cast<size_t>(first) * sizeof(float),
                 static_cast<std::byte*>(y.mem.get_data_handle()), sizeof(float),
                 {out, {ir::strides_of(out), strides}});
    return y;
  }

  // True if `x` is f32 densely in channel blocks and split along the channels into whole blocks.
  static bool splits_blocks(const CpuValue& x, int64_t axis, const std::vector<int64_t>& sizes) {
    if (axis != 1 || !x.is_f32() || x.rank() < 3 || x.rank() > 5) return false;
    for (int64_t size : sizes)
      if (size <= 0 || size % channel_block() != 0) return false;
    return x.desc() == blocked_desc(x.dims());
  }

  static StepOutputs split_blocked(const CpuValue& x, const std::vector<int64_t>& sizes) {
    const int64_t block = channel_block(), batch = x.dim(0), blocks = x.dim(1) / block;
    const int64_t elements = ir::checked_numel(x.dims());
    const int64_t run = batch * blocks == 0 ? 0 : elements / (batch * blocks);  // pixels x block
    const auto* src = static_cast<const float*>(x.mem.get_data_handle());
    StepOutputs out;
    std::vector<float*> dst;
    std::vector<int64_t> first;  // each part's first block
    int64_t at = 0;
    for (int64_t size : sizes) {
      ir::Dims dims = x.dims();
      dims[1] = size;
      out.push_back(allocate(blocked_desc(dims)));
      dst.push_back(static_cast<float*>(out.back().mem.get_data_handle()));
      first.push_back(at);
      at += size / block;
    }
    const auto parts = static_cast<int64_t>(sizes.size());
    parallel_for(batch * parts, elements >= kParallelElements, [&](int64_t i) {
      const int64_t n = i / parts, p = i % parts;
      const int64_t part_blocks = sizes[static_cast<size_t>(p)] / block;
      std::memcpy(dst[static_cast<size_t>(p)] + n * part_blocks * run,
                  src + (n * blocks + first[static_cast<size_t>(p)]) * run,
                  static_cast<size_t>(part_blocks * run) * sizeof(float));
    });
    return out;
  }

  bool split_;
  int64_t axis_;
  size_t outputs_;  // Split's parts, unnamed ones included (computed, never stored)
};

}  // namespace

std::string supports_slice(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node, 1);
}

std::unique_ptr<CpuOp> build_slice(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<SliceOp>(spec);
}

}  // namespace zenith::cpu
