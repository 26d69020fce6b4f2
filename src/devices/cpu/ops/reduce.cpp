// Reduce* ops with constant axes on the CPU device, with loops of our own. oneDNN 2.6's
// reduction primitive has a JIT kernel only for sum/mean/max/min/mul over the innermost dims
// (anything else, and every Lp norm, is its reference kernel), while one loop nest covers all ten
// ops on any axes: the input is seen as [outer, reduced, inner] (after a transposing reorder when
// the reduced axes are not adjacent), and keepdims only changes the output's dims.
#include <cmath>
#include <limits>
#include <optional>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/parallel.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

enum class Kind { L1, L2, LogSum, LogSumExp, Max, Mean, Min, Prod, Sum, SumSquare };

template <Kind K>
constexpr float identity() {
  if constexpr (K == Kind::Max || K == Kind::LogSumExp)
    return -std::numeric_limits<float>::infinity();
  if constexpr (K == Kind::Min) return std::numeric_limits<float>::infinity();
  if constexpr (K == Kind::Prod) return 1.0f;
  return 0.0f;
}

// acc combined with element x (LogSumExp's first pass is a Max). NaN wins, as on REF.
template <Kind K>
inline float combine(float acc, float x) {
  if constexpr (K == Kind::Max || K == Kind::LogSumExp) return x > acc || x != x ? x : acc;
  if constexpr (K == Kind::Min) return x < acc || x != x ? x : acc;
  if constexpr (K == Kind::Prod) return acc * x;
  if constexpr (K == Kind::L1) return acc + std::fabs(x);
  if constexpr (K == Kind::L2 || K == Kind::SumSquare) return acc + x * x;
  return acc + x;
}

// Two partial results merged (reduce_row's lanes).
template <Kind K>
inline float merge(float a, float b) {
  if constexpr (K == Kind::Max || K == Kind::Min || K == Kind::LogSumExp) return combine<K>(a, b);
  if constexpr (K == Kind::Prod) return a * b;
  return a + b;
}

template <Kind K>
inline float finish(float acc, float count) {
  if constexpr (K == Kind::Mean) return acc / count;
  if constexpr (K == Kind::L2) return std::sqrt(acc);
  if constexpr (K == Kind::LogSum) return std::log(acc);
  return acc;
}

// Columns per task of a reduction over a middle axis: several vectors, a few KiB per row.
constexpr int64_t kColumnBlock = 256;
// A reduction reads each element once and writes far fewer: half the copies' bound pays.
constexpr int64_t kReduceParallelElements = kParallelElements / 2;

// Columns [j0, j1) (at most kColumnBlock) of one [reduced, inner] slab into out[j0, j1). Each step
// over the reduced axis is a contiguous, vectorizable run over the columns.
template <Kind K>
void reduce_columns(const float* x, int64_t reduced, int64_t inner, int64_t j0, int64_t j1,
                    float* out) {
  for (int64_t j = j0; j < j1; ++j) out[j] = identity<K>();
  for (int64_t r = 0; r < reduced; ++r) {
    const float* row = x + r * inner;
#pragma omp simd
    for (int64_t j = j0; j < j1; ++j) out[j] = combine<K>(out[j], row[j]);
  }
  if constexpr (K == Kind::LogSumExp) {  // log(sum(exp(x - max))) + max, which cannot overflow
    float sum[kColumnBlock] = {};
    for (int64_t r = 0; r < reduced; ++r)
      for (int64_t j = j0; j < j1; ++j) sum[j - j0] += std::exp(x[r * inner + j] - out[j]);
    for (int64_t j = j0; j < j1; ++j) out[j] += std::log(sum[j - j0]);
  }
  for (int64_t j = j0; j < j1; ++j) out[j] = finish<K>(out[j], static_cast<float>(reduced));
}

// One contiguous row, in 16 independent lanes so that the loop vectorizes for any combine().
template <Kind K>
float reduce_row(const float* x, int64_t n) {
  constexpr int kLanes = 16;
  float lane[kLanes];
  for (float& l : lane) l = identity<K>();
  const int64_t whole = n - n % kLanes;
  for (int64_t i = 0; i < whole; i += kLanes)
#pragma omp simd
    for (int l = 0; l < kLanes; ++l) lane[l] = combine<K>(lane[l], x[i + l]);
  float acc = identity<K>();
  for (float l : lane) acc = merge<K>(acc, l);
  for (int64_t i = whole; i < n; ++i) acc = combine<K>(acc, x[i]);
  if constexpr (K == Kind::LogSumExp) {
    float sum = 0;
    for (int64_t i = 0; i < n; ++i) sum += std::exp(x[i] - acc);
    acc += std::log(sum);
  }
  return finish<K>(acc, static_cast<float>(n));
}

// x as [outer, reduced, inner] into out [outer, inner], in parallel over rows or column blocks.
template <Kind K>
void reduce(const float* x, int64_t outer, int64_t reduced, int64_t inner, float* out) {
  if (inner == 1) {
    parallel_for(outer, outer * reduced >= kReduceParallelElements,
                 [&](int64_t o) { out[o] = reduce_row<K>(x + o * reduced, reduced); });
    return;
  }
  const int64_t blocks = (inner + kColumnBlock - 1) / kColumnBlock;
  parallel_for(outer * blocks, outer * reduced * inner >= kReduceParallelElements, [&](int64_t i) {
    const int64_t o = i / blocks, b = i % blocks;
    reduce_columns<K>(x + o * reduced * inner, reduced, inner, b * kColumnBlock,
                      std::min(inner, (b + 1) * kColumnBlock), out + o * inner);
  });
}

using ReduceFn = void (*)(const float*, int64_t, int64_t, int64_t, float*);

ReduceFn reduce_fn(const std::string& op) {
  if (op == "ReduceL1") return &reduce<Kind::L1>;
  if (op == "ReduceL2") return &reduce<Kind::L2>;
  if (op == "ReduceLogSum") return &reduce<Kind::LogSum>;
  if (op == "ReduceLogSumExp") return &reduce<Kind::LogSumExp>;
  if (op == "ReduceMax") return &reduce<Kind::Max>;
  if (op == "ReduceMean") return &reduce<Kind::Mean>;
  if (op == "ReduceMin") return &reduce<Kind::Min>;
  if (op == "ReduceProd") return &reduce<Kind::Prod>;
  if (op == "ReduceSumSquare") return &reduce<Kind::SumSquare>;
  return &reduce<Kind::Sum>;
}

class ReduceOp : public CpuOp {
 public:
  ReduceOp(const ir::Graph& graph, const ir::Node& node)
      : fn_(reduce_fn(node.op_type)),
        keepdims_(node.attr<int64_t>("keepdims", 1) != 0),
        axes_(node.has_input(1) ? ir::to_int64_vector(graph.initializers.at(node.inputs[1]), "axes")
                                : ir::Dims{}) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (!in[0] || !in[0]->is_f32() || ir::checked_numel(in[0]->dims()) == 0) return false;
    const auto rank = static_cast<int64_t>(in[0]->dims().size());
    for (int64_t a : axes_)
      if (a < -rank || a >= rank) return false;  // REF names the axis
    // A rank-0 output has no oneDNN memory to hold it.
    return keepdims_ || reduced_mask(in[0]->dims()) != ir::Dims(static_cast<size_t>(rank), 1);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Dims x_dims = in[0]->dims();
    const ir::Dims reduced = reduced_mask(x_dims);
    ir::Tensor keep;
    CpuValue moved;
    const float* src;
    std::optional<Split> split = adjacent_split(x_dims, reduced);
    if (spatial_in_blocks(*in[0], reduced)) {
      // A map in channel blocks reduced over every spatial axis (PointNet's max over its points,
      // a global pool written as a ReduceMean) is read in place, as [N * C / block, spatial,
      // block]: the output's channel order.
      const int64_t block = channel_block();
      split = Split{x_dims[0] * x_dims[1] / block,
                    ir::checked_numel(x_dims) / x_dims[0] / x_dims[1], block};
      src = static_cast<const float*>(in[0]->mem.get_data_handle());
    } else if (split) {
      const dnnl::memory plain = plain_view(*in[0], x_dims, stream, keep);
      src = static_cast<const float*>(plain.get_data_handle());
    } else {
      // Kept axes first, then reduced ones, each in order: the reduced ones become adjacent.
      ir::Dims order;
      for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < x_dims.size(); ++i)
          if (reduced[i] == pass) order.push_back(static_cast<int64_t>(i));
      moved = transposed(*in[0], order, stream);
      split = Split{};
      for (int64_t i : order)
        (reduced[static_cast<size_t>(i)] ? split->extent : split->outer) *=
            x_dims[static_cast<size_t>(i)];
      src = static_cast<const float*>(moved.mem.get_data_handle());
    }
    CpuValue y = allocate(plain_desc(output_dims(x_dims, reduced)));
    fn_(src, split->outer, split->extent, split->inner,
        static_cast<float*>(y.mem.get_data_handle()));
    note_kernel("zenith:reduce");
    return {std::move(y)};
  }

 private:
  // 1 for each reduced axis of x, else 0.
  ir::Dims reduced_mask(const ir::Dims& x) const {
    ir::Dims mask(x.size(), axes_.empty() ? 1 : 0);  // no axes: all of them
    for (int64_t a : axes_)
      mask[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(x.size()) : a)] = 1;
    return mask;
  }

  struct Split {
    int64_t outer = 1, extent = 1, inner = 1;
  };

  // True if x is a dense map in channel blocks of whole channels and `reduced` is every axis
  // after the channels.
  static bool spatial_in_blocks(const CpuValue& x, const ir::Dims& reduced) {
    const size_t rank = x.rank();
    if (rank < 3 || rank > 5 || reduced[0] || reduced[1] || x.dim(1) % channel_block() != 0)
      return false;
    for (size_t i = 2; i < rank; ++i)
      if (!reduced[i]) return false;
    const ir::Dims dims = x.dims();
    return x.desc() == blocked_desc(dims);
  }

  // x as [outer, reduced, inner] when the reduced axes are adjacent (size-1 axes may sit
  // anywhere), else nullopt.
  static std::optional<Split> adjacent_split(const ir::Dims& x, const ir::Dims& reduced) {
    size_t first = x.size(), last = 0;
    for (size_t i = 0; i < x.size(); ++i)
      if (reduced[i] && x[i] != 1) first = std::min(first, i), last = i;
    Split split;
    for (size_t i = 0; i < x.size(); ++i) {
      if (first <= i && i <= last && !reduced[i] && x[i] != 1) return std::nullopt;
      (i < first ? split.outer : i <= last ? split.extent : split.inner) *= x[i];
    }
    return split;
  }

  ir::Dims output_dims(const ir::Dims& x, const ir::Dims& reduced) const {
    ir::Dims out;
    for (size_t i = 0; i < x.size(); ++i)
      if (!reduced[i])
        out.push_back(x[i]);
      else if (keepdims_)
        out.push_back(1);
    return out;
  }

  // The input with its axes in `order`, plain, in a buffer of the run: one oneDNN reorder.
  static CpuValue transposed(const CpuValue& x, const ir::Dims& order, dnnl::stream& stream) {
    const ir::Dims dims = x.dims();
    ir::Dims out(dims.size());
    for (size_t j = 0; j < order.size(); ++j) out[j] = dims[static_cast<size_t>(order[j])];
    CpuValue t = allocate(plain_desc(out));
    const ir::Dims out_strides = ir::strides_of(out);
    ir::Dims strides(dims.size());
    for (size_t j = 0; j < order.size(); ++j)
      strides[static_cast<size_t>(order[j])] = out_strides[j];
    const dnnl::memory seen_as_input =
        run_view(strided_desc(dims, strides), t.mem.get_data_handle());
    reorder(x.mem, seen_as_input, stream);
    return t;
  }

  ReduceFn fn_;
  bool keepdims_;
  ir::Dims axes_;
};

}  // namespace

std::string supports_reduce(const ir::Graph& graph, const ir::Node& node) {
  if (node.has_input(1) && !is_constant(graph, node, 1)) return "the axes are not a constant";
  const ir::Dims axes = node.has_input(1)
                            ? ir::to_int64_vector(graph.initializers.at(node.inputs[1]), "axes")
                            : ir::Dims{};
  if (axes.empty() && node.attr<int64_t>("noop_with_empty_axes", 0) != 0)
    return "empty axes with noop_with_empty_axes is an identity, left to REF";
  return require_f32(graph, node, 1);
}

std::unique_ptr<CpuOp> build_reduce(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ReduceOp>(graph, *spec.node);
}

}  // namespace zenith::cpu
