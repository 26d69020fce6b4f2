// The optimizer families make_optimizer chooses among (sgd.cpp, adam.cpp).
#pragma once

#include "train/optimizer.h"

namespace zenith::train {

// SGD, or with `lars` each parameter's step scaled by its trust ratio.
std::unique_ptr<Optimizer> make_sgd(const OptimizerSettings& settings, bool lars);
// Adam, or with `decoupled` AdamW.
std::unique_ptr<Optimizer> make_adam(const OptimizerSettings& settings, bool decoupled);

}  // namespace zenith::train
