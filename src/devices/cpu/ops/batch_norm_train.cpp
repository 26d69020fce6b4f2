// Batch norm in training mode (autograd's, src/train) on oneDNN's batch normalization
// primitives, in X's layout:
// zenith.BatchNormTrain(X, scale, B, running_mean, running_var) -> Y, running_mean',
//   running_var', saved_mean, saved_var by forward_training (the batch's mean and population
//   variance normalize Y and are saved), the running statistics moved as PyTorch moves them
//   (towards the unbiased variance);
// zenith.BatchNormGrad(X, scale, dY, saved_mean, saved_var) -> dX, dscale, dB by the backward
//   primitive.
// With attribute relu = 1 (train/batch_norm_relu_fusion.h) the forward writes max(0, Y) and the
// gradient reads that output as a sixth input, dY counting where it is positive.
// Where X's channels fill whole channel blocks, both run our own loops in the blocked layout
// instead (batch_norm_blocked.h: oneDNN's stall on a busy machine).
// With attribute sync = 1 (statistics over every data-parallel replica's batch,
// devices/reference/replica_sums.h) only those loops run: oneDNN's primitives reduce and
// normalize in one call, with no point between at which to sum over the replicas, so elsewhere
// (channels that do not fill blocks, rank 2, an empty batch) accepts() declines and the step
// runs on REF, which sums as these loops do. That costs speed, not results: at [64, 36, 14, 14]
// with relu, forward and gradient took 4.7 ms on REF against 1.5 ms on oneDNN (2 cores, busy).
#include <algorithm>
#include <optional>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/ops/batch_norm_blocked.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;
using Flags = dnnl::normalization_flags;

const Flags kAffine = Flags::use_scale | Flags::use_shift;

// Forward training with scale and shift on X of layout `x`.
dnnl::batch_normalization_forward::primitive_desc training_pd(const memory::desc& x,
                                                              float epsilon) {
  const dnnl::batch_normalization_forward::desc desc(dnnl::prop_kind::forward_training, x, epsilon,
                                                     kAffine);
  return dnnl::batch_normalization_forward::primitive_desc(desc, with_user_scratchpad(), engine());
}

// The elements per channel of X (the batch and every spatial position).
int64_t per_channel(const CpuValue& x) {
  int64_t n = x.dim(0);
  for (size_t a = 2; a < x.rank(); ++a) n *= x.dim(a);
  return n;
}

bool takes_rank(const CpuValue* x) { return x->rank() >= 2 && x->rank() <= 5; }

// X's shape in channel blocks, or nullopt where its rank or channels do not fit blocked_desc.
std::optional<BlockedShape> blocked_shape(const CpuValue& x) {
  const int64_t block = channel_block();
  if (x.rank() < 3 || x.dim(0) == 0 || x.dim(1) % block != 0) return std::nullopt;
  const int64_t blocks = x.dim(1) / block;
  return BlockedShape{x.dim(0), blocks, per_channel(x) / x.dim(0), block, blocks};
}

// X in channel blocks for the loops, setting shape.x_blocks: a concat-chain view as it is (its
// images `total` channels apart), any other layout as a dense copy.
CpuValue blocked_input(const CpuValue& x, BlockedShape& shape, dnnl::stream& stream) {
  if (const int64_t total = strided_blocked_channels(x.desc())) {
    shape.x_blocks = total / shape.block;
    return x;
  }
  return to_layout(x, blocked_desc(x.dims()), stream);
}

// X densely laid out, for oneDNN's primitives (CpuOp::reads_strided).
CpuValue dense_input(const CpuValue& x, dnnl::stream& stream) {
  return is_dense(x.desc()) ? x : to_layout(x, plain_desc(x.dims()), stream);
}

const float* floats(const memory& m) { return static_cast<const float*>(m.get_data_handle()); }
float* floats(const CpuValue& v) { return static_cast<float*>(v.mem.get_data_handle()); }

// The floats of `v`'s buffer, padding included.
int64_t buffer_floats(const CpuValue& v) {
  return static_cast<int64_t>(v.desc().get_size() / sizeof(float));
}

// out[i] = fn(i) over `count` elements, split among the threads.
template <typename Fn>
void for_all(int64_t count, const Fn& fn) {
  parallel_ranges(count, count >= kParallelElements, [&](int64_t begin, int64_t end) {
#pragma omp simd
    for (int64_t i = begin; i < end; ++i) fn(i);
  });
}

bool fused_relu(const ir::Node& node) { return node.attr<int64_t>("relu", 0) != 0; }
bool synced(const ir::Node& node) { return node.attr<int64_t>("sync", 0) != 0; }

struct TrainEntry {
  dnnl::batch_normalization_forward::primitive_desc pd;
  dnnl::batch_normalization_forward primitive;
};

class BatchNormTrainOp : public CpuOp {
 public:
  explicit BatchNormTrainOp(const ir::Node& node)
      : epsilon_(node.attr<float>("epsilon", 1e-5f)),
        momentum_(node.attr<float>("momentum", 0.9f)),
        relu_(fused_relu(node)),
        sync_(synced(node)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in) || !takes_rank(in[0])) return false;
    if (sync_ && !blocked_shape(*in[0])) return false;
    for (size_t i = 1; i < 5; ++i)
      if (in[i]->rank() != 1 || in[i]->dim(0) != in[0]->dim(1)) return false;
    return true;
  }

  bool reads_strided() const override { return true; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    const int64_t channels = x.dim(1);
    ir::Tensor keep[4];  // scale, B, running mean, running var
    memory param[4];
    for (size_t i = 0; i < 4; ++i) param[i] = plain_view(*in[i + 1], stream, keep[i]);
    CpuValue y;
    CpuValue mean = allocate(plain_desc({channels}));
    CpuValue var = allocate(plain_desc({channels}));
    double count = static_cast<double>(per_channel(x));  // with sync, the global batch's
    if (std::optional<BlockedShape> shape = blocked_shape(x)) {
      const CpuValue x_in = blocked_input(x, *shape, stream);
      y = allocate(blocked_desc(x.dims()));
      note_kernel("zenith:batch_norm_blocked");
      count =
          batch_norm_forward_blocked(*shape, floats(x_in.mem), floats(param[0]), floats(param[1]),
                                     epsilon_, relu_, sync_, floats(y), floats(mean), floats(var));
    } else {
      const CpuValue x_in = dense_input(x, stream);
      auto entry = cache_.get({x_in.desc()}, [&] {
        const auto pd = training_pd(x_in.desc(), epsilon_);
        return TrainEntry{pd, dnnl::batch_normalization_forward(pd)};
      });
      y = allocate(entry->pd.dst_desc());
      execute(entry->primitive, stream,
              {{DNNL_ARG_SRC, x_in.mem},
               {DNNL_ARG_DST, y.mem},
               {DNNL_ARG_SCALE, param[0]},
               {DNNL_ARG_SHIFT, param[1]},
               {DNNL_ARG_MEAN, mean.mem},
               {DNNL_ARG_VARIANCE, var.mem}});
      if (relu_) {
        float* out = floats(y);
        for_all(buffer_floats(y), [&](int64_t i) { out[i] = std::max(out[i], 0.0f); });
      }
    }
    CpuValue running_mean = allocate(plain_desc({channels}));
    CpuValue running_var = allocate(plain_desc({channels}));
    const float *m = floats(mean), *v = floats(var);
    const float *old_mean = floats(param[2]), *old_var = floats(param[3]);
    float *new_mean = floats(running_mean), *new_var = floats(running_var);
    const double unbiased = count > 1 ? count / (count - 1) : 1.0;
    for (int64_t c = 0; c < channels; ++c) {
      new_mean[c] = static_cast<float>(old_mean[c] * momentum_ + m[c] * (1.0 - momentum_));
      new_var[c] = static_cast<float>(old_var[c] * momentum_ + v[c] * unbiased * (1.0 - momentum_));
    }
    return {std::move(y), std::move(running_mean), std::move(running_var), std::move(mean),
            std::move(var)};
  }

 private:
  float epsilon_;
  double momentum_;
  bool relu_, sync_;
  PrimitiveCache<TrainEntry> cache_;
};

struct GradEntry {
  dnnl::batch_normalization_backward::primitive_desc pd;
  dnnl::batch_normalization_backward primitive;
};

class BatchNormGradOp : public CpuOp {
 public:
  explicit BatchNormGradOp(const ir::Node& node)
      : epsilon_(node.attr<float>("epsilon", 1e-5f)),
        relu_(fused_relu(node)),
        sync_(synced(node)) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!CpuOp::accepts(in) || !takes_rank(in[0]) || in[2]->dims() != in[0]->dims()) return false;
    if (sync_ && !blocked_shape(*in[0])) return false;
    if (relu_ && (in.size() < 6 || in[5]->dims() != in[0]->dims())) return false;
    for (size_t i : {1, 3, 4})
      if (in[i]->rank() != 1 || in[i]->dim(0) != in[0]->dim(1)) return false;
    return true;
  }

  // X may be a concat-chain view; dY and Y are copied dense where they are not.
  bool reads_strided() const override { return true; }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue &x = *in[0], &dy = *in[2];
    const int64_t channels = x.dim(1);
    ir::Tensor keep[3];
    const memory scale = plain_view(*in[1], stream, keep[0]);
    const memory mean = plain_view(*in[3], stream, keep[1]);
    const memory var = plain_view(*in[4], stream, keep[2]);
    CpuValue dscale = allocate(plain_desc({channels}));
    CpuValue dbias = allocate(plain_desc({channels}));
    if (std::optional<BlockedShape> shape = blocked_shape(x)) {
      const memory::desc blocked = blocked_desc(x.dims());
      const CpuValue x_in = blocked_input(x, *shape, stream);
      const CpuValue dy_in = to_layout(dy, blocked, stream);
      const CpuValue y_in = relu_ ? to_layout(*in[5], blocked, stream) : CpuValue{};
      // dx over dy where nothing reads dy after this step: the loops read each dy before they
      // write its dx.
      CpuValue dx = dy.donated && dy.desc() == blocked ? dy : allocate(blocked);
      dx.donated = false;
      note_kernel("zenith:batch_norm_blocked");
      batch_norm_backward_blocked(*shape, floats(x_in.mem), floats(dy_in.mem),
                                  relu_ ? floats(y_in.mem) : nullptr, floats(scale), floats(mean),
                                  floats(var), epsilon_, sync_, floats(dx), floats(dscale),
                                  floats(dbias));
      return {std::move(dx), std::move(dscale), std::move(dbias)};
    }
    const CpuValue x_in = dense_input(x, stream);
    auto entry = cache_.get({x_in.desc(), dy.desc()}, [&] {
      const dnnl::batch_normalization_backward::desc desc(dnnl::prop_kind::backward, x_in.desc(),
                                                          x_in.desc(), epsilon_, kAffine);
      const dnnl::batch_normalization_backward::primitive_desc pd(
          desc, with_user_scratchpad(), engine(), training_pd(x_in.desc(), epsilon_));
      return GradEntry{pd, dnnl::batch_normalization_backward(pd)};
    });
    CpuValue dy_in = to_layout(dy, entry->pd.diff_dst_desc(), stream);
    if (relu_) dy_in = masked(dy_in, to_layout(*in[5], dy_in.desc(), stream));
    CpuValue dx = allocate(entry->pd.diff_src_desc());
    execute(entry->primitive, stream,
            {{DNNL_ARG_SRC, x_in.mem},
             {DNNL_ARG_MEAN, mean},
             {DNNL_ARG_VARIANCE, var},
             {DNNL_ARG_DIFF_DST, dy_in.mem},
             {DNNL_ARG_SCALE, scale},
             // oneDNN 2.6 wants a shift with use_shift (for dB), though no gradient depends
             // on it: the scale stands in.
             {DNNL_ARG_SHIFT, scale},
             {DNNL_ARG_DIFF_SRC, dx.mem},
             {DNNL_ARG_DIFF_SCALE, dscale.mem},
             {DNNL_ARG_DIFF_SHIFT, dbias.mem}});
    return {std::move(dx), std::move(dscale), std::move(dbias)};
  }

 private:
  // dy where y > 0, else 0, in a new buffer (dy may be another step's value).
  static CpuValue masked(const CpuValue& dy, const CpuValue& y) {
    CpuValue out = allocate(dy.desc());
    const float *g = floats(dy.mem), *v = floats(y.mem);
    float* o = floats(out);
    for_all(buffer_floats(dy), [&](int64_t i) { o[i] = v[i] > 0.0f ? g[i] : 0.0f; });
    return out;
  }

  float epsilon_;
  bool relu_, sync_;
  PrimitiveCache<GradEntry> cache_;
};

}  // namespace

std::string supports_batch_norm_train(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_batch_norm_train(const ir::Graph& graph, const StepSpec& spec) {
  if (spec.node->op_type == "BatchNormTrain") return std::make_unique<BatchNormTrainOp>(*spec.node);
  return std::make_unique<BatchNormGradOp>(*spec.node);
}

}  // namespace zenith::cpu
