// Concat on oneDNN. Inputs keep their layouts; when they share a blocked one whose block divides
// every input's channels (DenseNet: nChw16c, growth 32), so does the output.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

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
    if (!CpuOp::accepts(in)) return false;
    const int64_t rank = static_cast<int64_t>(in[0]->dims().size());
    if (axis_ < -rank || axis_ >= rank) return false;
    for (const CpuValue* v : in) {
      const ir::Dims d = v->dims();
      if (static_cast<int64_t>(d.size()) != rank) return false;
      for (int64_t i = 0; i < rank; ++i)
        if (i != axis(rank) && d[i] != in[0]->dims()[i]) return false;
    }
    return true;
  }

  std::vector<CpuValue> run(const std::vector<const CpuValue*>& in,
                            dnnl::stream& stream) const override {
    // oneDNN's fast concat wants one layout; left to itself it would take the first input's,
    // and DenseNet's first input is the odd one out. So the odd ones are reordered to the
    // layout most inputs have.
    std::vector<memory::desc> descs;
    for (const CpuValue* v : in) descs.push_back(v->desc());
    const auto tag = majority_tag(descs);
    std::vector<CpuValue> inputs;
    for (const CpuValue* v : in)
      inputs.push_back(tag ? to_layout(*v, memory::desc(v->dims(), memory::data_type::f32, *tag), stream)
                           : *v);
    auto entry = cache_.get(descs, [&] {
      std::vector<memory::desc> srcs;
      for (const CpuValue& v : inputs) srcs.push_back(v.desc());
      const int rank = static_cast<int>(srcs[0].dims().size());
      dnnl::concat::primitive_desc pd(static_cast<int>(axis(rank)), srcs, engine(), with_user_scratchpad());
      return ConcatEntry{pd, dnnl::concat(pd)};
    });
    CpuValue dst = allocate(entry->pd.dst_desc());
    std::unordered_map<int, memory> args = {{DNNL_ARG_DST, dst.mem}};
    for (size_t i = 0; i < inputs.size(); ++i)
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = inputs[i].mem;
    execute(entry->primitive, stream, args);
    return {std::move(dst)};
  }

 private:
  int64_t axis(int64_t rank) const { return axis_ < 0 ? axis_ + rank : axis_; }

  int64_t axis_;
  PrimitiveCache<ConcatEntry> cache_;
};

}  // namespace

std::string supports_concat(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_concat(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ConcatOp>(*spec.node);
}

}  // namespace zenith::cpu
