// StepProfile totals over training steps: where a training step's time goes, by op and device
// and by node (`zenith train --profile`).
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/plan.h"

namespace zenith::train {

class ProfileTotals {
 public:
  // Adds one step's profile (runtime::Plan::run's, in run order).
  void add(const std::vector<runtime::StepProfile>& steps);
  // Per op and device, then the `top` slowest nodes: milliseconds per training step, share of
  // the step, kernels.
  void print(std::ostream& out, size_t top) const;

 private:
  struct Total {
    double ms = 0;
    size_t count = 0;
    std::string implementation;  // the last seen
  };
  std::map<std::pair<std::string, std::string>, Total> by_op_;  // (op, device)
  std::map<std::string, Total> by_node_;                        // node (op, device)
  size_t steps_ = 0;
};

}  // namespace zenith::train
