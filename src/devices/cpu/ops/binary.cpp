// Add / Sub / Mul / Div with numpy broadcasting on oneDNN, with fused activations. The output
// takes the full-size operand's layout, so residual and scaling steps stay blocked. Integer
// operands take our loop (integer_binary.h), one value per channel our other loop
// (channel_broadcast.h).
#include "devices/cpu/ops/channel_broadcast.h"
#include "devices/cpu/ops/integer_binary.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct BinaryEntry {
  dnnl::binary primitive;
};

// The post-ops of a step our loop computed, as in-place eltwise primitives in turn.
struct PostOpsEntry {
  std::vector<dnnl::eltwise_forward> primitives;
};

class BinaryOp : public CpuOp {
 public:
  explicit BinaryOp(const StepSpec& spec) : spec_(spec) {
    const std::string& op = spec.node->op_type;
    alg_ = op == "Add"   ? dnnl::algorithm::binary_add
           : op == "Sub" ? dnnl::algorithm::binary_sub
           : op == "Mul" ? dnnl::algorithm::binary_mul
                         : dnnl::algorithm::binary_div;
    commutative_ = op == "Add" || op == "Mul";
  }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (integer_operands(in)) return spec_.post_ops.empty();
    // f32 operands; a scalar (rank 0: no oneDNN memory, `x * 0.5`) broadcasts as [1, ..., 1].
    for (const CpuValue* v : in)
      if (!v || v->dtype() != ir::DType::F32 || (!v->mem && !v->plain.dims().empty())) return false;
    const ir::Dims a = in[0]->dims(), b = in[1]->dims();
    if (a.size() < b.size() && !commutative_) return false;
    ir::Dims out;
    try {
      out = ir::broadcast_dims(a, b);
    } catch (const Error&) {
      return false;  // REF reports the mismatch with the node's context
    }
    return !out.empty() && (a == out || (commutative_ && b == out));
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    if (integer_operands(in)) return {integer_binary(alg_, in, stream)};
    const bool swap = in[0]->dims() != ir::broadcast_dims(in[0]->dims(), in[1]->dims());
    const CpuValue& full = *in[swap ? 1 : 0];
    const CpuValue& other = *in[swap ? 0 : 1];
    if (broadcasts_over_pixels(full.dims(), other.dims()))
      if (const auto layout = channel_layout(full.desc()))
        return {per_channel(full, other, *layout, stream)};
    ir::Tensor keep;
    CpuValue same_layout;
    memory src1;
    if (other.dims() == full.dims()) {
      same_layout = to_layout(other, full.desc(), stream);  // oneDNN's fast paths want one layout
      src1 = same_layout.mem;
    } else {
      ir::Dims dims = other.dims();
      dims.insert(dims.begin(), full.dims().size() - dims.size(), 1);
      src1 = plain_view(other, dims, stream, keep);
    }
    auto entry = cache_.get({full.desc(), src1.get_desc()}, [&] {
      dnnl::primitive_attr attr;
      attr.set_post_ops(make_post_ops(spec_.post_ops));
      const dnnl::binary::desc desc(alg_, full.desc(), src1.get_desc(), full.desc());
      return BinaryEntry{
          dnnl::binary(dnnl::binary::primitive_desc(desc, with_user_scratchpad(attr), engine()))};
    });
    CpuValue dst = allocate(full.desc());
    execute(entry->primitive, stream,
            {{DNNL_ARG_SRC_0, full.mem}, {DNNL_ARG_SRC_1, src1}, {DNNL_ARG_DST, dst.mem}});
    return {std::move(dst)};
  }

 private:
  CpuValue per_channel(const CpuValue& full, const CpuValue& other, const ChannelLayout& layout,
                       dnnl::stream& stream) const {
    const ir::Tensor values = to_plain(other, stream);
    CpuValue dst = allocate(full.desc());
    channel_broadcast(alg_, layout, static_cast<const float*>(full.mem.get_data_handle()),
                      values.data<float>(), values.numel() != layout.channels,
                      static_cast<float*>(dst.mem.get_data_handle()));
    if (spec_.post_ops.empty()) return dst;
    auto entry = post_ops_cache_.get(
        {dst.desc()}, [&] { return PostOpsEntry{in_place_eltwises(spec_.post_ops, dst.desc())}; });
    run_in_place(entry->primitives, dst.mem, stream);
    return dst;
  }

  StepSpec spec_;
  dnnl::algorithm alg_;
  bool commutative_;
  PrimitiveCache<BinaryEntry> cache_;
  PrimitiveCache<PostOpsEntry> post_ops_cache_;
};

}  // namespace

std::string supports_binary(const ir::Graph& graph, const ir::Node& node) {
  return declared_integer_operands(graph, node) ? "" : require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_binary(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<BinaryOp>(spec);
}

}  // namespace zenith::cpu
