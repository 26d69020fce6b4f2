// learning_rate: the scaled base rate, warmed up, then decayed.
#include "train/schedule.h"

#include <cmath>
#include <numbers>

#include "ir/errors.h"

namespace zenith::train {

void check_schedule(const Schedule& s) {
  if (!(s.lr > 0)) throw_invalid_argument("--lr {}: expected a rate above 0", s.lr);
  if (s.scale_batch < 0)
    throw_invalid_argument("--lr-scale-batch {}: expected at least 0", s.scale_batch);
  if (s.warmup_steps < 0)
    throw_invalid_argument("warm-up of {} steps: expected at least 0", s.warmup_steps);
  if (s.decay != "none" && s.decay != "step" && s.decay != "cosine")
    throw_invalid_argument("--schedule '{}': expected none, step or cosine", s.decay);
  if (s.decay == "step" && s.step_size < 1)
    throw_invalid_argument("a step decay every {} steps: expected at least 1", s.step_size);
}

float learning_rate(const Schedule& s, int64_t step) {
  double base = s.lr;
  if (s.scale_batch > 0) base *= static_cast<double>(s.batch) / static_cast<double>(s.scale_batch);
  if (step < s.warmup_steps)
    return static_cast<float>(base * static_cast<double>(step + 1) /
                              static_cast<double>(s.warmup_steps));
  const int64_t after = step - s.warmup_steps;
  if (s.decay == "step") return static_cast<float>(base * std::pow(s.gamma, after / s.step_size));
  if (s.decay == "cosine") {
    const int64_t span = std::max<int64_t>(1, s.total_steps - s.warmup_steps);
    const double t = std::min(1.0, static_cast<double>(after) / static_cast<double>(span));
    return static_cast<float>(base * 0.5 * (1.0 + std::cos(std::numbers::pi * t)));
  }
  return static_cast<float>(base);
}

}  // namespace zenith::train
