// Expand and Tile on the CPU device, for every fixed-size dtype: one strided copy each, the
// source stepping 0 along the axes it repeats, so a repeated row is a fill and a repeated block
// a memcpy.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

class ExpandOp : public CpuOp {
 public:
  explicit ExpandOp(const ir::Node& node) : tile_(node.op_type == "Tile") {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && in.size() > 1 && in[1] && all_fixed_size(in);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    note_kernel(tile_ ? "zenith:tile" : "zenith:expand");
    if (tile_) {
      const std::vector<int64_t> repeats = int_values(*in[1], "input 'repeats'", stream);
      const ir::Dims out = ref::tile_dims(x.dims(), repeats);
      return {copy(x, out, tile_loop(x.dims(), repeats, out))};
    }
    const ir::Dims out = ref::expand_dims(x.dims(), int_values(*in[1], "input 'shape'", stream));
    return {copy(x, out, {out, {ir::strides_of(out), broadcast_strides(x.dims(), out)}})};
  }

 private:
  static CpuValue copy(const ir::Tensor& x, const ir::Dims& out, const StridedLoop<2>& loop) {
    CpuValue y = allocate_plain(x.dtype(), out);
    copy_strided(x.raw(), y.plain.raw(), ir::dtype_size(x.dtype()), loop);
    return y;
  }

  // Tile as a loop over (repeat, element) pairs per axis: across repeats the output steps by the
  // input's extent times its stride and the input by 0.
  static StridedLoop<2> tile_loop(const ir::Dims& x, const std::vector<int64_t>& repeats,
                                  const ir::Dims& out) {
    const ir::Dims out_strides = ir::strides_of(out), in_strides = ir::strides_of(x);
    StridedLoop<2> loop;
    for (size_t a = 0; a < x.size(); ++a) {
      loop.dims.insert(loop.dims.end(), {repeats[a], x[a]});
      loop.strides[0].insert(loop.strides[0].end(), {x[a] * out_strides[a], out_strides[a]});
      loop.strides[1].insert(loop.strides[1].end(), {0, in_strides[a]});
    }
    return loop;
  }

  bool tile_;
};

}  // namespace

std::string supports_expand(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node, 1);
}

std::unique_ptr<CpuOp> build_expand(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ExpandOp>(*spec.node);
}

}  // namespace zenith::cpu
