// Plan: slots, placement, per-device compilation, value lifetimes, and the run loop.
#include "runtime/plan.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "ir/errors.h"
#include "passes/pipeline.h"
#include "runtime/cpu_quota.h"

namespace zenith::runtime {

// Everything a run needs besides the plan, made once and reused run after run.
struct Plan::RunState {
  explicit RunState(const Plan& plan)
      : runs(start(plan)), values(plan.slot_names_.size(), pointers(runs)) {}

  static std::vector<std::unique_ptr<devices::DeviceRun>> start(const Plan& plan) {
    std::vector<std::unique_ptr<devices::DeviceRun>> runs;
    for (size_t d = 0; d < plan.subgraphs_.size(); ++d)
      runs.push_back(plan.subgraphs_[d] ? plan.subgraphs_[d]->start(static_cast<int>(d)) : nullptr);
    return runs;
  }
  static std::vector<devices::DeviceRun*> pointers(
      const std::vector<std::unique_ptr<devices::DeviceRun>>& runs) {
    std::vector<devices::DeviceRun*> result;
    for (const auto& run : runs) result.push_back(run.get());
    return result;
  }

  std::vector<std::unique_ptr<devices::DeviceRun>> runs;  // per device of the plan's order
  devices::RunValues values;
};

// One run: a run state taken from the plan's idle ones (or made) and given back after.
class Plan::Run {
 public:
  Run(const Plan& plan, uint64_t seed, int threads, std::map<size_t, std::string>* declined)
      : plan_(plan), state_(take_state(plan)), declined_(declined) {
    state_->values.warming_up = declined != nullptr;
    for (auto& run : state_->runs)
      if (run) run->begin(seed, threads);
  }

  ~Run() {
    for (auto& run : state_->runs)
      if (run) run->end();
    state_->values.reset();
    const std::lock_guard<std::mutex> lock(plan_.idle_mutex_);
    plan_.idle_.push_back(std::move(state_));
  }

  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  // Checks the feeds as REF does and puts them in their slots.
  void bind(const std::map<std::string, ir::Value>& feeds) {
    const ir::Graph& graph = plan_.graph_;
    // An input's initializer is its value unless the caller feeds one.
    for (const auto& [slot, tensor] : plan_.input_defaults_)
      state_->values.set_plain(slot, *tensor);
    for (const auto& [name, value] : feeds) {
      auto it = std::find_if(graph.inputs.begin(), graph.inputs.end(),
                             [&](const ir::ValueInfo& v) { return v.name == name; });
      if (it == graph.inputs.end())
        throw_invalid_argument("{}: '{}' is not an input of the graph", graph.source, name);
      ref::Interpreter::check_feed(graph, *it, value);
      state_->values.set_plain(plan_.input_slots_[static_cast<size_t>(it - graph.inputs.begin())],
                               value);
    }
    for (const ir::ValueInfo* input : plan_.runtime_inputs_)
      if (!feeds.count(input->name))
        throw_invalid_argument("{}: no value given for graph input '{}' ({})", graph.source,
                               input->name, ir::to_string(input->type));
  }

  // Runs step `k` on its device, or on the fallback device if its device declines; returns the
  // index of the device that ran it.
  int execute(size_t k, devices::StepReport* report) {
    const Step& step = plan_.steps_[k];
    std::string why = device(step.device).execute(step.index, state_->values, report);
    if (why.empty()) return step.device;
    ++plan_.ref_fallbacks_;
    if (declined_) declined_->emplace(k, std::move(why));
    device(plan_.fallback_).execute(step.fallback, state_->values, report);
    return plan_.fallback_;
  }

  void release(size_t k) {
    for (int s : plan_.steps_[k].dead) state_->values.release(s);
  }

  // Graph output `i` as a plain value.
  ir::Value output(size_t i) {
    const std::string& name = plan_.graph_.outputs[i].name;
    if (const ir::Value* v = state_->values.plain(plan_.output_slots_[i])) return *v;
    if (auto it = plan_.graph_.initializers.find(name); it != plan_.graph_.initializers.end())
      return it->second;
    throw_invalid_model("{}: graph output '{}' is never produced", plan_.graph_.source, name);
  }

 private:
  static std::unique_ptr<RunState> take_state(const Plan& plan) {
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

  devices::DeviceRun& device(int d) { return *state_->runs[static_cast<size_t>(d)]; }

  const Plan& plan_;
  std::unique_ptr<RunState> state_;
  std::map<size_t, std::string>* declined_;
};

namespace {

// What the buffers of a run depend on: the feeds' shapes (rank, then dims; -1 for a non-tensor),
// then the run's thread count (oneDNN sizes scratch buffers by it).
cpu::ArenaKey buffers_key(const std::map<std::string, ir::Value>& feeds, int threads) {
  cpu::ArenaKey key;
  for (const auto& [name, value] : feeds) {
    if (!value.is_tensor()) {
      key.push_back(-1);
      continue;
    }
    const ir::Dims& dims = value.tensor().dims();
    key.push_back(static_cast<int64_t>(dims.size()));
    key.insert(key.end(), dims.begin(), dims.end());
  }
  key.push_back(threads);
  return key;
}

}  // namespace

Plan::Plan(ir::Graph graph, const std::vector<std::string>& devices, int num_threads,
           ir::DType precision)
    : graph_(std::move(graph)),
      order_(hetero::device_order(devices)),
      precision_(precision),
      governor_(num_threads > 0 ? num_threads : usable_cores()) {
  if (num_threads < 0)
    throw_invalid_argument("num_threads is {}, expected >= 0 (0: all cores)", num_threads);
  interpreter_.check_supported(graph_);
  fallback_ = static_cast<int>(
      std::find(order_.begin(), order_.end(), &devices::fallback_device()) - order_.begin());
  if (devices::runs_simplified_graph(order_)) passes::run_default_passes(graph_);
  any_subgraph_ = std::any_of(graph_.nodes.begin(), graph_.nodes.end(), ref::has_subgraph);
  assignments_ = hetero::place(graph_, order_);
  assign_slots();
  compile();
  plan_lifetimes();
  note_precisions();
  runtime_inputs_ = graph_.runtime_inputs();
}

Plan::~Plan() = default;

void Plan::assign_slots() {
  const auto slot = [&](const std::string& name) {
    if (name.empty()) return -1;
    auto [it, fresh] = slot_of_.emplace(name, static_cast<int>(slot_names_.size()));
    if (fresh) slot_names_.push_back(name);
    return it->second;
  };
  for (const ir::ValueInfo& in : graph_.inputs) input_slots_.push_back(slot(in.name));
  for (const ir::Node& node : graph_.nodes) {
    for (const std::string& in : node.inputs) slot(in);
    for (const std::string& out : node.outputs) slot(out);
  }
  for (const ir::ValueInfo& out : graph_.outputs) output_slots_.push_back(slot(out.name));
  for (size_t i = 0; i < graph_.inputs.size(); ++i)
    if (auto it = graph_.initializers.find(graph_.inputs[i].name); it != graph_.initializers.end())
      input_defaults_.emplace_back(input_slots_[i], &it->second);
}

void Plan::compile() {
  // Each device compiles the nodes placed on it; the fallback device always compiles, since it
  // adopts every other device's steps.
  subgraphs_.resize(order_.size());
  for (size_t d = 0; d <= static_cast<size_t>(fallback_); ++d) {
    devices::CompileContext context{graph_, {}, slot_of_, slot_names_, any_subgraph_, precision_};
    for (size_t i = 0; i < graph_.nodes.size(); ++i)
      if (assignments_[i].device == order_[d]->name()) context.nodes.push_back(i);
    if (!context.nodes.empty() || static_cast<int>(d) == fallback_)
      subgraphs_[d] = order_[d]->compile(context);
  }
  devices::Subgraph& fallback = *subgraphs_[static_cast<size_t>(fallback_)];
  const size_t own = fallback.steps().size();
  for (size_t j = 0; j < own; ++j) steps_.push_back({fallback_, j, j, {}, {}});
  for (size_t d = 0; d < subgraphs_.size(); ++d) {
    if (!subgraphs_[d] || static_cast<int>(d) == fallback_) continue;
    for (size_t j = 0; j < subgraphs_[d]->steps().size(); ++j)
      steps_.push_back({static_cast<int>(d), j, fallback.adopt(subgraphs_[d]->steps()[j]), {}, {}});
  }
  // Graph order: nodes are sorted, and a step's main node comes before the nodes fused into it.
  const auto position = [&](const Step& s) { return node_index(step_nodes(s).node); };
  std::stable_sort(steps_.begin(), steps_.end(),
                   [&](const Step& a, const Step& b) { return position(a) < position(b); });
  for (const Step& step : steps_) {
    const devices::Step& nodes = step_nodes(step);
    for (size_t i = 1; i < nodes.nodes.size(); ++i)
      assignments_[node_index(nodes.nodes[i])].fused_into = nodes.node->name;
  }
}

void Plan::note_precisions() {
  for (const Step& step : steps_) {
    const devices::Step& nodes = step_nodes(step);
    const std::string precision =
        subgraphs_[static_cast<size_t>(step.device)]->precision(step.index);
    assignments_[node_index(nodes.node)].precision = precision;  // fused nodes: see fused_into
  }
}

bool Plan::computes_in(ir::DType precision) const {
  const std::string_view name = ir::dtype_name(precision);
  return std::any_of(assignments_.begin(), assignments_.end(),
                     [&](const hetero::Assignment& a) { return a.precision == name; });
}

void Plan::plan_lifetimes() {
  std::multimap<int, size_t> outputs_of_slot;  // slot -> the graph outputs it is
  for (size_t i = 0; i < output_slots_.size(); ++i) outputs_of_slot.emplace(output_slots_[i], i);
  for (Step& step : steps_) {
    step.dead.clear();
    step.outputs.clear();
    for (int s : step_nodes(step).output_slots) {
      const auto [first, last] = outputs_of_slot.equal_range(s);
      for (auto it = first; it != last; ++it) step.outputs.push_back(it->second);
    }
    devices::Step& nodes = step_nodes(step);
    nodes.last_use.assign(nodes.inputs.size(), false);
  }
  const size_t slots = slot_names_.size();
  std::vector<int> producer(slots, -1);  // the device that produces each slot
  std::vector<bool> read_plain(slots, false), aliased(slots, false), keep(slots, false);
  std::vector<int> last_read(slots, -1);
  for (int s : output_slots_)
    read_plain[static_cast<size_t>(s)] = keep[static_cast<size_t>(s)] = true;
  const auto keep_named = [&](const std::string& name) {
    if (auto it = slot_of_.find(name); it != slot_of_.end())
      keep[static_cast<size_t>(it->second)] = true;
  };
  for (const auto& [name, tensor] : graph_.initializers) keep_named(name);
  // A body (If / Loop / Scan) reads values of this graph by name, not through its step's
  // inputs: those it can read live to the end, the others as their readers say.
  for (const ir::Node& node : graph_.nodes)
    if (ref::has_subgraph(node))
      for (const std::string& name : ir::names_read_by_subgraphs(node)) keep_named(name);
  for (size_t k = 0; k < steps_.size(); ++k) {
    const devices::Step& nodes = step_nodes(steps_[k]);
    for (int s : nodes.input_slots) {
      if (s < 0) continue;
      // Read by another device, it is converted to plain, which may share its bytes.
      if (producer[static_cast<size_t>(s)] != steps_[k].device)
        read_plain[static_cast<size_t>(s)] = true;
      last_read[static_cast<size_t>(s)] = static_cast<int>(k);
    }
    for (int s : nodes.output_slots)
      if (s >= 0) producer[static_cast<size_t>(s)] = steps_[k].device;
    if (nodes.output_aliases_input && !nodes.input_slots.empty() && !nodes.output_slots.empty()) {
      for (int s : {nodes.input_slots[0], nodes.output_slots[0]})
        if (s >= 0) aliased[static_cast<size_t>(s)] = true;
    }
  }
  for (size_t s = 0; s < slots; ++s) {
    if (last_read[s] < 0 || keep[s]) continue;
    Step& step = steps_[static_cast<size_t>(last_read[s])];
    step.dead.push_back(static_cast<int>(s));
    devices::Step& nodes = step_nodes(step);
    const auto reads =
        std::count(nodes.input_slots.begin(), nodes.input_slots.end(), static_cast<int>(s));
    if (!read_plain[s] && !aliased[s] && reads == 1)
      nodes.last_use[static_cast<size_t>(
          std::find(nodes.input_slots.begin(), nodes.input_slots.end(), static_cast<int>(s)) -
          nodes.input_slots.begin())] = true;
  }
}

std::vector<ir::Value> Plan::run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
                                 std::vector<StepProfile>* profile, cpu::ArenaCache* arenas) const {
  std::vector<ir::Value> results;
  run_into(feeds, results, seed, profile, arenas);
  return results;
}

void Plan::run_into(const std::map<std::string, ir::Value>& feeds, std::vector<ir::Value>& results,
                    uint64_t seed, std::vector<StepProfile>* profile, cpu::ArenaCache* arenas,
                    const OutputReady& on_output) const {
  if (fallback_ == 0 && !profile) {
    results = interpreter_.run(graph_, feeds, seed);  // REF alone: the plain oracle
    if (on_output)
      for (size_t i = 0; i < results.size(); ++i) on_output(i, results[i]);
    return;
  }
  const int threads = governor_.choose();
  const auto start = std::chrono::steady_clock::now();
  try {
    run(feeds, seed, profile, arenas ? *arenas : arenas_, threads, nullptr, results, on_output);
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    governor_.report(threads, ms.count());
  } catch (...) {
    governor_.cancel(threads);
    throw;
  }
}

void Plan::run_on(const std::map<std::string, ir::Value>& feeds, std::vector<ir::Value>& results,
                  int threads, cpu::ArenaCache& arenas) const {
  run(feeds, 0, nullptr, arenas, threads, nullptr, results, {});
}

void Plan::warm_up(const std::map<std::string, ir::Value>& feeds) {
  if (fallback_ == 0) return;
  std::map<size_t, std::string> declined;
  // Kernels for each thread count a run may be given: oneDNN fixes the count in a primitive.
  std::vector<ir::Value> results;
  for (int threads : governor_.counts())
    run(feeds, 0, nullptr, arenas_, threads, &declined, results, {});
  for (const auto& [k, why] : declined) {
    Step& step = steps_[k];
    for (const ir::Node* node : step_nodes(step).nodes) {
      hetero::Assignment& a = assignments_[node_index(node)];
      a.device = order_[static_cast<size_t>(fallback_)]->name();
      a.reason = why;
      a.fused_into.clear();
    }
    step.device = fallback_;
    step.index = step.fallback;
  }
  if (!declined.empty()) plan_lifetimes();  // values read by the new REF steps are read plain
  note_precisions();
  ref_fallbacks_ = 0;
}

void Plan::run(const std::map<std::string, ir::Value>& feeds, uint64_t seed,
               std::vector<StepProfile>* profile, cpu::ArenaCache& arenas, int threads,
               std::map<size_t, std::string>* declined, std::vector<ir::Value>& results,
               const OutputReady& on_output) const {
  results.clear();  // the last run's outputs go back before this one asks for buffers
  cpu::RunArena arena(arenas, buffers_key(feeds, threads));
  {
    Run run(*this, seed, threads, declined);
    run.bind(feeds);
    for (size_t k = 0; k < steps_.size(); ++k) {
      const ir::Node& node = *step_nodes(steps_[k]).node;
      try {
        if (!profile) {
          run.execute(k, nullptr);
        } else {
          devices::StepReport report;
          const auto start = std::chrono::steady_clock::now();
          const int device = run.execute(k, &report);
          const std::chrono::duration<double, std::milli> ms =
              std::chrono::steady_clock::now() - start;
          StepProfile p{node.name,
                        node.op_type,
                        std::string(order_[static_cast<size_t>(device)]->name()),
                        std::move(report.implementation),
                        std::move(report.layout),
                        ms.count()};
          const devices::Step& nodes = step_nodes(steps_[k]);
          for (size_t i = 1; i < nodes.nodes.size(); ++i) p.op += "+" + nodes.nodes[i]->op_type;
          profile->push_back(std::move(p));
        }
      } catch (const Error& e) {
        rethrow_with_context(e, ref::node_context(graph_, node));
      } catch (const std::bad_alloc&) {
        throw Error(Error::Kind::ResourceExhausted,
                    ref::node_context(graph_, node) + "out of memory");
      }
      if (on_output)
        for (size_t i : steps_[k].outputs) on_output(i, run.output(i));
      run.release(k);
    }
    results.reserve(graph_.outputs.size());
    for (size_t i = 0; i < graph_.outputs.size(); ++i) results.push_back(run.output(i));
  }
  arena.complete();  // the run's buffers are released now, but for the outputs
}

std::shared_ptr<const cpu::ArenaLayout> Plan::arena_layout(
    const std::map<std::string, ir::Value>& feeds, int threads) const {
  return arenas_.layout(buffers_key(feeds, threads > 0 ? threads : this->threads()));
}

}  // namespace zenith::runtime
