// HeteroPlan: device assignment, step list, and the run loop that moves tensors between the
// CPU device's layouts and REF's plain tensors.
#include "devices/hetero/hetero_plan.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <unordered_map>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/cpu_device.h"
#include "devices/cpu/fusion.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/hetero/concat_chains.h"
#include "devices/reference/ref_device.h"
#include "ir/errors.h"
#include "passes/pass_util.h"
#include "passes/pipeline.h"

namespace zenith::hetero {

struct HeteroPlan::Step {
  const ir::Node* node = nullptr;          // the main node
  std::vector<const ir::Node*> ref_nodes;  // what REF runs instead: the main node + fused ones
  std::unique_ptr<cpu::CpuOp> cpu;         // null: a REF step
  std::vector<std::string> inputs;         // names, for REF's scope and for errors
  std::vector<std::string> outputs;
  std::vector<int> input_slots;    // -1 for an absent optional input
  std::vector<int> output_slots;   // -1 for an unused output
  std::vector<bool> plain_needed;  // per output: read by REF, a subgraph or the caller
  std::vector<int> dead;           // slots nothing reads after this step
  std::optional<size_t> chain;     // a Concat computed in place: its chain (concat_chains.h)
  std::vector<bool> donatable;     // per input: only CPU steps read it, this one last and once,
                                   // so the step may reuse its buffer if the CPU produced it
};

// What a run keeps per value: its CPU form (any layout) and its plain form, either or both.
struct SlotValue {
  cpu::CpuValue cpu;
  ir::Value plain;
  bool on_cpu = false;
  bool has_plain = false;  // `plain` may be an empty optional, so it cannot tell
  bool in_scope = false;   // also bound by name in the run's REF scope
};

// Everything a run needs besides the plan, sized when the plan is built and reused run after
// run, so that a run allocates none of it.
struct HeteroPlan::RunState {
  explicit RunState(const HeteroPlan& plan)
      : stream(cpu::engine()),
        scope(&plan.initializers_),
        slots(plan.slot_names_.size()),
        chains(plan.chains_) {
    size_t widest = 0;
    for (const Step& step : plan.steps_) widest = std::max(widest, step.inputs.size());
    wrapped.resize(widest);
    inputs.reserve(widest);
  }

  void reset() {
    for (SlotValue& slot : slots) slot = SlotValue();
    scope.clear();
    chains.reset();
  }

  dnnl::stream stream;
  ref::Scope scope;
  std::vector<SlotValue> slots;
  ChainBuffers chains;
  std::vector<cpu::CpuValue> wrapped;  // a CPU step's inputs that needed wrapping or a copy
  std::vector<const cpu::CpuValue*> inputs;
};

// One run: a run state taken from the plan's idle ones (or made) and given back after.
class HeteroPlan::Run {
 public:
  // `declined`, when given, collects the CPU steps that ran on REF instead, and why.
  Run(const HeteroPlan& plan, uint64_t seed, std::map<const Step*, std::string>* declined)
      : plan_(plan), state_(take_state(plan)), rng_(seed), declined_(declined) {}

  ~Run() {
    state_->reset();
    const std::lock_guard<std::mutex> lock(plan_.idle_mutex_);
    plan_.idle_.push_back(std::move(state_));
  }

  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Checks the feeds as REF does and puts them in their slots.
  void bind(const std::map<std::string, ir::Value>& feeds) {
    const ir::Graph& graph = plan_.graph_;
    for (const auto& [name, value] : feeds) {
      auto it = std::find_if(graph.inputs.begin(), graph.inputs.end(),
                             [&](const ir::ValueInfo& v) { return v.name == name; });
      if (it == graph.inputs.end())
        throw_invalid_argument("{}: '{}' is not an input of the graph", graph.source, name);
      ref::Interpreter::check_feed(graph, *it, value);
      set_plain(plan_.input_slots_[static_cast<size_t>(it - graph.inputs.begin())], value);
    }
    for (const ir::ValueInfo* input : plan_.runtime_inputs_)
      if (!feeds.count(input->name))
        throw_invalid_argument("{}: no value given for graph input '{}' ({})", graph.source,
                               input->name, ir::to_string(input->type));
  }

  enum class Where { Cpu, View, Ref };  // View: a concat computed in place

  Where execute(const Step& step) {
    if (step.chain && concat_in_place(step)) return Where::View;
    if (step.cpu) {
      std::string why = run_on_cpu(step);
      if (why.empty()) return Where::Cpu;
      ++plan_.ref_fallbacks_;
      if (declined_) declined_->emplace(&step, std::move(why));
    }
    run_on_ref(step);
    return Where::Ref;
  }

  // The step's profile entry, after it ran `where` in `ms` with `kernels`.
  StepProfile profile(const Step& step, Where where, std::string kernels, double ms) const {
    StepProfile p{step.node->name,
                  step.node->op_type,
                  std::string(where == Where::Ref ? ref::device().name() : cpu::device().name()),
                  where == Where::Cpu    ? std::move(kernels)
                  : where == Where::View ? "view"
                                         : "ref",
                  "",
                  ms};
    for (size_t i = 1; i < step.ref_nodes.size(); ++i) p.op += "+" + step.ref_nodes[i]->op_type;
    const int out = step.output_slots.empty() ? -1 : step.output_slots[0];
    const SlotValue* v = out < 0 ? nullptr : &slot(out);
    p.layout = v && v->on_cpu && v->cpu.mem ? cpu::layout_name(v->cpu.desc()) : "plain";
    return p;
  }

  void release(const Step& step) {
    for (int s : step.dead) {
      SlotValue& v = slot(s);
      if (v.in_scope) state_->scope.erase(plan_.slot_names_[static_cast<size_t>(s)]);
      v = SlotValue();
    }
  }

  // Graph output `i` as a plain value.
  ir::Value output(size_t i) {
    const int s = plan_.output_slots_[i];
    const std::string& name = plan_.graph_.outputs[i].name;
    ensure_plain(s);
    if (slot(s).has_plain) return slot(s).plain;
    if (const ir::Value* v = state_->scope.find(name)) return *v;  // an initializer
    throw_invalid_model("{}: graph output '{}' is never produced", plan_.graph_.source, name);
  }

 private:
  static std::unique_ptr<RunState> take_state(const HeteroPlan& plan) {
    {
      const std::lock_guard<std::mutex> lock(plan.idle_mutex_);
      if (!plan.idle_.empty()) {
        std::unique_ptr<RunState> state = std::move(plan.idle_.back());
        plan.idle_.pop_back();
        return state;
      }
    }
    return std::make_unique<RunState>(plan);
  }

  SlotValue& slot(int s) { return state_->slots[static_cast<size_t>(s)]; }
  const SlotValue& slot(int s) const { return state_->slots[static_cast<size_t>(s)]; }

  void set_plain(int s, ir::Value value) {
    SlotValue& v = slot(s);
    v.plain = std::move(value);
    v.has_plain = true;
    if (plan_.any_subgraph_) bind_in_scope(s);
  }

  void bind_in_scope(int s) {
    SlotValue& v = slot(s);
    state_->scope.set(plan_.slot_names_[static_cast<size_t>(s)], v.plain);
    v.in_scope = true;
  }

  void ensure_plain(int s) {
    SlotValue& v = slot(s);
    if (v.has_plain || !v.on_cpu) return;
    set_plain(s, cpu::to_plain(v.cpu, state_->stream));
  }

  // REF kernels read their inputs by name: the step's inputs go into the scope, its outputs come
  // back into their slots.
  void run_on_ref(const Step& step) {
    for (int s : step.input_slots) {
      if (s < 0 || slot(s).in_scope) continue;
      ensure_plain(s);
      if (slot(s).has_plain) bind_in_scope(s);  // else an initializer, in the parent scope
    }
    for (const ir::Node* node : step.ref_nodes)
      plan_.interpreter_.run_node(*node, state_->scope, rng_);
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      const int s = step.output_slots[i];
      if (s < 0) continue;
      const ir::Value* v = state_->scope.find(step.outputs[i]);
      ZENITH_ASSERT(v);
      SlotValue& out = slot(s);
      out.plain = *v;
      out.has_plain = out.in_scope = true;
    }
  }

  // Why the step could not run on CPU ("" when it did): the op declines these inputs or oneDNN
  // has no implementation for them. The step then runs on REF.
  std::string run_on_cpu(const Step& step) {
    const size_t n = step.input_slots.size();
    std::vector<cpu::CpuValue>& wrapped = state_->wrapped;
    std::vector<const cpu::CpuValue*>& inputs = state_->inputs;
    inputs.assign(n, nullptr);
    struct Unwrap {  // the wrapped inputs are released whatever happens
      std::vector<cpu::CpuValue>& values;
      size_t n;
      ~Unwrap() {
        for (size_t i = 0; i < n; ++i) values[i] = cpu::CpuValue();
      }
    } unwrap{wrapped, n};
    for (size_t i = 0; i < n; ++i) {
      const int s = step.input_slots[i];
      if (s < 0) continue;
      if (const int c = plan_.constant_of_slot_[static_cast<size_t>(s)]; c >= 0) {
        inputs[i] = &plan_.constants_[static_cast<size_t>(c)];
        continue;
      }
      const SlotValue& v = slot(s);
      if (v.on_cpu) {
        inputs[i] = &v.cpu;
        if (!step.cpu->reads_strided() && v.cpu.mem && !cpu::is_dense(v.cpu.desc())) {
          // A concat-chain view, in channel blocks.
          wrapped[i] = cpu::to_layout(v.cpu, cpu::blocked_desc(v.cpu.dims()), state_->stream);
          inputs[i] = &wrapped[i];
          continue;
        }
        if (step.donatable[i] && !state_->chains.is_view(s)) {
          wrapped[i] = v.cpu;
          wrapped[i].donated = true;
          inputs[i] = &wrapped[i];
        }
        continue;
      }
      const ir::Value* plain = v.has_plain ? &v.plain : state_->scope.find(step.inputs[i]);
      if (!plain)
        throw_invalid_model("input '{}' is not produced by any earlier node", step.inputs[i]);
      if (!plain->is_tensor()) return fmt::format("input '{}' is not a tensor", step.inputs[i]);
      wrapped[i] = cpu::wrap(plain->tensor());
      inputs[i] = &wrapped[i];
    }
    if (!step.cpu->accepts(inputs))
      return "its CPU kernel does not take these inputs (dtype, rank or broadcast)";
    std::vector<cpu::CpuValue> outputs;
    try {
      const int first = step.output_slots.empty() ? -1 : step.output_slots[0];
      const cpu::CpuValue into = first < 0 ? cpu::CpuValue() : state_->chains.slot_for(first);
      outputs = into.mem ? step.cpu->run_into(inputs, into, state_->stream)
                         : step.cpu->run(inputs, state_->stream);
    } catch (const dnnl::error& e) {
      // oneDNN has no kernel for this configuration (a padding or shape it rejects): REF
      // computes it. At the warm-up any failure to build the step makes it a REF step of the
      // plan, its reason shown; in an inference any other failure is an error, never a silent
      // rerun.
      if (e.status != dnnl_unimplemented && !declined_) throw;
      return std::string("oneDNN cannot run it: ") + e.what();
    }
    for (size_t i = 0; i < step.output_slots.size(); ++i) {
      const int s = step.output_slots[i];
      if (s < 0) continue;
      state_->chains.produced(s, outputs[i], state_->stream);
      store(step, i, std::move(outputs[i]));
    }
    return "";
  }

  void store(const Step& step, size_t i, cpu::CpuValue value) {
    const int s = step.output_slots[i];
    SlotValue& v = slot(s);
    v.cpu = std::move(value);
    v.on_cpu = true;
    if (step.plain_needed[i]) ensure_plain(s);
  }

  bool concat_in_place(const Step& step) {
    const auto lookup = [this](int s) -> const cpu::CpuValue* {
      return slot(s).on_cpu ? &slot(s).cpu : nullptr;
    };
    std::optional<cpu::CpuValue> view =
        state_->chains.concat(*step.chain, step.inputs.size(), lookup, state_->stream);
    if (!view) return false;
    state_->chains.add_view(step.output_slots[0]);
    store(step, 0, std::move(*view));
    return true;
  }

  const HeteroPlan& plan_;
  std::unique_ptr<RunState> state_;
  std::mt19937_64 rng_;
  std::map<const Step*, std::string>* declined_;
};

namespace {

// What the buffers of a run depend on: the feeds' shapes (rank, then dims; -1 for a non-tensor).
std::vector<int64_t> shape_key(const std::map<std::string, ir::Value>& feeds) {
  std::vector<int64_t> key;
  for (const auto& [name, value] : feeds) {
    if (!value.is_tensor()) {
      key.push_back(-1);
      continue;
    }
    const ir::Dims& dims = value.tensor().dims();
    key.push_back(static_cast<int64_t>(dims.size()));
    key.insert(key.end(), dims.begin(), dims.end());
  }
  return key;
}

std::vector<const devices::Device*> order_of(const std::vector<std::string>& devices) {
  return devices::placement_order(devices, fmt::format("HETERO:{}", fmt::join(devices, ",")));
}

}  // namespace

bool runs_simplified_graph(const std::vector<std::string>& devices) {
  return devices::runs_simplified_graph(order_of(devices));
}

HeteroPlan::HeteroPlan(ir::Graph graph, const std::vector<std::string>& devices, int num_threads)
    : graph_(std::move(graph)), num_threads_(num_threads), order_(order_of(devices)) {
  if (num_threads < 0)
    throw_invalid_argument("num_threads is {}, expected >= 0 (0: all cores)", num_threads);
  interpreter_.check_supported(graph_);
  const auto reachable = devices::reachable(order_);
  uses_cpu_ = std::count(reachable.begin(), reachable.end(), &cpu::device()) != 0;
  if (devices::runs_simplified_graph(order_)) passes::run_default_passes(graph_);
  build_steps();
  ref::Interpreter::bind_initializers(graph_, initializers_);
  runtime_inputs_ = graph_.runtime_inputs();
}

HeteroPlan::~HeteroPlan() = default;

std::unordered_map<std::string, int> HeteroPlan::assign_slots() {
  std::unordered_map<std::string, int> slot_of;
  const auto slot = [&](const std::string& name) {
    if (name.empty()) return -1;
    auto [it, fresh] = slot_of.emplace(name, static_cast<int>(slot_names_.size()));
    if (fresh) slot_names_.push_back(name);
    return it->second;
  };
  for (const ir::ValueInfo& in : graph_.inputs) input_slots_.push_back(slot(in.name));
  for (Step& step : steps_) {
    for (const std::string& in : step.inputs) step.input_slots.push_back(slot(in));
    for (const std::string& out : step.outputs) step.output_slots.push_back(slot(out));
  }
  for (const ir::ValueInfo& out : graph_.outputs) output_slots_.push_back(slot(out.name));
  constant_of_slot_.assign(slot_names_.size(), -1);
  for (const Step& step : steps_) {
    if (!step.cpu) continue;
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      const int s = step.input_slots[i];
      if (s < 0 || constant_of_slot_[static_cast<size_t>(s)] >= 0) continue;
      if (const ir::Tensor* t = passes::constant_of(graph_, step.inputs[i])) {
        constant_of_slot_[static_cast<size_t>(s)] = static_cast<int>(constants_.size());
        constants_.push_back(cpu::wrap(*t));
      }
    }
  }
  return slot_of;
}

Assignment HeteroPlan::place(const ir::Node& node) const {
  Assignment a{node.name, node.op_type, "", "", ""};
  std::vector<std::string> declined;  // why not, per device before the one that takes it
  for (size_t d = 0; d < order_.size(); ++d) {
    std::string why = order_[d]->unsupported_reason(graph_, node);
    if (why.empty()) {
      a.device = order_[d]->name();
      if (declined.size() == 1) {
        a.reason = declined[0];
      } else if (!declined.empty()) {
        for (size_t k = 0; k < declined.size(); ++k)
          a.reason += fmt::format("{}{}: {}", k ? "; " : "", order_[k]->name(), declined[k]);
      } else if (d + 1 < order_.size()) {
        a.reason = fmt::format("{} comes before {} in the device order", a.device,
                               order_[d + 1]->name());
      }
      return a;
    }
    declined.push_back(std::move(why));
  }
  throw_unsupported("{}: no device runs it", node.describe());  // REF runs every checked node
}

void HeteroPlan::build_steps() {
  const size_t n = graph_.nodes.size();
  std::vector<bool> on_cpu(n, false);
  for (size_t i = 0; i < n; ++i) {
    assignments_.push_back(place(graph_.nodes[i]));
    on_cpu[i] = assignments_.back().device == cpu::device().name();
  }
  const cpu::Grouping grouping = cpu::group_cpu_steps(graph_, on_cpu);
  bool any_subgraph = false;
  for (const ir::Node& node : graph_.nodes) any_subgraph |= ref::has_subgraph(node);

  for (size_t i = 0; i < n; ++i) {
    if (grouping.fused_into[i] >= 0) {
      assignments_[i].fused_into = graph_.nodes[static_cast<size_t>(grouping.fused_into[i])].name;
      continue;
    }
    const cpu::StepSpec& spec = grouping.steps[i];
    Step step;
    step.node = spec.node;
    step.ref_nodes = {spec.node};
    step.ref_nodes.insert(step.ref_nodes.end(), spec.fused.begin(), spec.fused.end());
    step.inputs = spec.inputs;
    step.outputs = spec.outputs;
    if (on_cpu[i]) step.cpu = cpu::find_cpu_op(*spec.node)->build(graph_, spec);
    steps_.push_back(std::move(step));
  }

  any_subgraph_ = any_subgraph;
  const std::unordered_map<std::string, int> slot_of = assign_slots();

  std::vector<const ir::Node*> concats;
  for (const Step& step : steps_)
    if (step.cpu && step.node->op_type == "Concat") concats.push_back(step.node);
  if (!any_subgraph) chains_ = find_concat_chains(graph_, concats);
  for (Step& step : steps_)
    if (step.cpu && step.node->op_type == "Concat")
      if (auto it = chains_.chain_of_concat.find(step.outputs[0]);
          it != chains_.chain_of_concat.end())
        step.chain = it->second;
  chains_.index_slots([&](const std::string& name) { return slot_of.at(name); },
                      slot_names_.size());

  // A CPU output is reordered to plain when something other than a CPU step reads it.
  std::set<std::string> read_plain;
  for (const ir::ValueInfo& v : graph_.outputs) read_plain.insert(v.name);
  for (const Step& step : steps_)
    if (!step.cpu)
      for (const std::string& in : step.inputs) read_plain.insert(in);
  std::map<std::string, size_t> last_read;
  for (size_t s = 0; s < steps_.size(); ++s)
    for (const std::string& in : steps_[s].inputs)
      if (!in.empty()) last_read[in] = s;
  for (Step& step : steps_)
    for (const std::string& out : step.outputs)
      step.plain_needed.push_back(any_subgraph || read_plain.count(out) != 0);
  for (Step& step : steps_) step.donatable.assign(step.inputs.size(), false);
  if (any_subgraph) return;       // a body may read any value by name: keep everything
  std::set<std::string> aliased;  // may share a buffer with another value
  for (const Step& step : steps_)
    if (step.cpu && step.cpu->output_aliases_input() && !step.inputs.empty() &&
        !step.outputs.empty()) {
      aliased.insert(step.inputs[0]);
      aliased.insert(step.outputs[0]);
    }
  for (const auto& [name, s] : last_read) {
    const bool is_output = std::any_of(graph_.outputs.begin(), graph_.outputs.end(),
                                       [&](const ir::ValueInfo& v) { return v.name == name; });
    if (is_output || graph_.initializers.count(name)) continue;
    Step& step = steps_[s];
    step.dead.push_back(slot_of.at(name));
    // A value REF has seen may have views (a REF Reshape's output shares its buffer).
    if (!read_plain.count(name) && !aliased.count(name) &&
        std::count(step.inputs.begin(), step.inputs.end(), name) == 1)
      step.donatable[static_cast<size_t>(std::find(step.inputs.begin(), step.inputs.end(), name) -
                                         step.inputs.begin())] = true;
  }
}

std::vector<ir::Value> HeteroPlan::run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                                       std::vector<StepProfile>* profile,
                                       cpu::ArenaCache* arenas) const {
  if (!uses_cpu_ && !profile)
    return interpreter_.run(graph_, feeds, seed);  // REF alone: the plain oracle
  return run(feeds, seed, profile, arenas ? *arenas : arenas_, nullptr);
}

void HeteroPlan::warm_up(const std::map<std::string, ir::Value>& feeds) {
  if (!uses_cpu_) return;
  std::map<const Step*, std::string> declined;
  run(feeds, 0, nullptr, arenas_, &declined);
  for (Step& step : steps_) {
    auto it = declined.find(&step);
    if (it == declined.end()) continue;
    step.cpu.reset();
    for (Assignment& a : assignments_)
      if (a.node == step.node->name || a.fused_into == step.node->name) {
        a.device = ref::device().name();
        a.reason = it->second;
        a.fused_into.clear();
      }
  }
  ref_fallbacks_ = 0;
}

std::vector<ir::Value> HeteroPlan::run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                                       std::vector<StepProfile>* profile, cpu::ArenaCache& arenas,
                                       std::map<const Step*, std::string>* declined) const {
  const cpu::CpuRunSettings settings(num_threads_);
  cpu::RunArena arena(arenas, shape_key(feeds));
  std::vector<ir::Value> results;
  {
    Run run(*this, seed, declined);
    run.bind(feeds);
    for (const Step& step : steps_) {
      try {
        if (!profile) {
          run.execute(step);
        } else {
          cpu::KernelTrace trace;
          const auto start = std::chrono::steady_clock::now();
          const Run::Where where = run.execute(step);
          const std::chrono::duration<double, std::milli> ms =
              std::chrono::steady_clock::now() - start;
          profile->push_back(run.profile(step, where, trace.take(), ms.count()));
        }
      } catch (const Error& e) {
        rethrow_with_context(e, ref::node_context(graph_, *step.node));
      } catch (const dnnl::error& e) {
        throw Error(
            e.status == dnnl_out_of_memory ? Error::Kind::ResourceExhausted : Error::Kind::Internal,
            ref::node_context(graph_, *step.node) + "oneDNN: " + e.what());
      } catch (const std::bad_alloc&) {
        throw Error(Error::Kind::ResourceExhausted,
                    ref::node_context(graph_, *step.node) + "out of memory");
      }
      run.release(step);
    }
    results.reserve(graph_.outputs.size());
    for (size_t i = 0; i < graph_.outputs.size(); ++i) results.push_back(run.output(i));
  }
  arena.complete();  // the run's buffers are released now, but for the outputs
  return results;
}

std::shared_ptr<const cpu::ArenaLayout> HeteroPlan::arena_layout(
    const std::map<std::string, ir::Value>& feeds) const {
  return arenas_.layout(shape_key(feeds));
}

}  // namespace zenith::hetero
