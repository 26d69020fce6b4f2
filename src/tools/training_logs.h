// What `zenith train --log-dir DIR` writes: TensorBoard scalars (loss and learning rate per step,
// the validation metric per epoch) and DIR/curves.png, redrawn whenever asked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "train/curve_plot.h"
#include "train/event_log.h"

namespace zenith::tools {

class TrainingLogs {
 public:
  // `dir` "" logs nothing; `metric` names the validation metric ("top-1", ...).
  TrainingLogs(const std::string& dir, const std::string& metric, size_t steps_per_epoch);

  // After step `step` (counted from 1 over all epochs).
  void step(int64_t step, float loss, float lr);
  // After epoch `epoch`'s validation (the epoch ending at step `step`).
  void validation(int epoch, int64_t step, double value);
  // Redraws curves.png with what was logged so far.
  void plot() const;
  // "logs: EVENTS (TensorBoard) and PNG", or "" when nothing is logged.
  std::string describe() const;

 private:
  std::string dir_, metric_;
  double steps_per_epoch_;
  std::optional<train::EventLog> events_;
  train::Curve loss_, validation_;
};

}  // namespace zenith::tools
