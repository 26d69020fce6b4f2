// Cast on the CPU device between f32, i64, i32 and bool, with REF's conversion rules
// (ref::convert: float to integer truncates and saturates, NaN becomes 0).
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/elementwise_util.h"

namespace zenith::cpu {
namespace {

bool castable(ir::DType dtype) {
  return dtype == ir::DType::F32 || dtype == ir::DType::I64 || dtype == ir::DType::I32 ||
         dtype == ir::DType::Bool;
}

// Calls f(TypeTag<T>{}) for a castable dtype.
template <typename F>
void visit_castable(ir::DType dtype, const F& f) {
  switch (dtype) {
    case ir::DType::F32:
      return f(ir::TypeTag<float>{});
    case ir::DType::I64:
      return f(ir::TypeTag<int64_t>{});
    case ir::DType::I32:
      return f(ir::TypeTag<int32_t>{});
    default:
      return f(ir::TypeTag<bool>{});
  }
}

class CastOp : public CpuOp {
 public:
  explicit CastOp(ir::DType to) : to_(to) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && castable(in[0]->dtype());
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Tensor x = to_plain(*in[0], stream);
    CpuValue y = allocate_plain(to_, x.dims());
    const StridedLoop<1> all{x.dims(), {ir::strides_of(x.dims())}};
    note_kernel("zenith:cast");
    visit_castable(x.dtype(), [&](auto from) {
      using S = typename decltype(from)::type;
      visit_castable(to_, [&](auto to) {
        using R = typename decltype(to)::type;
        const S* src = x.data<S>();
        R* dst = y.plain.data<R>();
        for_each_row(
            all, [&](const std::array<int64_t, 1>& at, int64_t n, const std::array<int64_t, 1>&) {
              // Local pointers: a store through a byte-sized R could otherwise alias `at`.
              const S* s = src + at[0];
              R* d = dst + at[0];
              for (int64_t i = 0; i < n; ++i) d[i] = ref::convert<R>(s[i]);
            });
      });
    });
    return {std::move(y)};
  }

 private:
  ir::DType to_;
};

}  // namespace

std::string supports_cast(const ir::Graph& graph, const ir::Node& node) {
  ir::DType to;
  try {
    to = ir::dtype_from_onnx_code(node.attr<int64_t>("to"), "attribute 'to'");
  } catch (const Error& e) {
    return e.what();  // REF reports it when the node runs
  }
  const ir::DType from = declared_dtype(graph, node.inputs[0]);
  for (ir::DType dtype : {from, to})
    if (dtype != ir::DType::Undefined && !castable(dtype))
      return fmt::format("casts from {} to {}; the CPU device casts between f32, i64, i32 and bool",
                         ir::dtype_name(from), ir::dtype_name(to));
  return "";
}

std::unique_ptr<CpuOp> build_cast(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<CastOp>(
      ir::dtype_from_onnx_code(spec.node->attr<int64_t>("to"), "attribute 'to'"));
}

}  // namespace zenith::cpu
