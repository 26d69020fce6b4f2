// Transpose on the CPU device: one oneDNN reorder from the input, in whatever layout it has,
// into a plain output seen through the input's axes (the output's strides permuted back).
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/reference/shape_ops.h"

namespace zenith::cpu {
namespace {

// The output's layout and the same bytes seen through the input's axes, per input layout.
struct TransposeEntry {
  dnnl::memory::desc out, seen_as_input;
};

class TransposeOp : public CpuOp {
 public:
  explicit TransposeOp(const ir::Node& node) : node_(node) {}

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    auto entry = cache_.get({in[0]->desc()}, [&] { return build(in[0]->dims()); });
    CpuValue y = allocate(entry->out);
    reorder(in[0]->mem, run_view(entry->seen_as_input, y.mem.get_data_handle()), stream);
    return {std::move(y)};
  }

 private:
  TransposeEntry build(const ir::Dims& x) const {
    const std::vector<int64_t> perm = ref::transpose_perm(node_, static_cast<int64_t>(x.size()));
    ir::Dims out(x.size());
    for (size_t j = 0; j < perm.size(); ++j) out[j] = x[static_cast<size_t>(perm[j])];
    TransposeEntry entry{plain_desc(out), {}};
    // Output axis j is input axis perm[j]: seen through the input's axes, the plain output's
    // axis perm[j] steps by its stride j.
    dnnl::memory::dims strides(out.size());
    for (size_t j = 0; j < perm.size(); ++j)
      strides[static_cast<size_t>(perm[j])] = entry.out.data.format_desc.blocking.strides[j];
    entry.seen_as_input = dnnl::memory::desc(x, dnnl::memory::data_type::f32, strides);
    return entry;
  }

  const ir::Node& node_;
  PrimitiveCache<TransposeEntry> cache_;
};

}  // namespace

std::string supports_transpose(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_transpose(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<TransposeOp>(*spec.node);
}

}  // namespace zenith::cpu
