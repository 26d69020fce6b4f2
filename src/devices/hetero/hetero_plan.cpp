// HeteroPlan: device assignment, step list, and the run loop that moves tensors between the
// CPU device's layouts and REF's plain tensors.
#include "devices/hetero/hetero_plan.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <set>
#include <unordered_map>

#include "devices/cpu/channel_block.h"
#include "devices/cpu/fusion.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/hetero/concat_chains.h"
#include "ir/errors.h"
#include "passes/pass_util.h"
#include "passes/pipeline.h"

namespace zenith::hetero {

struct HeteroPlan::Step {
  const ir::Node* node = nullptr;          // the main node
  std::vector<const ir::Node*> ref_nodes;  // what REF runs instead: the main node + fused ones
  std::unique_ptr<cpu::CpuOp> cpu;         // null: a REF step
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  std::vector<bool> plain_needed;  // per output: read by REF, a subgraph or the caller
  std::vector<std::string> dead;   // values nothing reads after this step
  std::optional<size_t> chain;     // a Concat computed in place: its chain (concat_chains.h)
  std::vector<bool> donatable;     // per input: only CPU steps read it, this one last and once,
                                   // so the step may reuse its buffer if the CPU produced it
};

// One run's values: REF's scope of plain values, and CPU values in their oneDNN layouts.
class HeteroPlan::Run {
 public:
  // `declined`, when given, collects the CPU steps that ran on REF instead, and why.
  Run(const HeteroPlan& plan, uint64_t seed, std::map<const Step*, std::string>* declined)
      : plan_(plan),
        stream_(cpu::engine()),
        rng_(seed),
        scope_(&plan.initializers_),
        chains_(plan.chains_),
        declined_(declined) {}

  ref::Scope& scope() { return scope_; }

  enum class Where { Cpu, View, Ref };  // View: a concat computed in place

  Where execute(const Step& step) {
    if (step.chain && concat_in_place(step)) return Where::View;
    if (step.cpu) {
      std::string why = run_on_cpu(step);
      if (why.empty()) return Where::Cpu;
      ++plan_.ref_fallbacks_;
      if (declined_) declined_->emplace(&step, std::move(why));
    }
    for (const ir::Node* node : step.ref_nodes) {
      for (const std::string& in : node->inputs) ensure_plain(in);
      plan_.interpreter_.run_node(*node, scope_, rng_);
    }
    return Where::Ref;
  }

  // The step's profile entry, after it ran `where` in `ms` with `kernels`.
  StepProfile profile(const Step& step, Where where, std::string kernels, double ms) const {
    StepProfile p{step.node->name,
                  step.node->op_type,
                  where == Where::Ref ? "REF" : "CPU",
                  where == Where::Cpu    ? std::move(kernels)
                  : where == Where::View ? "view"
                                         : "ref",
                  "",
                  ms};
    for (size_t i = 1; i < step.ref_nodes.size(); ++i) p.op += "+" + step.ref_nodes[i]->op_type;
    auto it = step.outputs.empty() ? cpu_values_.end() : cpu_values_.find(step.outputs[0]);
    p.layout =
        it != cpu_values_.end() && it->second.mem ? cpu::layout_name(it->second.desc()) : "plain";
    return p;
  }

  void release(const Step& step) {
    for (const std::string& name : step.dead) {
      scope_.erase(name);
      cpu_values_.erase(name);
    }
  }

 private:
  // Why the step could not run on CPU ("" when it did): the op declines these inputs or oneDNN
  // has no implementation for them. The step then runs on REF.
  std::string run_on_cpu(const Step& step) {
    std::vector<cpu::CpuValue> wrapped(step.inputs.size());
    std::vector<const cpu::CpuValue*> inputs(step.inputs.size(), nullptr);
    for (size_t i = 0; i < step.inputs.size(); ++i) {
      const std::string& name = step.inputs[i];
      if (name.empty()) continue;
      if (auto it = plan_.constants_.find(name); it != plan_.constants_.end()) {
        inputs[i] = &it->second;
        continue;
      }
      if (auto it = cpu_values_.find(name); it != cpu_values_.end()) {
        inputs[i] = &it->second;
        if (!step.cpu->reads_strided() && it->second.mem && !cpu::is_dense(it->second.desc())) {
          // A concat-chain view, in channel blocks.
          wrapped[i] = cpu::to_layout(it->second, cpu::blocked_desc(it->second.dims()), stream_);
          inputs[i] = &wrapped[i];
          continue;
        }
        if (step.donatable[i] && !chains_.is_view(name)) {
          wrapped[i] = it->second;
          wrapped[i].donated = true;
          inputs[i] = &wrapped[i];
        }
        continue;
      }
      const ir::Value* v = scope_.find(name);
      if (!v) throw_invalid_model("input '{}' is not produced by any earlier node", name);
      if (!v->is_tensor()) return fmt::format("input '{}' is not a tensor", name);
      wrapped[i] = cpu::wrap(v->tensor());
      inputs[i] = &wrapped[i];
    }
    if (!step.cpu->accepts(inputs))
      return "its CPU kernel does not take these inputs (dtype, rank or broadcast)";
    std::vector<cpu::CpuValue> outputs;
    try {
      const cpu::CpuValue slot =
          step.outputs.empty() ? cpu::CpuValue() : chains_.slot_for(step.outputs[0]);
      outputs =
          slot.mem ? step.cpu->run_into(inputs, slot, stream_) : step.cpu->run(inputs, stream_);
    } catch (const dnnl::error& e) {
      // oneDNN has no kernel for this configuration (a padding or shape it rejects): REF
      // computes it. Any other failure is an error, never a silent rerun.
      if (e.status != dnnl_unimplemented) throw;
      return std::string("oneDNN has no kernel for it: ") + e.what();
    }
    for (size_t i = 0; i < step.outputs.size(); ++i) {
      if (step.outputs[i].empty()) continue;
      chains_.produced(step.outputs[i], outputs[i], stream_);
      store(step, i, std::move(outputs[i]));
    }
    return "";
  }

  void store(const Step& step, size_t i, cpu::CpuValue value) {
    if (step.plain_needed[i]) scope_.set(step.outputs[i], cpu::to_plain(value, stream_));
    cpu_values_[step.outputs[i]] = std::move(value);
  }

  bool concat_in_place(const Step& step) {
    const auto lookup = [this](const std::string& name) -> const cpu::CpuValue* {
      auto it = cpu_values_.find(name);
      return it == cpu_values_.end() ? nullptr : &it->second;
    };
    std::optional<cpu::CpuValue> view = chains_.concat(*step.chain, step.inputs, lookup, stream_);
    if (!view) return false;
    chains_.add_view(step.outputs[0]);
    store(step, 0, std::move(*view));
    return true;
  }

  void ensure_plain(const std::string& name) {
    if (name.empty() || scope_.find(name)) return;
    if (auto it = cpu_values_.find(name); it != cpu_values_.end())
      scope_.set(name, cpu::to_plain(it->second, stream_));
  }

  const HeteroPlan& plan_;
  dnnl::stream stream_;
  std::mt19937_64 rng_;
  ref::Scope scope_;
  std::unordered_map<std::string, cpu::CpuValue> cpu_values_;
  ChainBuffers chains_;
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

}  // namespace

HeteroPlan::HeteroPlan(ir::Graph graph, const std::vector<std::string>& devices, int num_threads)
    : graph_(std::move(graph)), num_threads_(num_threads) {
  if (num_threads < 0)
    throw_invalid_argument("num_threads is {}, expected >= 0 (0: all cores)", num_threads);
  for (const std::string& d : devices)
    if (d != "CPU" && d != "REF")
      throw_invalid_argument("HETERO: unknown device '{}'; HETERO combines CPU and REF", d);
  interpreter_.check_supported(graph_);
  uses_cpu_ = std::find(devices.begin(), devices.end(), "CPU") != devices.end();
  // REF runs the graph as written (it is the oracle); faster devices run it simplified.
  if (uses_cpu_) passes::run_default_passes(graph_);
  build_steps();
  ref::Interpreter::bind_initializers(graph_, initializers_);
}

HeteroPlan::~HeteroPlan() = default;

void HeteroPlan::build_steps() {
  const bool use_cpu = uses_cpu_;
  const size_t n = graph_.nodes.size();
  std::vector<bool> on_cpu(n, false);
  for (size_t i = 0; i < n; ++i) {
    const ir::Node& node = graph_.nodes[i];
    Assignment a{node.name, node.op_type, "REF", "", ""};
    const cpu::CpuOpFactory* factory = use_cpu ? cpu::find_cpu_op(node) : nullptr;
    if (!use_cpu)
      a.reason = "CPU not requested";
    else if (!factory)
      a.reason = "no CPU kernel for " + node.op_type;
    else
      a.reason = factory->supports(graph_, node);
    if (a.reason.empty()) a.device = "CPU";
    on_cpu[i] = a.device == "CPU";
    assignments_.push_back(std::move(a));
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

  for (const Step& step : steps_)
    if (step.cpu)
      for (const std::string& in : step.inputs)
        if (const ir::Tensor* t = in.empty() ? nullptr : passes::constant_of(graph_, in))
          constants_.emplace(in, cpu::wrap(*t));

  std::vector<const ir::Node*> concats;
  for (const Step& step : steps_)
    if (step.cpu && step.node->op_type == "Concat") concats.push_back(step.node);
  if (!any_subgraph) chains_ = find_concat_chains(graph_, concats);
  for (Step& step : steps_)
    if (step.cpu && step.node->op_type == "Concat")
      if (auto it = chains_.chain_of_concat.find(step.outputs[0]);
          it != chains_.chain_of_concat.end())
        step.chain = it->second;

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
    step.dead.push_back(name);
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
        a.device = "REF";
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
    ref::Interpreter::bind_feeds(graph_, feeds, run.scope());
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
    for (const ir::ValueInfo& out : graph_.outputs) {
      const ir::Value* v = run.scope().find(out.name);
      if (!v)
        throw_invalid_model("{}: graph output '{}' is never produced", graph_.source, out.name);
      results.push_back(*v);
    }
  }
  arena.complete();  // the run's buffers are released now, but for the outputs
  return results;
}

std::shared_ptr<const cpu::ArenaLayout> HeteroPlan::arena_layout(
    const std::map<std::string, ir::Value>& feeds) const {
  return arenas_.layout(shape_key(feeds));
}

}  // namespace zenith::hetero
