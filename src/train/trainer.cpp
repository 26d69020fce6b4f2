// Trainer: feeds the parameters and state to the training graph's plan, reads the gradients
// back, and lets the optimizer move the parameters.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>

#include "ir/errors.h"
#include "runtime/plan.h"

namespace zenith::train {

Trainer::Trainer(const ir::Graph& model, const TrainerOptions& options)
    : training_(build_training_graph(model, options.loss, options.positive_weights)),
      optimizer_(make_optimizer(options.optimizer)),
      clip_norm_(options.clip_norm) {
  if (options.profile) profile_.emplace();
  plan_ = std::make_unique<runtime::Plan>(training_.graph, options.devices, options.threads);
  for (const std::string& p : training_.parameters)
    parameters_.push_back(training_.graph.initializers.at(p).clone());
  for (const TrainingGraph::Update& u : training_.state)
    state_.push_back(training_.graph.initializers.at(u.input).clone());
}

Trainer::~Trainer() = default;

float Trainer::step(const std::map<std::string, ir::Value>& inputs, const ir::Tensor& labels,
                    float lr) {
  // The same keys at every step: after the first, the map's nodes are reused.
  for (const auto& [name, value] : inputs) feeds_[name] = value;
  feeds_[training_.labels] = labels;
  for (size_t k = 0; k < parameters_.size(); ++k) feeds_[training_.parameters[k]] = parameters_[k];
  for (size_t k = 0; k < state_.size(); ++k) feeds_[training_.state[k].input] = state_[k];
  gradients_.clear();  // (views of the last step's outputs, whose storage the run reuses)
  const bool timed = profile_ && steps_ > 0;
  step_profile_.clear();
  plan_->run_into(feeds_, out_, steps_++, timed ? &step_profile_ : nullptr);
  const std::vector<ir::Value>& out = out_;
  // Outputs: loss, the model's output, the gradients, the state's next values.
  for (size_t k = 0; k < parameters_.size(); ++k) gradients_.push_back(out[2 + k].tensor());
  const auto start = std::chrono::steady_clock::now();
  if (clip_norm_ > 0) clip_gradients(gradients_, clip_norm_);
  optimizer_->step(parameters_, gradients_, lr);
  if (timed) {
    const std::chrono::duration<double, std::milli> update =
        std::chrono::steady_clock::now() - start;
    step_profile_.push_back({"optimizer", "optimizer", "host", "", "", update.count()});
    profile_->add(step_profile_);
  }
  for (size_t k = 0; k < state_.size(); ++k) {  // copied: the next run reuses out's storage
    const ir::Tensor& next = out[2 + parameters_.size() + k].tensor();
    std::copy_n(next.raw(), next.size_bytes(), state_[k].raw());
  }
  return *out[0].tensor().data<float>();
}

ir::Graph Trainer::trained_model(ir::Graph g) const {
  for (ir::Node& n : g.nodes) {
    if (n.domain.empty() && n.op_type == "BatchNormalization") {
      n.attributes.erase("training_mode");
      n.outputs.resize(1);
    }
    // Without its training_mode input Dropout is the identity.
    if (n.domain.empty() && n.op_type == "Dropout" && n.inputs.size() > 2) n.inputs.resize(2);
  }
  for (size_t k = 0; k < parameters_.size(); ++k)
    g.initializers[training_.parameters[k]] = parameters_[k].clone();
  for (size_t k = 0; k < state_.size(); ++k)
    g.initializers[training_.state[k].input] = state_[k].clone();
  return g;
}

namespace {

const char kParameter[] = "parameter/", kState[] = "state/", kOptimizer[] = "optimizer/";

void restore_tensors(const Checkpoint& c, const char* prefix, const std::vector<std::string>& names,
                     std::vector<ir::Tensor>& tensors) {
  for (size_t k = 0; k < names.size(); ++k) {
    const auto it = c.tensors.find(prefix + names[k]);
    if (it == c.tensors.end())
      throw_invalid_argument("the checkpoint has no '{}': it is not of this model", names[k]);
    if (it->second.dims() != tensors[k].dims() || it->second.dtype() != ir::DType::F32)
      throw_invalid_argument("the checkpoint's '{}' is {} {}, the model's f32 {}", names[k],
                             ir::dtype_name(it->second.dtype()), ir::to_string(it->second.dims()),
                             ir::to_string(tensors[k].dims()));
    tensors[k] = it->second.clone();
  }
}

}  // namespace

Checkpoint Trainer::checkpoint() const {
  Checkpoint c;
  c.step = static_cast<int64_t>(steps_);
  for (size_t k = 0; k < parameters_.size(); ++k)
    c.tensors[kParameter + training_.parameters[k]] = parameters_[k].clone();
  for (size_t k = 0; k < state_.size(); ++k)
    c.tensors[kState + training_.state[k].input] = state_[k].clone();
  for (auto& [key, t] : optimizer_->state()) c.tensors[kOptimizer + key] = std::move(t);
  return c;
}

void Trainer::restore(const Checkpoint& c) {
  restore_tensors(c, kParameter, training_.parameters, parameters_);
  std::vector<std::string> statistics;
  for (const TrainingGraph::Update& u : training_.state) statistics.push_back(u.input);
  restore_tensors(c, kState, statistics, state_);
  std::map<std::string, ir::Tensor> optimizer;
  const std::string prefix = kOptimizer;
  for (const auto& [name, t] : c.tensors)
    if (name.compare(0, prefix.size(), prefix) == 0) optimizer[name.substr(prefix.size())] = t;
  optimizer_->load_state(optimizer);
  steps_ = static_cast<uint64_t>(c.step);
}

}  // namespace zenith::train
