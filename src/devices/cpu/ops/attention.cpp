// zenith.Attention on the CPU device as one step of three oneDNN primitives: the scaled scores
// matmul (the scale as its output scale), an in-place binary add of the mask, the softmax in
// place along the last axis (JIT there), and the matmul with V. The scores live only inside the
// step, in one buffer of the run.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct AttentionEntry {
  dnnl::matmul scores;
  std::optional<dnnl::binary> mask;
  dnnl::softmax_v2_forward softmax;
  dnnl::matmul output;
};

// `dims` with leading 1s up to `rank`.
ir::Dims padded(const ir::Dims& dims, size_t rank) {
  ir::Dims out(rank, 1);
  std::copy(dims.begin(), dims.end(), out.end() - static_cast<ptrdiff_t>(dims.size()));
  return out;
}

// The batch-broadcast product dims of [.., M, K] x [.., K, N] (equal ranks), nullopt if the
// operands do not fit.
std::optional<ir::Dims> product_dims(const ir::Dims& a, const ir::Dims& b) {
  const size_t r = a.size();
  if (a[r - 1] != b[r - 2]) return std::nullopt;
  ir::Dims out(r);
  for (size_t i = 0; i + 2 < r; ++i) {
    if (a[i] != b[i] && a[i] != 1 && b[i] != 1) return std::nullopt;
    out[i] = std::max(a[i], b[i]);
  }
  out[r - 2] = a[r - 2];
  out[r - 1] = b[r - 1];
  return out;
}

class AttentionOp : public CpuOp {
 public:
  explicit AttentionOp(const ir::Node& node) : scale_(node.attr<float>("scale", 1.0f)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in) || !in[0] || !in[1] || !in[2]) return false;
    const Shapes s = shapes(in);
    if (s.rank < 2 || s.rank > 5) return false;
    const auto scores = product_dims(s.q, s.k);
    if (!scores || !product_dims(*scores, s.v)) return false;
    if (!s.mask) return true;
    if (s.mask->size() > s.rank) return false;
    const ir::Dims m = padded(*s.mask, s.rank);
    for (size_t i = 0; i < s.rank; ++i)
      if (m[i] != 1 && m[i] != (*scores)[i]) return false;  // the mask may not widen the scores
    return true;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const Shapes s = shapes(in);
    ir::Tensor keep_q, keep_k, keep_v, keep_m;
    const memory q = plain_view(*in[0], s.q, stream, keep_q);
    const memory k = plain_view(*in[1], s.k, stream, keep_k);
    const memory v = plain_view(*in[2], s.v, stream, keep_v);
    memory mask;
    if (s.mask) mask = plain_view(*in[3], padded(*s.mask, s.rank), stream, keep_m);
    std::vector<memory::desc> key = {q.get_desc(), k.get_desc(), v.get_desc()};
    if (s.mask) key.push_back(mask.get_desc());
    const ir::Dims scores_dims = *product_dims(s.q, s.k);
    const ir::Dims out_dims = *product_dims(scores_dims, s.v);
    auto entry = cache_.get(key, [&] { return build(key, scores_dims, out_dims); });
    CpuValue scores = allocate(plain_desc(scores_dims));
    execute(entry->scores, stream,
            {{DNNL_ARG_SRC, q}, {DNNL_ARG_WEIGHTS, k}, {DNNL_ARG_DST, scores.mem}});
    if (entry->mask)
      execute(*entry->mask, stream,
              {{DNNL_ARG_SRC_0, scores.mem}, {DNNL_ARG_SRC_1, mask}, {DNNL_ARG_DST, scores.mem}});
    execute(entry->softmax, stream, {{DNNL_ARG_SRC, scores.mem}, {DNNL_ARG_DST, scores.mem}});
    CpuValue y = allocate(plain_desc(out_dims));
    execute(entry->output, stream,
            {{DNNL_ARG_SRC, scores.mem}, {DNNL_ARG_WEIGHTS, v}, {DNNL_ARG_DST, y.mem}});
    return {std::move(y)};
  }

 private:
  struct Shapes {
    size_t rank = 0;
    ir::Dims q, k, v;  // padded to `rank`
    std::optional<ir::Dims> mask;
  };

  static Shapes shapes(const std::vector<const CpuValue*>& in) {
    Shapes s;
    for (size_t i = 0; i < 3; ++i) s.rank = std::max(s.rank, in[i]->dims().size());
    if (s.rank < 2 || in[0]->dims().size() < 2 || in[1]->dims().size() < 2 ||
        in[2]->dims().size() < 2) {
      s.rank = 0;  // vectors: left to REF
      return s;
    }
    s.q = padded(in[0]->dims(), s.rank);
    s.k = padded(in[1]->dims(), s.rank);
    s.v = padded(in[2]->dims(), s.rank);
    if (in.size() > 3 && in[3]) s.mask = in[3]->dims();
    return s;
  }

  AttentionEntry build(const std::vector<memory::desc>& in, const ir::Dims& scores_dims,
                       const ir::Dims& out_dims) const {
    const memory::desc scores = plain_desc(scores_dims);
    dnnl::primitive_attr scaled;
    scaled.set_output_scales(0, {scale_});
    AttentionEntry entry{
        dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(in[0], in[1], scores),
                                                  with_user_scratchpad(scaled), engine())),
        std::nullopt,
        dnnl::softmax_v2_forward(dnnl::softmax_v2_forward::primitive_desc(
            dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::softmax_accurate, scores, scores,
                                           static_cast<int>(scores_dims.size()) - 1),
            with_user_scratchpad(), engine())),
        dnnl::matmul(
            dnnl::matmul::primitive_desc(dnnl::matmul::desc(scores, in[2], plain_desc(out_dims)),
                                         with_user_scratchpad(), engine()))};
    if (in.size() > 3)
      entry.mask = dnnl::binary(dnnl::binary::primitive_desc(
          dnnl::binary::desc(dnnl::algorithm::binary_add, scores, in[3], scores),
          with_user_scratchpad(), engine()));
    return entry;
  }

  float scale_;
  PrimitiveCache<AttentionEntry> cache_;
};

}  // namespace

std::string supports_attention(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_attention(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<AttentionOp>(*spec.node);
}

}  // namespace zenith::cpu
