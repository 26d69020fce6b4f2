// Max, Min, Sum and Mean on the CPU device: any number of inputs broadcast together, f32 (and i64
// / i32 for Max and Min), folded into the output one input at a time with REF's rules (Max and
// Min propagate NaN, the first one met winning).
#include <cstring>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"

namespace zenith::cpu {
namespace {

enum class Fold { Max, Min, Sum, Mean };

template <Fold F, typename T>
inline T folded(T acc, T x) {
  if constexpr (F == Fold::Sum || F == Fold::Mean) {
    return acc + x;
  } else {
    if (acc != acc) return acc;  // NaN (floats only: an integer equals itself)
    if (x != x) return x;
    if constexpr (F == Fold::Max) return acc < x ? x : acc;
    return x < acc ? x : acc;
  }
}

class VariadicOp : public CpuOp {
 public:
  explicit VariadicOp(const ir::Node& node)
      : fold_(node.op_type == "Max"   ? Fold::Max
              : node.op_type == "Min" ? Fold::Min
              : node.op_type == "Sum" ? Fold::Sum
                                      : Fold::Mean) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    if (in.empty()) return false;
    const ir::DType dtype = in[0] ? in[0]->dtype() : ir::DType::Undefined;
    const bool integer = dtype == ir::DType::I64 || dtype == ir::DType::I32;
    if (dtype != ir::DType::F32 && !(integer && (fold_ == Fold::Max || fold_ == Fold::Min)))
      return false;
    for (const CpuValue* v : in)
      if (!v || v->dtype() != dtype) return false;  // REF names the mismatch
    return true;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    std::vector<ir::Tensor> x;
    ir::Dims dims = in[0]->dims();
    for (const CpuValue* v : in) {
      x.push_back(to_plain(*v, stream));
      dims = ir::broadcast_dims(dims, x.back().dims());
    }
    CpuValue y = allocate_plain(x[0].dtype(), dims);
    note_kernel("zenith:variadic");
    switch (fold_) {
      case Fold::Max:
        return {typed<Fold::Max>(x, y)};
      case Fold::Min:
        return {typed<Fold::Min>(x, y)};
      case Fold::Sum:
        return {typed<Fold::Sum>(x, y)};
      default:
        return {typed<Fold::Mean>(x, y)};
    }
  }

 private:
  template <Fold F>
  static CpuValue typed(const std::vector<ir::Tensor>& x, CpuValue& y) {
    switch (y.plain.dtype()) {
      case ir::DType::I64:
        fold<F, int64_t>(x, y.plain);
        break;
      case ir::DType::I32:
        fold<F, int32_t>(x, y.plain);
        break;
      default:
        fold<F, float>(x, y.plain);
    }
    return std::move(y);
  }

  // y = x[0] broadcast, then y = folded(y, x[k]) for each later input, Mean divided at the end.
  template <Fold F, typename T>
  static void fold(const std::vector<ir::Tensor>& x, ir::Tensor& y) {
    const ir::Dims& dims = y.dims();
    T* out = y.data<T>();
    copy_strided(x[0].raw(), y.raw(), sizeof(T),
                 {dims, {ir::strides_of(dims), broadcast_strides(x[0].dims(), dims)}});
    for (size_t k = 1; k < x.size(); ++k) {
      const T* src = x[k].data<T>();
      const StridedLoop<2> loop{dims, {ir::strides_of(dims), broadcast_strides(x[k].dims(), dims)}};
      for_each_row(loop, [&](const std::array<int64_t, 2>& at, int64_t n,
                             const std::array<int64_t, 2>& inner) {
        T* o = out + at[0];
        const T* s = src + at[1];
        for (int64_t i = 0; i < n; ++i)
          o[i * inner[0]] = folded<F>(o[i * inner[0]], s[i * inner[1]]);
      });
    }
    if constexpr (F == Fold::Mean) {
      const T count = static_cast<T>(x.size());
      for (int64_t i = 0; i < y.numel(); ++i) out[i] /= count;
    }
  }

  Fold fold_;
};

}  // namespace

std::string supports_variadic(const ir::Graph& graph, const ir::Node& node) {
  if (node.inputs.empty()) return "no inputs";
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_variadic(const ir::Graph&, const StepSpec& spec) {
  return std::make_unique<VariadicOp>(*spec.node);
}

}  // namespace zenith::cpu
