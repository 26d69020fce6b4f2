// Gemm and MatMul on oneDNN's matmul (plain layouts; constant weights reordered once into the
// layout the primitive prefers), with fused activations (CheXNet's sigmoid head) and, for
// MatMul, a fused bias Add along the last axis (fusion.cpp), PyTorch's export of Linear.
#include <algorithm>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct MatMulEntry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul primitive;
  std::optional<memory> weights;  // reordered once when B is a constant
};

// The logical operand of a matrix stored row-major as `stored`: the same matrix, or with its last
// two axes swapped (Gemm's transA / transB) by swapping strides, not bytes.
memory::desc operand_desc(ir::Dims stored, bool transposed) {
  const size_t r = stored.size();
  memory::dims strides(r);
  int64_t step = 1;
  for (size_t i = r; i-- > 0;) {
    strides[i] = step;
    step *= std::max<int64_t>(stored[i], 1);
  }
  if (transposed) {
    std::swap(stored[r - 1], stored[r - 2]);
    std::swap(strides[r - 1], strides[r - 2]);
  }
  return memory::desc(stored, memory::data_type::f32, strides);
}

class MatMulOp : public CpuOp {
 public:
  MatMulOp(const ir::Graph& graph, const StepSpec& spec)
      : spec_(spec),
        gemm_(spec.node->op_type == "Gemm"),
        trans_a_(gemm_ && spec.node->attr<int64_t>("transA", 0) != 0),
        trans_b_(gemm_ && spec.node->attr<int64_t>("transB", 0) != 0),
        constant_b_(is_constant(graph, *spec.node, 1)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const ir::Dims a = matrix_dims(in[0]->dims(), false), b = matrix_dims(in[1]->dims(), true);
    if (a.size() < 2 || b.size() < 2 || a.size() > 5 || b.size() > 5) return false;
    if (gemm_ && (a.size() != 2 || b.size() != 2)) return false;
    if (a[a.size() - (trans_a_ ? 2 : 1)] != b[b.size() - (trans_b_ ? 1 : 2)]) return false;
    if (!gemm_) {
      const size_t r = std::max(a.size(), b.size());
      for (size_t i = 3; i <= r; ++i) {
        const int64_t da = i <= a.size() ? a[a.size() - i] : 1;
        const int64_t db = i <= b.size() ? b[b.size() - i] : 1;
        if (da != db && da != 1 && db != 1) return false;
      }
    }
    return !(in.size() > 2 && in[2]) || bias_dims(in, std::max(a.size(), b.size())).has_value();
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Dims a_dims = matrix_dims(in[0]->dims(), false);
    const ir::Dims b_dims = matrix_dims(in[1]->dims(), true);
    const size_t rank = std::max(a_dims.size(), b_dims.size());
    ir::Dims pa = padded(a_dims, rank), pb = padded(b_dims, rank);
    ir::Dims out_dims = pa;
    for (size_t i = 0; i + 2 < rank; ++i) out_dims[i] = std::max(pa[i], pb[i]);
    out_dims[rank - 2] = pa[rank - (trans_a_ ? 1 : 2)];
    out_dims[rank - 1] = pb[rank - (trans_b_ ? 2 : 1)];
    // When B is one matrix, A's batch folds into its rows: a seq-first [S, N, K] activation
    // times a weight is then one GEMM, not S small ones that each stream the whole weight
    // (4x slower on PyTorch's attention input projection).
    const bool fold = !gemm_ && rank > 2 &&
                      std::all_of(pb.begin(), pb.end() - 2, [](int64_t d) { return d == 1; });
    if (fold) {
      pa = {ir::checked_numel(pa) / pa[rank - 1], pa[rank - 1]};
      pb = {pb[rank - 2], pb[rank - 1]};
    }
    ir::Tensor keep_a, keep_b, keep_c;
    const memory a = plain_view(*in[0], pa, stream, keep_a);
    const memory::desc a_desc = operand_desc(pa, trans_a_);
    const memory::desc b_desc = operand_desc(pb, trans_b_);
    const bool has_c = in.size() > 2 && in[2];
    const ir::Dims c_dims = has_c ? *bias_dims(in, pa.size()) : ir::Dims{};
    const std::array<memory::desc, 3> key = {a_desc, b_desc,
                                             has_c ? plain_desc(c_dims) : memory::desc()};
    auto entry = cache_.get(std::span(key.data(), has_c ? 3 : 2),
                            [&] { return build(in, a_desc, b_desc, stream); });

    ExecArgs args;
    args[DNNL_ARG_SRC] = memory(a_desc, engine(), a.get_data_handle());
    if (entry->weights) {
      args[DNNL_ARG_WEIGHTS] = *entry->weights;
    } else {
      const memory b = plain_view(*in[1], pb, stream, keep_b);
      args[DNNL_ARG_WEIGHTS] = memory(b_desc, engine(), b.get_data_handle());
    }
    if (has_c) args[DNNL_ARG_BIAS] = plain_view(*in[2], c_dims, stream, keep_c);
    CpuValue dst = allocate(dst_md(entry->pd));
    args[DNNL_ARG_DST] = dst.mem;
    execute(entry->primitive, stream, args);
    // numpy: a vector operand's matrix axis is dropped from the product.
    const bool vector_a = !gemm_ && in[0]->dims().size() == 1;
    const bool vector_b = !gemm_ && in[1]->dims().size() == 1;
    if (vector_b) out_dims.pop_back();
    if (vector_a) out_dims.erase(out_dims.end() - (vector_b ? 1 : 2));
    if (dst.dims() == out_dims) return {std::move(dst)};
    return {wrap(dst.plain.reshaped(out_dims))};  // plain: build() asks for a plain dst
  }

 private:
  // MatMul's vector operands as matrices (numpy): A [K] -> [1, K], B [K] -> [K, 1]. Gemm's
  // operands are matrices, and REF names one that is not.
  ir::Dims matrix_dims(ir::Dims dims, bool is_b) const {
    if (dims.size() == 1 && !gemm_) dims.insert(is_b ? dims.end() : dims.begin(), 1);
    return dims;
  }

  // `dims` with leading 1s up to `rank` (numpy broadcasting).
  static ir::Dims padded(const ir::Dims& dims, size_t rank) {
    ir::Dims out(rank, 1);
    std::copy(dims.begin(), dims.end(), out.end() - static_cast<ptrdiff_t>(dims.size()));
    return out;
  }

  // The bias (input 2) as oneDNN broadcasts it onto a product of `rank` axes. Gemm's C: [N] ->
  // [1, N]; nullopt if C is not of the forms [], [N], [1|M, 1|N]. MatMul's fused bias: [N] (or
  // [1, ..., N], of any rank: A's batch may be folded into its rows) -> [1, ..., 1, N]; nullopt
  // if it is not N values along its last axis.
  std::optional<ir::Dims> bias_dims(const std::vector<const CpuValue*>& in, size_t rank) const {
    ir::Dims c = in[2]->dims();
    if (!gemm_) {
      const ir::Dims b = matrix_dims(in[1]->dims(), true);
      const int64_t n = b[b.size() - 1];
      if (c.empty() || c.back() != n || ir::checked_numel(c) != n)
        return std::nullopt;
      ir::Dims out(rank, 1);
      out.back() = n;
      return out;
    }
    if (c.size() > 2) return std::nullopt;
    c = padded(c, 2);
    const int64_t m = in[0]->dims()[trans_a_ ? 1 : 0];
    const int64_t n = in[1]->dims()[trans_b_ ? 0 : 1];
    if ((c[0] != 1 && c[0] != m) || (c[1] != 1 && c[1] != n)) return std::nullopt;
    return c;
  }

  MatMulEntry build(const std::vector<const CpuValue*>& in, const memory::desc& a,
                    const memory::desc& b, dnnl::stream& stream) const {
    const ir::Dims ad = a.dims(), bd = b.dims();
    const size_t r = ad.size();
    ir::Dims out(r);
    for (size_t i = 0; i + 2 < r; ++i) out[i] = std::max(ad[i], bd[i]);
    out[r - 2] = ad[r - 2];
    out[r - 1] = bd[r - 1];
    dnnl::primitive_attr attr;
    attr.set_post_ops(make_post_ops(spec_.post_ops));
    const bool has_c = in.size() > 2 && in[2];
    const memory::desc bias = has_c ? plain_desc(*bias_dims(in, r)) : memory::desc();
    const dnnl::matmul::desc desc(a, constant_b_ ? any_desc(bd) : b, bias, plain_desc(out));
    MatMulEntry entry{dnnl::matmul::primitive_desc(desc, with_user_scratchpad(attr), engine()), {}, {}};
    entry.primitive = dnnl::matmul(entry.pd);
    if (constant_b_) {
      ir::Tensor keep;
      const memory plain = plain_view(*in[1], bd, stream, keep);
      entry.weights = packed_.get(1, entry.pd.weights_desc(), [&] {
        return packed_copy(memory(b, engine(), plain.get_data_handle()), entry.pd.weights_desc(),
                           stream);
      });
    }
    return entry;
  }

  StepSpec spec_;
  bool gemm_, trans_a_, trans_b_, constant_b_;
  PrimitiveCache<MatMulEntry> cache_;
  PackedConstants packed_;
};

}  // namespace

std::string supports_matmul(const ir::Graph& graph, const ir::Node& node) {
  if (node.op_type == "Gemm") {
    if (node.attr<float>("alpha", 1.0f) != 1.0f) return "Gemm with alpha != 1 is computed on REF";
    if (node.has_input(2) && node.attr<float>("beta", 1.0f) != 1.0f)
      return "Gemm with beta != 1 is computed on REF";
  }
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_matmul(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<MatMulOp>(graph, spec);
}

}  // namespace zenith::cpu
