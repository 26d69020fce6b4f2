// REF steps: a run binds a step's inputs into its scope by name, runs the nodes, and hands the
// outputs back to the plan's slots.
#include "devices/reference/ref_subgraph.h"

#include <random>
#include <unordered_map>

#include "devices/reference/interpreter.h"
#include "ir/errors.h"

namespace zenith::ref {
namespace {

class RefSubgraph : public devices::Subgraph {
 public:
  explicit RefSubgraph(const devices::CompileContext& context)
      : slot_names(context.slot_names), slot_of_(context.slot_of) {
    Interpreter::bind_initializers(context.graph, initializers);
    for (size_t i : context.nodes) {
      const ir::Node& node = context.graph.nodes[i];
      devices::Step step;
      step.node = &node;
      step.nodes = {&node};
      step.inputs = node.inputs;
      step.outputs = node.outputs;
      for (const std::string& in : node.inputs) step.input_slots.push_back(slot(context, in));
      for (const std::string& out : node.outputs) step.output_slots.push_back(slot(context, out));
      adopt(step);
    }
  }

  std::unique_ptr<devices::DeviceRun> start(int device_index) const override;

  size_t adopt(const devices::Step& step) override {
    steps_.push_back(step);
    std::vector<int>& reads = body_reads.emplace_back();
    for (const ir::Node* node : step.nodes)
      for (const std::string& name : ir::names_read_by_subgraphs(*node))
        if (auto it = slot_of_.find(name); it != slot_of_.end()) reads.push_back(it->second);
    return steps_.size() - 1;
  }

  Interpreter interpreter;
  const std::vector<std::string> slot_names;
  // Per step: the slots its nodes' bodies (If / Loop / Scan) may read by name. Binding every
  // value for such a step instead converted every live CPU tensor to plain at the first REF
  // step: 15 ms a run of SSDlite's.
  std::vector<std::vector<int>> body_reads;
  Scope initializers;  // the parent of every run's scope: bound once, not per run

 private:
  const std::unordered_map<std::string, int> slot_of_;
  static int slot(const devices::CompileContext& context, const std::string& name) {
    return name.empty() ? -1 : context.slot_of.at(name);
  }
};

class RefRun : public devices::DeviceRun {
 public:
  explicit RefRun(const RefSubgraph& subgraph)
      : subgraph_(subgraph),
        scope_(&subgraph.initializers),
        bound_(subgraph.slot_names.size(), false) {}

  void begin(uint64_t seed, int) override { rng_.seed(seed); }

  void end() override {
    scope_.clear();
    bound_.assign(bound_.size(), false);
  }

  std::string execute(size_t i, devices::RunValues& values, devices::StepReport* report) override {
    const devices::Step& step = subgraph_.steps()[i];
    for (int s : subgraph_.body_reads[i]) bind(s, values);
    for (int s : step.input_slots)
      if (s >= 0) bind(s, values);  // an initializer stays unbound: it is in the parent scope
    for (const ir::Node* node : step.nodes) subgraph_.interpreter.run_node(*node, scope_, rng_);
    for (size_t o = 0; o < step.outputs.size(); ++o) {
      const int s = step.output_slots[o];
      if (s < 0) continue;
      const ir::Value* v = scope_.find(step.outputs[o]);
      ZENITH_ASSERT(v);
      values.set_plain(s, *v);
      bound_[static_cast<size_t>(s)] = true;
    }
    if (report) *report = {"ref", "plain"};
    return "";
  }

  ir::Value to_plain(int) override {
    ZENITH_ASSERT(!"REF values are plain; the plan never asks to convert them");
    return {};
  }

  void release(int slot) override {
    if (!bound_[static_cast<size_t>(slot)]) return;
    scope_.erase(subgraph_.slot_names[static_cast<size_t>(slot)]);
    bound_[static_cast<size_t>(slot)] = false;
  }

 private:
  void bind(int s, devices::RunValues& values) {
    if (bound_[static_cast<size_t>(s)]) return;
    if (const ir::Value* v = values.plain(s)) {
      scope_.set(subgraph_.slot_names[static_cast<size_t>(s)], *v);
      bound_[static_cast<size_t>(s)] = true;
    }
  }

  const RefSubgraph& subgraph_;
  Scope scope_;
  std::vector<bool> bound_;  // per slot: set in scope_
  std::mt19937_64 rng_;
};

std::unique_ptr<devices::DeviceRun> RefSubgraph::start(int) const {
  return std::make_unique<RefRun>(*this);
}

}  // namespace

std::unique_ptr<devices::Subgraph> compile_subgraph(const devices::CompileContext& context) {
  return std::make_unique<RefSubgraph>(context);
}

}  // namespace zenith::ref
