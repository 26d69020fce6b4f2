// Concat on the CPU device. Blocked f32 inputs go through oneDNN and keep their layouts; when
// they share a blocked one whose block divides every input's channels (DenseNet: nChw16c,
// growth 32), so does the output. Plain inputs of any dtype (sequences, i64 shape pieces, bool
// masks) are copied by our strided loop.
#include <algorithm>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/cpu/ops/strided_loop.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

struct ConcatEntry {
  dnnl::concat::primitive_desc pd;
  dnnl::concat primitive;
};

class ConcatOp : public CpuOp {
 public:
  explicit ConcatOp(const ir::Node& node) : axis_(node.attr<int64_t>("axis")) {}

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return std::all_of(in.begin(), in.end(), [](const CpuValue* v) { return v; }) &&
           all_fixed_size(in);
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ref::ConcatShape shape = ref::concat_shape(
        in.size(), [&](size_t i) { return in[i]->dtype(); },
        [&](size_t i) { return in[i]->dims(); }, axis_);
    // oneDNN keeps blocked inputs blocked; plain ones take our copy, as oneDNN picks its
    // reference kernel for some plain shapes (a size-1 dim leaves its output layout ambiguous).
    const bool f32 =
        std::all_of(in.begin(), in.end(), [](const CpuValue* v) { return v->is_f32(); });
    if (f32 &&
        std::any_of(in.begin(), in.end(), [](const CpuValue* v) { return !is_plain(v->desc()); }))
      return {concat_f32(in, shape.axis, stream)};
    return {concat_plain(in, shape, stream)};
  }

 private:
  CpuValue concat_f32(const std::vector<const CpuValue*>& in, int64_t axis,
                      dnnl::stream& stream) const {
    // oneDNN's fast concat wants one layout; left to itself it would take the first input's,
    // and DenseNet's first input is the odd one out. So the odd ones are reordered to the
    // layout most inputs have.
    std::vector<memory::desc> descs;
    for (const CpuValue* v : in) descs.push_back(v->desc());
    const auto tag = majority_tag(descs);
    std::vector<CpuValue> inputs;
    for (const CpuValue* v : in)
      inputs.push_back(
          tag ? to_layout(*v, memory::desc(v->dims(), memory::data_type::f32, *tag), stream) : *v);
    auto entry = cache_.get(descs, [&] {
      std::vector<memory::desc> srcs;
      for (const CpuValue& v : inputs) srcs.push_back(v.desc());
      dnnl::concat::primitive_desc pd(static_cast<int>(axis), srcs, engine(),
                                      with_user_scratchpad());
      return ConcatEntry{pd, dnnl::concat(pd)};
    });
    CpuValue dst = allocate(dst_md(entry->pd));
    ExecArgs args = {{DNNL_ARG_DST, dst.mem}};
    for (size_t i = 0; i < inputs.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = inputs[i].mem;
    execute(entry->primitive, stream, args);
    return dst;
  }

  // Each input (any dtype, reordered to plain if blocked) copied into its window of the output.
  static CpuValue concat_plain(const std::vector<const CpuValue*>& in,
                               const ref::ConcatShape& shape, dnnl::stream& stream) {
    CpuValue y = allocate_plain(in[0]->dtype(), shape.out);
    const size_t elem = ir::dtype_size(in[0]->dtype());
    const ir::Dims out_strides = ir::strides_of(shape.out);
    const auto axis = static_cast<size_t>(shape.axis);
    std::byte* dst = y.plain.raw();
    int64_t offset = 0;  // where the current input starts along the axis
    note_kernel("zenith:concat");
    for (const CpuValue* v : in) {
      const ir::Tensor x = to_plain(*v, stream);
      copy_strided(x.raw(), dst + static_cast<size_t>(offset * out_strides[axis]) * elem, elem,
                   {x.dims(), {out_strides, ir::strides_of(x.dims())}});
      offset += x.dims()[axis];
    }
    return y;
  }

  int64_t axis_;
  PrimitiveCache<ConcatEntry> cache_;
};

}  // namespace

std::string supports_concat(const ir::Graph& graph, const ir::Node& node) {
  return require_fixed_size(graph, node);
}

std::unique_ptr<CpuOp> build_concat(const ir::Graph& graph, const StepSpec& spec) {
  if (!spec.fused.empty()) return build_normalize_quantize(graph, spec);
  return std::make_unique<ConcatOp>(*spec.node);
}

}  // namespace zenith::cpu
