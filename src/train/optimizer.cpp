// make_optimizer: the settings checked, the family chosen.
#include "train/optimizer.h"

#include <cmath>

#include "ir/errors.h"
#include "train/optimizer_kinds.h"

namespace zenith::train {

std::unique_ptr<Optimizer> make_optimizer(const OptimizerSettings& s) {
  if (s.momentum < 0 || s.momentum >= 1)
    throw_invalid_argument("momentum {}: expected a value in [0, 1)", s.momentum);
  if (s.weight_decay < 0)
    throw_invalid_argument("weight decay {}: expected a value of at least 0", s.weight_decay);
  if (s.kind == "sgd") return make_sgd(s, false);
  if (s.kind == "lars") return make_sgd(s, true);
  if (s.kind == "adam" || s.kind == "adamw") {
    if (!(s.beta1 >= 0 && s.beta1 < 1 && s.beta2 >= 0 && s.beta2 < 1))
      throw_invalid_argument("Adam's betas ({}, {}): expected values in [0, 1)", s.beta1, s.beta2);
    return make_adam(s, s.kind == "adamw");
  }
  throw_invalid_argument("optimizer '{}': expected sgd, adam, adamw or lars", s.kind);
}

double clip_gradients(std::vector<ir::Tensor>& gradients, double max_norm) {
  double squares = 0;
  for (const ir::Tensor& g : gradients)
    for (int64_t i = 0; i < g.numel(); ++i)
      squares += static_cast<double>(g.data<float>()[i]) * g.data<float>()[i];
  const double norm = std::sqrt(squares);
  const double factor = max_norm / (norm + 1e-6);
  if (factor < 1.0)
    for (ir::Tensor& g : gradients)
      for (int64_t i = 0; i < g.numel(); ++i) g.data<float>()[i] *= static_cast<float>(factor);
  return norm;
}

void add_state_slots(std::map<std::string, ir::Tensor>& state, const std::string& prefix,
                     const std::vector<ir::Tensor>& slots) {
  for (size_t k = 0; k < slots.size(); ++k)
    state[prefix + "." + std::to_string(k)] = slots[k].clone();
}

std::vector<ir::Tensor> state_slots(const std::map<std::string, ir::Tensor>& state,
                                    const std::string& prefix) {
  std::vector<ir::Tensor> slots;
  for (auto it = state.find(prefix + ".0"); it != state.end();
       it = state.find(prefix + "." + std::to_string(slots.size())))
    slots.push_back(it->second.clone());
  return slots;
}

}  // namespace zenith::train
