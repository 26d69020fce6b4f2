// Learning-rate schedules: the linear scaling rule, gradual warm-up (Goyal et al. 2017), then a
// constant rate, step decay or cosine decay, per optimizer step.
#pragma once

#include <cstdint>
#include <string>

namespace zenith::train {

struct Schedule {
  float lr = 0.01f;
  int64_t scale_batch = 0;     // the linear rule's base batch B0: lr * batch / B0 (0: off)
  int64_t batch = 1;           // the (global) batch the rule scales to
  int64_t warmup_steps = 0;    // the rate climbs linearly to its value over these
  std::string decay = "none";  // none, step or cosine, after the warm-up
  int64_t step_size = 1;       // step: the rate is multiplied by `gamma` every this many steps
  float gamma = 0.1f;
  int64_t total_steps = 1;  // cosine: the rate reaches 0 here
};

// Throws InvalidArgument naming what is wrong (an unknown decay, a step size below 1, ...).
void check_schedule(const Schedule& s);

// The rate of step `step` (0-based).
float learning_rate(const Schedule& s, int64_t step);

}  // namespace zenith::train
