// Gemm and MatMul on oneDNN's matmul (plain layouts; constant weights reordered once into the
// layout the primitive prefers), with fused activations (CheXNet's sigmoid head) and, for
// MatMul, a fused bias Add along the last axis (fusion.cpp), PyTorch's export of Linear.
#include <algorithm>
#include <array>
#include <atomic>

#include "devices/cpu/ops/matmul_choice.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

// A step's primitive for some input layouts, with what the run derives from those layouts.
struct MatMulEntry {
  dnnl::matmul::primitive_desc pd;
  dnnl::matmul primitive;
  std::optional<memory> weights;  // reordered once when B is a constant
  memory::desc a, b, c;           // the operands as the primitive reads them (plain bytes)
  memory::desc out;               // the output, plain, with numpy's dims
  bool out_is_dst = true;         // out is the primitive's dst desc (else the same bytes)
  memory::desc a_bf16;            // in BF16, `a` converted to this first (else empty)
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

// The dims of an operand as a matrix (or a batch of them), read from its descriptor in place:
// accepts() runs before every run of the step.
struct MatrixDims {
  std::array<int64_t, DNNL_MAX_NDIMS + 1> d{};
  size_t rank = 0;
  int64_t operator[](size_t i) const { return d[i]; }
  // Axis i counted from the last (1: the last).
  int64_t back(size_t i) const { return i <= rank ? d[rank - i] : 1; }
};

class MatMulOp : public CpuOp {
 public:
  MatMulOp(const ir::Graph& graph, const StepSpec& spec)
      : spec_(spec),
        gemm_(spec.node->op_type == "Gemm"),
        trans_a_(gemm_ && spec.node->attr<int64_t>("transA", 0) != 0),
        trans_b_(gemm_ && spec.node->attr<int64_t>("transB", 0) != 0),
        constant_b_(is_constant(graph, *spec.node, 1)),
        // A product with a constant B (a Linear layer) in BF16: its weights are converted once,
        // and only A per run.
        bf16_(spec.precision == ir::DType::BF16 && constant_b_) {}

  std::string precision() const override { return built_bf16_ ? "bf16" : "f32"; }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in)) return false;
    const MatrixDims a = matrix_dims(*in[0], false), b = matrix_dims(*in[1], true);
    if (a.rank < 2 || b.rank < 2 || a.rank > 5 || b.rank > 5) return false;
    if (gemm_ && (a.rank != 2 || b.rank != 2)) return false;
    if (a.back(trans_a_ ? 2 : 1) != b.back(trans_b_ ? 1 : 2)) return false;
    if (!gemm_)
      for (size_t i = 3; i <= std::max(a.rank, b.rank); ++i)
        if (a.back(i) != b.back(i) && a.back(i) != 1 && b.back(i) != 1) return false;
    return !(in.size() > 2 && in[2]) || bias_fits(in);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const bool has_c = in.size() > 2 && in[2];
    const std::array<memory::desc, 3> key = {in[0]->desc(), in[1]->desc(),
                                             has_c ? in[2]->desc() : memory::desc()};
    auto entry =
        cache_.get(std::span(key.data(), has_c ? 3 : 2), [&] { return build(in, stream); });
    ir::Tensor keep_a, keep_b, keep_c;
    ExecArgs args;
    args[DNNL_ARG_SRC] = plain_as(*in[0], entry->a, stream, keep_a);
    CpuValue a_bf16;
    if (!entry->a_bf16.is_zero()) {
      a_bf16 = allocate(entry->a_bf16);
      reorder(args[DNNL_ARG_SRC], a_bf16.mem, stream);
      args[DNNL_ARG_SRC] = a_bf16.mem;
    }
    args[DNNL_ARG_WEIGHTS] =
        entry->weights ? *entry->weights : plain_as(*in[1], entry->b, stream, keep_b);
    if (has_c) args[DNNL_ARG_BIAS] = plain_as(*in[2], entry->c, stream, keep_c);
    // A value of rank 0 (vector times vector) has no oneDNN memory: the product is a [1, 1].
    const bool scalar = entry->out.data.ndims == 0;
    CpuValue out = allocate(scalar ? dst_md(entry->pd) : entry->out);
    args[DNNL_ARG_DST] = entry->out_is_dst || scalar
                             ? out.mem
                             : run_view(dst_md(entry->pd), out.mem.get_data_handle());
    execute(entry->primitive, stream, args);
    if (scalar) return {wrap_in_run(out.plain.reshaped({}))};
    return {std::move(out)};
  }

 private:
  // MatMul's vector operands as matrices (numpy): A [K] -> [1, K], B [K] -> [K, 1]. Gemm's
  // operands are matrices, and REF names one that is not.
  ir::Dims matrix_dims(ir::Dims dims, bool is_b) const {
    if (dims.size() == 1 && !gemm_) dims.insert(is_b ? dims.end() : dims.begin(), 1);
    return dims;
  }
  MatrixDims matrix_dims(const CpuValue& value, bool is_b) const {
    MatrixDims m;
    const size_t r = value.rank();
    if (r == 1 && !gemm_) {
      m.rank = 2;
      m.d[is_b ? 0 : 1] = value.dim(0);
      m.d[is_b ? 1 : 0] = 1;
      return m;
    }
    m.rank = r;
    for (size_t i = 0; i < r; ++i) m.d[i] = value.dim(i);
    return m;
  }

  // `dims` with leading 1s up to `rank` (numpy broadcasting).
  static ir::Dims padded(const ir::Dims& dims, size_t rank) {
    ir::Dims out(rank, 1);
    std::copy(dims.begin(), dims.end(), out.end() - static_cast<ptrdiff_t>(dims.size()));
    return out;
  }

  // Whether the bias (input 2) has a form oneDNN broadcasts: Gemm's C [], [N] or [1|M, 1|N];
  // MatMul's fused bias N values along its last axis ([N], or [1, ..., N]).
  bool bias_fits(const std::vector<const CpuValue*>& in) const {
    const CpuValue& c = *in[2];
    const size_t r = c.rank();
    const int64_t n = matrix_dims(*in[1], true).back(trans_b_ ? 2 : 1);
    if (!gemm_) {
      int64_t numel = 1;
      for (size_t i = 0; i < r; ++i) numel *= c.dim(i);
      return r > 0 && c.dim(r - 1) == n && numel == n;
    }
    if (r > 2) return false;
    const int64_t m = in[0]->dim(trans_a_ ? 1 : 0);
    const int64_t c0 = r == 2 ? c.dim(0) : 1, c1 = r >= 1 ? c.dim(r - 1) : 1;
    return (c0 == 1 || c0 == m) && (c1 == 1 || c1 == n);
  }

  // The bias as oneDNN broadcasts it onto a product of `rank` axes (bias_fits() holds): Gemm's
  // C [N] -> [1, N]; MatMul's -> [1, ..., 1, N].
  ir::Dims bias_dims(const std::vector<const CpuValue*>& in, size_t rank) const {
    if (gemm_) return padded(in[2]->dims(), 2);
    ir::Dims out(rank, 1);
    out.back() = in[2]->dim(in[2]->rank() - 1);
    return out;
  }

  MatMulEntry build(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const {
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
    const memory::desc a = operand_desc(pa, trans_a_), b = operand_desc(pb, trans_b_);
    const size_t r = pa.size();
    ir::Dims dst(r);
    for (size_t i = 0; i + 2 < r; ++i) dst[i] = std::max(pa[i], pb[i]);
    dst[r - 2] = a.dims()[r - 2];
    dst[r - 1] = b.dims()[r - 1];
    dnnl::primitive_attr attr;
    attr.set_post_ops(make_post_ops(spec_.post_ops));
    const bool has_c = in.size() > 2 && in[2];
    const memory::desc bias = has_c ? plain_desc(bias_dims(in, r)) : memory::desc();
    attr = with_user_scratchpad(attr);
    const memory::desc a_bf16 = plain_desc(a.dims(), memory::data_type::bf16);
    std::optional<dnnl::matmul::primitive_desc> pd;
    if (bf16_)
      pd = narrow_pd<dnnl::matmul::primitive_desc>(
          dnnl::matmul::desc(a_bf16, retyped(any_desc(b.dims()), memory::data_type::bf16), bias,
                             plain_desc(dst)),
          attr);
    if (pd) built_bf16_ = true;
    // A constant B of one matrix is stored in the layout that runs faster (matmul_choice.h).
    memory::desc weights = b;
    if (constant_b_ && !pd)
      weights = r == 2 ? choose_weights_layout(a, b.dims(), bias, plain_desc(dst), attr, stream)
                       : any_desc(b.dims());
    MatMulEntry entry{
        pd ? *pd
           : dnnl::matmul::primitive_desc(dnnl::matmul::desc(a, weights, bias, plain_desc(dst)),
                                          attr, engine()),
        {},
        {},
        a,
        b,
        bias,
        {},
        true,
        pd ? a_bf16 : memory::desc()};
    entry.primitive = dnnl::matmul(entry.pd);
    // numpy: a vector operand's matrix axis is dropped from the product.
    const bool vector_a = !gemm_ && in[0]->rank() == 1;
    const bool vector_b = !gemm_ && in[1]->rank() == 1;
    if (vector_b) out_dims.pop_back();
    if (vector_a) out_dims.erase(out_dims.end() - (vector_b ? 1 : 2));
    entry.out = plain_desc(out_dims);
    entry.out_is_dst = entry.out == entry.pd.dst_desc();
    if (constant_b_) {
      ir::Tensor keep;
      const memory plain = plain_view(*in[1], stream, keep);
      entry.weights = packed_.get(1, entry.pd.weights_desc(), [&] {
        return packed_copy(memory(b, engine(), plain.get_data_handle()), entry.pd.weights_desc(),
                           stream);
      });
    }
    return entry;
  }

  StepSpec spec_;
  bool gemm_, trans_a_, trans_b_, constant_b_;
  bool bf16_;                                    // asked to compute in BF16
  mutable std::atomic<bool> built_bf16_{false};  // a primitive does
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
