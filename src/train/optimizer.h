// Optimizers: how a parameter moves given its gradient, with PyTorch's semantics (torch.optim),
// so that a run can be checked against PyTorch step by step. Each keeps its own state (momentum
// buffers, moment estimates) per parameter, created at the first step.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace zenith::train {

struct OptimizerSettings {
  std::string kind = "sgd";   // sgd, adam, adamw or lars
  float momentum = 0.0f;      // sgd, lars
  bool nesterov = false;      // sgd
  float weight_decay = 0.0f;  // sgd, adam, lars: added to the gradient (L2); adamw: decoupled
  float beta1 = 0.9f, beta2 = 0.999f, epsilon = 1e-8f;  // adam, adamw
  float trust = 0.001f;                                 // lars: the trust coefficient (eta)
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One step at learning rate `lr`: each of `parameters` (f32) moves given its gradient, the
  // tensors of the same index. The same parameters, in the same order, at every step.
  virtual void step(std::vector<ir::Tensor>& parameters, const std::vector<ir::Tensor>& gradients,
                    float lr) = 0;
  // Its state for a checkpoint, by name ("momentum.3": parameter 3's buffer); empty before the
  // first step.
  virtual std::map<std::string, ir::Tensor> state() const = 0;
  // Continues from state() of an optimizer of the same kind over the same parameters.
  virtual void load_state(const std::map<std::string, ir::Tensor>& state) = 0;
};

// Per-parameter state in a checkpoint's map: `prefix`.0, `prefix`.1, ... (copies).
void add_state_slots(std::map<std::string, ir::Tensor>& state, const std::string& prefix,
                     const std::vector<ir::Tensor>& slots);
// The tensors `prefix`.0, `prefix`.1, ... of `state` up to the first index missing (copies).
std::vector<ir::Tensor> state_slots(const std::map<std::string, ir::Tensor>& state,
                                    const std::string& prefix);

// Throws InvalidArgument for an unknown kind or an out-of-range setting.
std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& settings);

// Gradient clipping by global norm, as torch.nn.utils.clip_grad_norm_: when the L2 norm over
// all of `gradients` exceeds `max_norm`, every gradient is scaled by max_norm / (norm + 1e-6).
// Returns the norm before clipping.
double clip_gradients(std::vector<ir::Tensor>& gradients, double max_norm);

}  // namespace zenith::train
