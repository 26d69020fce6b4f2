// CPU steps and their runs: inputs wrapped or taken in their layouts, outputs kept in the layout
// the primitive chose, chain buffers, and buffers donated to the step that reads them last.
#include "devices/cpu/cpu_subgraph.h"

#include <optional>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/concat_chains.h"
#include "devices/cpu/cpu_isa.h"
#include "devices/cpu/cpu_op.h"
#include "devices/cpu/fusion.h"
#include "devices/cpu/kernel_trace.h"
#include "ir/errors.h"
#include "passes/pass_util.h"

namespace zenith::cpu {
namespace {

class CpuSubgraph : public devices::Subgraph {
 public:
  explicit CpuSubgraph(const devices::CompileContext& context);
  std::unique_ptr<devices::DeviceRun> start(int device_index) const override;
  std::string precision(size_t i) const override { return ops[i]->precision(); }

  std::vector<std::unique_ptr<CpuOp>> ops;           // per step
  std::vector<std::optional<size_t>> chain_of_step;  // a Concat computed in place: its chain
  ConcatChains chains;
  // The initializers steps read, wrapped once: a oneDNN memory object per run and input cost
  // more than some steps. constant_of_slot: index into constants, or -1.
  std::vector<CpuValue> constants;
  std::vector<int> constant_of_slot;
  size_t widest = 0;  // the most inputs of a step
};

CpuSubgraph::CpuSubgraph(const devices::CompileContext& context) {
  const ir::Graph& graph = context.graph;
  const size_t n = graph.nodes.size();
  std::vector<bool> on_cpu(n, false);
  for (size_t i : context.nodes) on_cpu[i] = true;
  const Grouping grouping = group_cpu_steps(graph, on_cpu);
  const auto slot = [&](const std::string& name) {
    return name.empty() ? -1 : context.slot_of.at(name);
  };

  constant_of_slot.assign(context.slot_names.size(), -1);
  std::vector<const ir::Node*> concats;
  for (size_t i : context.nodes) {
    if (grouping.fused_into[i] >= 0) continue;
    StepSpec spec = grouping.steps[i];
    if (context.precision == ir::DType::BF16 && bf16_dot_product())
      spec.precision = ir::DType::BF16;
    devices::Step step;
    step.node = spec.node;
    step.nodes = {spec.node};
    step.nodes.insert(step.nodes.end(), spec.fused.begin(), spec.fused.end());
    step.inputs = spec.inputs;
    step.outputs = spec.outputs;
    for (const std::string& in : step.inputs) step.input_slots.push_back(slot(in));
    for (const std::string& out : step.outputs) step.output_slots.push_back(slot(out));
    ops.push_back(find_cpu_op(*spec.node)->build(graph, spec));
    step.output_aliases_input = ops.back()->output_aliases_input();
    for (size_t k = 0; k < step.inputs.size(); ++k) {
      const int s = step.input_slots[k];
      if (s < 0 || constant_of_slot[static_cast<size_t>(s)] >= 0) continue;
      if (const ir::Tensor* t = passes::constant_of(graph, step.inputs[k])) {
        constant_of_slot[static_cast<size_t>(s)] = static_cast<int>(constants.size());
        constants.push_back(wrap(*t));
      }
    }
    widest = std::max(widest, step.inputs.size());
    // A concat fused with what follows it (build_normalize_quantize) has no output to share.
    if (spec.node->op_type == "Concat" && spec.fused.empty()) concats.push_back(spec.node);
    steps_.push_back(std::move(step));
  }

  if (!context.any_subgraph) chains = find_concat_chains(graph, concats);
  for (const devices::Step& step : steps_) {
    auto it = step.node->op_type == "Concat" ? chains.chain_of_concat.find(step.outputs[0])
                                             : chains.chain_of_concat.end();
    chain_of_step.push_back(it == chains.chain_of_concat.end() ? std::nullopt
                                                               : std::optional(it->second));
  }
  chains.index_slots(slot, context.slot_names.size());
}

class CpuRun : public devices::DeviceRun {
 public:
  CpuRun(const CpuSubgraph& subgraph, int device_index)
      : subgraph_(subgraph),
        device_(device_index),
        stream_(engine()),
        values_(subgraph.constant_of_slot.size()),
        chains_(subgraph.chains),
        wrapped_(subgraph.widest) {
    inputs_.reserve(subgraph.widest);
  }

  void begin(uint64_t, int threads) override { settings_.emplace(threads); }

  void end() override {
    for (CpuValue& v : values_) v = CpuValue();
    chains_.reset();
    settings_.reset();
  }

  std::string execute(size_t i, devices::RunValues& values, devices::StepReport* report) override {
    const devices::Step& step = subgraph_.steps()[i];
    std::optional<KernelTrace> trace;
    if (report) trace.emplace();
    std::string why;
    bool in_place = false;
    try {
      in_place = subgraph_.chain_of_step[i] && concat_in_place(i, values);
      if (!in_place) why = run_step(i, values);
    } catch (const dnnl::error& e) {
      throw Error(
          e.status == dnnl_out_of_memory ? Error::Kind::ResourceExhausted : Error::Kind::Internal,
          std::string("oneDNN: ") + e.what());
    }
    if (report && why.empty()) {
      report->implementation = in_place ? "view" : trace->take();
      const int out = step.output_slots.empty() ? -1 : step.output_slots[0];
      const CpuValue* v = out < 0 || !values.held_by(out, device_) ? nullptr : &value(out);
      report->layout = v && v->mem ? layout_name(v->desc()) : "plain";
    }
    return why;
  }

  ir::Value to_plain(int slot) override { return cpu::to_plain(value(slot), stream_); }

  void release(int slot) override { value(slot) = CpuValue(); }

 private:
  CpuValue& value(int slot) { return values_[static_cast<size_t>(slot)]; }
  // The CPU value in `slot`, or nullptr if this device holds none.
  const CpuValue* held(int slot, const devices::RunValues& values) {
    return values.held_by(slot, device_) ? &value(slot) : nullptr;
  }

  // Why the step could not run ("" when it did): the op declines these inputs or oneDNN has no
  // implementation for them.
  std::string run_step(size_t i, devices::RunValues& values) {
    const devices::Step& step = subgraph_.steps()[i];
    const CpuOp& op = *subgraph_.ops[i];
    const size_t n = step.input_slots.size();
    inputs_.assign(n, nullptr);
    struct Unwrap {  // the wrapped inputs are released whatever happens
      std::vector<CpuValue>& values;
      size_t n;
      ~Unwrap() {
        for (size_t i = 0; i < n; ++i) values[i] = CpuValue();
      }
    } unwrap{wrapped_, n};
    for (size_t k = 0; k < n; ++k) {
      const int s = step.input_slots[k];
      if (s < 0) continue;
      if (const int c = subgraph_.constant_of_slot[static_cast<size_t>(s)]; c >= 0) {
        inputs_[k] = &subgraph_.constants[static_cast<size_t>(c)];
        continue;
      }
      if (values.held_by(s, device_)) {
        const CpuValue& v = value(s);
        inputs_[k] = &v;
        if (!op.reads_strided() && v.mem && !is_dense(v.desc())) {
          // A concat-chain view, in channel blocks.
          wrapped_[k] = to_layout(v, blocked_desc(v.dims()), stream_);
          inputs_[k] = &wrapped_[k];
        } else if (step.last_use[k] && !chains_.is_view(s)) {
          wrapped_[k] = v;
          wrapped_[k].donated = true;
          inputs_[k] = &wrapped_[k];
        }
        continue;
      }
      const ir::Value* plain = values.plain(s);
      if (!plain)
        throw_invalid_model("input '{}' is not produced by any earlier node", step.inputs[k]);
      if (!plain->is_tensor()) return fmt::format("input '{}' is not a tensor", step.inputs[k]);
      wrapped_[k] = wrap_in_run(plain->tensor());
      inputs_[k] = &wrapped_[k];
    }
    if (!op.accepts(inputs_))
      return "its CPU kernel does not take these inputs (dtype, rank or broadcast)";
    StepOutputs outputs;
    try {
      const int first = step.output_slots.empty() ? -1 : step.output_slots[0];
      const CpuValue into = first < 0 ? CpuValue() : chains_.slot_for(first);
      outputs = into.mem ? op.run_into(inputs_, into, stream_) : op.run(inputs_, stream_);
    } catch (const dnnl::error& e) {
      // oneDNN has no kernel for this configuration (a padding or shape it rejects): the plan
      // runs the step's fallback. At the warm-up any failure to build the step makes the
      // fallback the plan's step, its reason shown; in an inference any other failure is an
      // error, never a silent rerun.
      if (e.status != dnnl_unimplemented && !values.warming_up) throw;
      return std::string("oneDNN cannot run it: ") + e.what();
    }
    for (size_t o = 0; o < step.output_slots.size(); ++o) {
      const int s = step.output_slots[o];
      if (s < 0) continue;
      chains_.produced(
          s, outputs[o], [&](int slot) { return held(slot, values); }, stream_);
      store(s, std::move(outputs[o]), values);
    }
    return "";
  }

  void store(int s, CpuValue v, devices::RunValues& values) {
    value(s) = std::move(v);
    values.set_held(s, device_);
  }

  bool concat_in_place(size_t i, devices::RunValues& values) {
    const devices::Step& step = subgraph_.steps()[i];
    std::optional<CpuValue> view = chains_.concat(
        *subgraph_.chain_of_step[i], step.inputs.size(), [&](int s) { return held(s, values); },
        stream_);
    if (!view) return false;
    chains_.add_view(step.output_slots[0]);
    store(step.output_slots[0], std::move(*view), values);
    return true;
  }

  const CpuSubgraph& subgraph_;
  const int device_;
  dnnl::stream stream_;
  std::optional<CpuRunSettings> settings_;
  std::vector<CpuValue> values_;  // per slot, those values_.held_by this device
  ChainBuffers chains_;
  std::vector<CpuValue> wrapped_;  // a step's inputs that needed wrapping or a copy
  std::vector<const CpuValue*> inputs_;
};

std::unique_ptr<devices::DeviceRun> CpuSubgraph::start(int device_index) const {
  return std::make_unique<CpuRun>(*this, device_index);
}

}  // namespace

std::unique_ptr<devices::Subgraph> compile_subgraph(const devices::CompileContext& context) {
  return std::make_unique<CpuSubgraph>(context);
}

}  // namespace zenith::cpu
