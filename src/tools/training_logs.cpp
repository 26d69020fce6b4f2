// TrainingLogs: an EventLog and the two curves it plots.
#include "tools/training_logs.h"

#include <filesystem>

#include "ir/errors.h"

namespace zenith::tools {

TrainingLogs::TrainingLogs(const std::string& dir, const std::string& metric,
                           size_t steps_per_epoch)
    : dir_(dir),
      metric_(metric),
      steps_per_epoch_(static_cast<double>(steps_per_epoch)),
      loss_{"training loss by epoch", {}},
      validation_{"validation " + metric + " by epoch", {}} {
  if (!dir.empty()) events_.emplace(dir);
}

void TrainingLogs::step(int64_t step, float loss, float lr) {
  if (!events_) return;
  events_->scalar("train/loss", step, loss);
  events_->scalar("train/learning_rate", step, lr);
  loss_.points.emplace_back(static_cast<double>(step) / steps_per_epoch_, loss);
}

void TrainingLogs::validation(int epoch, int64_t step, double value) {
  if (!events_) return;
  events_->scalar("validation/" + metric_, step, static_cast<float>(value));
  validation_.points.emplace_back(epoch, value);
}

void TrainingLogs::plot() const {
  if (!events_) return;
  std::vector<train::Curve> curves = {loss_};
  if (!validation_.points.empty()) curves.push_back(validation_);
  train::write_curve_plot((std::filesystem::path(dir_) / "curves.png").string(), curves);
}

std::string TrainingLogs::describe() const {
  if (!events_) return "";
  return fmt::format("logs: {} (TensorBoard) and {}", events_->path(),
                     (std::filesystem::path(dir_) / "curves.png").string());
}

}  // namespace zenith::tools
