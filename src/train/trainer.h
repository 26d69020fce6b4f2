// Trainer: a model's training graph compiled once for the devices at hand, the parameters and
// the state it owns, and one optimizer step per batch.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "distributed/communicator.h"
#include "distributed/gradient_reducer.h"
#include "distributed/timeline.h"
#include "ir/graph.h"
#include "ir/value.h"
#include "train/autograd.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"
#include "train/profile_totals.h"

namespace zenith::train {

// Data-parallel training (`mpirun -np N zenith train`): each rank a replica, its gradients
// averaged over the ranks before every update.
struct DataParallel {
  distributed::Communicator* comm = nullptr;  // null: training in this process alone
  size_t bucket_bytes = size_t{4} << 20;      // the gradients fused into one allreduce
  std::chrono::seconds timeout{60};           // a collective waited for longer: a rank is gone
  bool sync_batch_norm = false;               // batch statistics over every rank's batch
  distributed::Timeline* timeline = nullptr;  // records each step's intervals, if given
};

struct TrainerOptions {
  Loss loss = Loss::CrossEntropy;
  std::vector<float> positive_weights;  // bce: per class (build_training_graph); empty for none
  OptimizerSettings optimizer;
  std::vector<std::string> devices = {"CPU", "REF"};
  int threads = 0;  // 0: all cores
  double clip_norm = 0;  // clip the gradients to this global L2 norm before each update (0: off)
  bool profile = false;  // time every step after the first (profile())
  DataParallel parallel;
};

class Trainer {
 public:
  // `model`: one output, its logits; every input's shape fixed, its batch the training batch.
  Trainer(const ir::Graph& model, const TrainerOptions& options);
  ~Trainer();

  // One step on a batch: the loss and gradients on the devices, then the optimizer's update
  // at learning rate `lr` and the state's (batch norm's running statistics). Returns the loss;
  // data-parallel, the gradients are averaged over the ranks (each bucket's allreduce started
  // while the backward pass goes on) and the loss returned is the ranks' mean.
  float step(const std::map<std::string, ir::Value>& inputs, const ir::Tensor& labels, float lr);

  // Data-parallel: every rank takes rank 0's parameters and state (call it after restore()).
  void broadcast_from_root();

  // `model` (the trained model, or the same with other input shapes) as trained, for
  // inference: the current parameters and state as its initializers, each batch norm in
  // inference mode (the running statistics), without its running-statistics outputs, each
  // Dropout in inference mode (the identity).
  ir::Graph trained_model(ir::Graph model) const;
  const TrainingGraph& training_graph() const { return training_; }
  // With options.profile, the steps' times so far (the first step, which builds the primitives,
  // left out), the optimizer's update as op "optimizer" on device "host"; else nullptr.
  const ProfileTotals* profile() const { return profile_ ? &*profile_ : nullptr; }

  // Where the run stands: the steps done, and by name the parameters ("parameter/NAME"), the
  // state ("state/NAME") and the optimizer's state ("optimizer/KEY"); `run` left to the caller.
  Checkpoint checkpoint() const;
  // Continues from checkpoint() of a trainer of the same model and optimizer. Throws
  // InvalidArgument naming a parameter or statistic the checkpoint lacks or has in other dims.
  void restore(const Checkpoint& checkpoint);
  uint64_t steps() const { return steps_; }

 private:
  TrainingGraph training_;
  std::unique_ptr<runtime::Plan> plan_;
  std::unique_ptr<Optimizer> optimizer_;
  std::vector<ir::Tensor> parameters_, state_;  // in training_.parameters / .state order
  std::map<std::string, ir::Value> feeds_;      // a step's, kept to be refilled
  std::vector<ir::Value> out_;                  // a step's outputs, their storage reused
  std::vector<ir::Tensor> gradients_;
  double clip_norm_;
  uint64_t steps_ = 0;
  std::optional<ProfileTotals> profile_;
  std::vector<runtime::StepProfile> step_profile_;  // a step's, reused
  DataParallel parallel_;
  std::unique_ptr<distributed::GradientReducer> reducer_;  // data-parallel only
};

}  // namespace zenith::train
