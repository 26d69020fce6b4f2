// Trainer: feeds the parameters and state to the training graph's plan, reads the gradients
// back, and lets the optimizer move the parameters.
#include "train/trainer.h"

#include <algorithm>
#include <chrono>

#include "devices/reference/replica_sums.h"
#include "ir/errors.h"
#include "runtime/plan.h"

namespace zenith::train {

namespace {

// Each batch norm computes its batch statistics over every replica's batch (devices'
// sum_over_replicas).
void synchronize_batch_norms(ir::Graph& g) {
  for (ir::Node& n : g.nodes)
    if (n.domain == "zenith" && (n.op_type == "BatchNormTrain" || n.op_type == "BatchNormGrad"))
      n.attributes["sync"] = int64_t{1};
}

using Clock = std::chrono::steady_clock;

}  // namespace

Trainer::Trainer(const ir::Graph& model, const TrainerOptions& options)
    : training_(build_training_graph(model, options.loss, options.positive_weights)),
      optimizer_(make_optimizer(options.optimizer)),
      clip_norm_(options.clip_norm),
      parallel_(options.parallel) {
  if (options.profile) profile_.emplace();
  if (parallel_.sync_batch_norm) synchronize_batch_norms(training_.graph);
  plan_ = std::make_unique<runtime::Plan>(training_.graph, options.devices, options.threads);
  for (const std::string& p : training_.parameters)
    parameters_.push_back(training_.graph.initializers.at(p).clone());
  for (const TrainingGraph::Update& u : training_.state)
    state_.push_back(training_.graph.initializers.at(u.input).clone());
  if (!parallel_.comm || !parallel_.comm->launched()) return;
  // Buckets fill in the order the backward pass makes the gradients: the last layer's first.
  std::vector<size_t> counts, order;
  for (size_t k = 0; k < parameters_.size(); ++k) {
    counts.push_back(static_cast<size_t>(parameters_[k].numel()));
    order.insert(order.begin(), k);
  }
  reducer_ = std::make_unique<distributed::GradientReducer>(
      *parallel_.comm, counts, order, parallel_.bucket_bytes, parallel_.timeout);
  if (parallel_.sync_batch_norm)
    devices::set_replica_sum([reducer = reducer_.get()](double* data, size_t count) {
      reducer->collective([&](distributed::Communicator& c) { c.allreduce_sum(data, count); });
    });
}

Trainer::~Trainer() {
  if (reducer_ && parallel_.sync_batch_norm) devices::set_replica_sum({});
}

void Trainer::broadcast_from_root() {
  if (!reducer_) return;
  for (std::vector<ir::Tensor>* tensors : {&parameters_, &state_})
    for (ir::Tensor& t : *tensors) parallel_.comm->broadcast(t.raw(), t.size_bytes());
}

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
  // Outputs: loss, the model's output, the gradients, the state's next values.
  const Clock::time_point begin = Clock::now();
  Clock::time_point forward_end = begin, backward_end = begin;
  runtime::Plan::OutputReady on_output;
  if (reducer_)
    on_output = [&](size_t i, const ir::Value& value) {
      if (i == 0) forward_end = Clock::now();  // the loss: the forward pass is done
      if (i < 2 || i >= 2 + parameters_.size()) return;
      reducer_->ready(i - 2, value.tensor().data<float>());
      backward_end = Clock::now();
    };
  const auto step = static_cast<int64_t>(steps_);
  plan_->run_into(feeds_, out_, steps_++, timed ? &step_profile_ : nullptr, nullptr, on_output);
  const std::vector<ir::Value>& out = out_;
  float loss = *out[0].tensor().data<float>();
  if (reducer_) {
    reducer_->wait();
    for (size_t k = 0; k < parameters_.size(); ++k)
      gradients_.push_back(ir::Tensor::view(ir::DType::F32, parameters_[k].dims(),
                                            const_cast<float*>(reducer_->average(k)), nullptr));
    double sum = loss;
    reducer_->collective([&](distributed::Communicator& c) { c.allreduce_sum(&sum, 1); });
    loss = static_cast<float>(sum / parallel_.comm->size());
  } else {
    for (size_t k = 0; k < parameters_.size(); ++k) gradients_.push_back(out[2 + k].tensor());
  }
  const auto start = Clock::now();
  if (clip_norm_ > 0) clip_gradients(gradients_, clip_norm_);
  optimizer_->step(parameters_, gradients_, lr);
  if (timed) {
    const std::chrono::duration<double, std::milli> update = Clock::now() - start;
    step_profile_.push_back({"optimizer", "optimizer", "host", "", "", update.count()});
    profile_->add(step_profile_);
  }
  if (reducer_) {
    const std::vector<distributed::Interval> intervals = reducer_->take_intervals();
    if (distributed::Timeline* timeline = parallel_.timeline) {
      timeline->add({"forward", -1, begin, forward_end}, step);
      timeline->add({"backward", -1, forward_end, backward_end}, step);
      for (const distributed::Interval& i : intervals) timeline->add(i, step);
      timeline->add({"optimizer", -1, start, Clock::now()}, step);
    }
  }
  for (size_t k = 0; k < state_.size(); ++k) {  // copied: the next run reuses out's storage
    const ir::Tensor& next = out[2 + parameters_.size() + k].tensor();
    std::copy_n(next.raw(), next.size_bytes(), state_[k].raw());
  }
  return loss;
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
