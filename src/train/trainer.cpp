// Trainer: feeds the parameters and state to the training graph's plan, reads the gradients
// back, and lets the optimizer move the parameters.
#include "train/trainer.h"

#include <chrono>

#include "ir/errors.h"
#include "runtime/plan.h"

namespace zenith::train {

Trainer::Trainer(const ir::Graph& model, const TrainerOptions& options)
    : training_(build_training_graph(model, options.loss)),
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
  for (size_t k = 0; k < state_.size(); ++k)
    state_[k] = out[2 + parameters_.size() + k].tensor().clone();
  return *out[0].tensor().data<float>();
}

ir::Graph Trainer::trained_model(ir::Graph g) const {
  for (ir::Node& n : g.nodes)
    if (n.domain.empty() && n.op_type == "BatchNormalization") {
      n.attributes.erase("training_mode");
      n.outputs.resize(1);
    }
  for (size_t k = 0; k < parameters_.size(); ++k)
    g.initializers[training_.parameters[k]] = parameters_[k].clone();
  for (size_t k = 0; k < state_.size(); ++k)
    g.initializers[training_.state[k].input] = state_[k].clone();
  return g;
}

}  // namespace zenith::train
