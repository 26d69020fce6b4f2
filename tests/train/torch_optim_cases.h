// The torch.optim settings tests/train/make_pytorch_gradients.py records its data with, as
// Zenith's optimizer settings.
#pragma once

#include <string>
#include <vector>

#include "train/optimizer.h"

namespace zenith::train {

inline constexpr int kSteps = 3;  // make_pytorch_gradients.py's STEPS

// make_pytorch_gradients.py's OPTIMIZERS: name, settings, learning rate.
struct TorchOptimCase {
  std::string name;
  OptimizerSettings settings;
  float lr;
};

inline std::vector<TorchOptimCase> torch_optim_cases() {
  OptimizerSettings sgd, nesterov, adam, adamw;
  nesterov.momentum = 0.9f;
  nesterov.nesterov = true;
  nesterov.weight_decay = 0.01f;
  adam.kind = "adam";
  adam.weight_decay = 0.01f;
  adamw.kind = "adamw";
  adamw.weight_decay = 0.1f;
  return {{"sgd", sgd, 0.1f},
          {"sgd_nesterov", nesterov, 0.1f},
          {"adam", adam, 0.01f},
          {"adamw", adamw, 0.01f}};
}

}  // namespace zenith::train
