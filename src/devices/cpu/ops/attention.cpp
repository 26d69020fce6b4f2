// zenith.Attention on the CPU device as one step of three oneDNN primitives: the scaled scores
// matmul (the scale as its output scale), an in-place binary add of the mask, the softmax in
// place along the last axis (JIT there), and the matmul with V. The scores live only inside the
// step, in one buffer of the run.
#include <array>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

// The primitives for some input layouts, and what the run derives from those layouts.
struct AttentionEntry {
  dnnl::matmul scores;
  std::optional<dnnl::binary> mask;
  dnnl::softmax_v2_forward softmax;
  dnnl::matmul output;
  std::array<memory::desc, 4> in;  // Q, K, V, mask as the primitives read them (plain, padded)
  memory::desc scores_desc, out;
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
    // Inputs of layouts already built for were accepted (runs ask before every step).
    const Key key(in);
    if (cache_.contains(key.descs())) return true;
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
    const Key key(in);
    auto entry = cache_.get(key.descs(), [&] { return build(shapes(in)); });
    ir::Tensor keep[4];
    memory operand[4];
    for (size_t i = 0; i < key.count; ++i)
      operand[i] = plain_as(*in[i], entry->in[i], stream, keep[i]);
    const auto [scores, buffer] = allocate_memory(entry->scores_desc);
    execute(entry->scores, stream,
            {{DNNL_ARG_SRC, operand[0]}, {DNNL_ARG_WEIGHTS, operand[1]}, {DNNL_ARG_DST, scores}});
    if (entry->mask)
      execute(*entry->mask, stream,
              {{DNNL_ARG_SRC_0, scores}, {DNNL_ARG_SRC_1, operand[3]}, {DNNL_ARG_DST, scores}});
    execute(entry->softmax, stream, {{DNNL_ARG_SRC, scores}, {DNNL_ARG_DST, scores}});
    CpuValue y = allocate(entry->out);
    execute(entry->output, stream,
            {{DNNL_ARG_SRC, scores}, {DNNL_ARG_WEIGHTS, operand[2]}, {DNNL_ARG_DST, y.mem}});
    return {std::move(y)};
  }

 private:
  // The inputs' layouts: Q, K, V and the mask if there is one.
  struct Key {
    explicit Key(const std::vector<const CpuValue*>& in) : count(in.size() > 3 && in[3] ? 4 : 3) {
      for (size_t i = 0; i < count; ++i) descs_[i] = in[i]->desc();
    }
    std::span<const memory::desc> descs() const { return {descs_.data(), count}; }
    size_t count;

   private:
    std::array<memory::desc, 4> descs_;
  };

  struct Shapes {
    size_t rank = 0;
    ir::Dims q, k, v;  // padded to `rank`
    std::optional<ir::Dims> mask;
  };

  static Shapes shapes(const std::vector<const CpuValue*>& in) {
    Shapes s;
    for (size_t i = 0; i < 3; ++i) s.rank = std::max(s.rank, in[i]->rank());
    if (s.rank < 2 || in[0]->rank() < 2 || in[1]->rank() < 2 || in[2]->rank() < 2) {
      s.rank = 0;  // vectors: left to REF
      return s;
    }
    s.q = padded(in[0]->dims(), s.rank);
    s.k = padded(in[1]->dims(), s.rank);
    s.v = padded(in[2]->dims(), s.rank);
    if (in.size() > 3 && in[3]) s.mask = in[3]->dims();
    return s;
  }

  AttentionEntry build(const Shapes& s) const {
    const ir::Dims scores_dims = *product_dims(s.q, s.k);
    const memory::desc q = plain_desc(s.q), k = plain_desc(s.k), v = plain_desc(s.v);
    const memory::desc mask = s.mask ? plain_desc(padded(*s.mask, s.rank)) : memory::desc();
    const memory::desc scores = plain_desc(scores_dims);
    const memory::desc out = plain_desc(*product_dims(scores_dims, s.v));
    dnnl::primitive_attr scaled;
    scaled.set_output_scales(0, {scale_});
    AttentionEntry entry{
        dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(q, k, scores),
                                                  with_user_scratchpad(scaled), engine())),
        std::nullopt,
        dnnl::softmax_v2_forward(dnnl::softmax_v2_forward::primitive_desc(
            dnnl::softmax_v2_forward::desc(dnnl::prop_kind::forward_inference,
                                           dnnl::algorithm::softmax_accurate, scores, scores,
                                           static_cast<int>(scores_dims.size()) - 1),
            with_user_scratchpad(), engine())),
        dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(scores, v, out),
                                                  with_user_scratchpad(), engine())),
        {q, k, v, mask},
        scores,
        out};
    if (s.mask)
      entry.mask = dnnl::binary(dnnl::binary::primitive_desc(
          dnnl::binary::desc(dnnl::algorithm::binary_add, scores, mask, scores),
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
