// ValidationMetric: the validation samples run batch by batch, their scores kept (a few floats
// per sample), then scored by tools/accuracy.h.
#include "tools/validation_metric.h"

#include <fmt/format.h>

#include "ir/errors.h"
#include "runtime/session.h"

namespace zenith::tools {

ValidationMetric::ValidationMetric(const std::string& metric, const std::string& spec, size_t count,
                                   const ir::Graph& reference, const std::string& mean,
                                   const std::string& scale, const RunOptions& run)
    : metric_(metric), inputs_(sample_inputs(reference)), run_(run) {
  if (spec.empty())
    throw_invalid_argument(
        "--metric {} needs labeled validation data: --val-data (or --calib-data) naming a "
        "dataset `zenith bench --dataset` takes",
        metric);
  try {
    labels_ = open_dataset(spec, count);
  } catch (const Error& e) {
    throw_invalid_argument(
        "--metric {} needs labeled validation data, and '{}' is not a dataset: {}", metric, spec,
        e.what());
  }
  samples_ = open_calibration_samples(spec, inputs_, count, 0, mean, scale);
  measure_reference(reference);
}

ValidationMetric::ValidationMetric(const std::string& metric, std::shared_ptr<const Dataset> data,
                                   size_t count, const ir::Graph& reference,
                                   const InputLayout& layout, const RunOptions& run)
    : metric_(metric),
      labels_(std::move(data)),
      samples_(dataset_samples(labels_, layout, count)),
      inputs_(sample_inputs(reference)),
      run_(run) {
  measure_reference(reference);
}

void ValidationMetric::measure_reference(const ir::Graph& reference) {
  const AccuracyReport scored = score(reference);
  reference_ = values(scored);
  if (metric_ == "top1") {
    names_ = {"top-1"};
  } else {
    for (const auto& [finding, area] : scored.per_class) names_.push_back(finding);
  }
}

std::vector<double> ValidationMetric::measure(const ir::Graph& graph) const {
  return values(score(graph));
}

std::vector<double> ValidationMetric::values(const AccuracyReport& report) const {
  if (metric_ == "top1") return {report.value};
  std::vector<double> out;
  for (const auto& [finding, area] : report.per_class) out.push_back(area);
  return out;
}

AccuracyReport ValidationMetric::score(const ir::Graph& graph) const {
  const size_t n = samples_->size();
  const size_t batch = calibration_batch(graph, n);
  const runtime::Session session(graph, run_.device, run_.threads);
  std::vector<size_t> indices;
  std::vector<float> scores;
  for (size_t first = 0; first < n; first += batch) {
    const ir::Tensor out = session.run(sample_batch(*samples_, inputs_, first, batch))[0].tensor();
    if (out.dtype() != ir::DType::F32 || out.rank() != 2 ||
        out.dim(0) != static_cast<int64_t>(batch))
      throw_invalid_argument(
          "--metric {}: the model's first output is {}{}, not [{}, classes] f32 "
          "scores",
          metric_, ir::dtype_name(out.dtype()), ir::to_string(out.dims()), batch);
    const size_t rows = std::min(batch, n - first);  // the last batch wraps around: drop those
    const auto width = static_cast<size_t>(out.dim(1));
    scores.insert(scores.end(), out.data<float>(), out.data<float>() + rows * width);
    for (size_t k = 0; k < rows; ++k) indices.push_back(first + k);
  }
  return metric_ == "top1" ? top1_accuracy(*labels_, indices, scores)
                           : mean_auroc(*labels_, indices, scores);
}

std::string ValidationMetric::describe() const {
  return fmt::format("{} on {} samples of {}", metric_ == "top1" ? "top-1" : "AUROC per finding",
                     samples_->size(), labels_->name());
}

bool within_drop(const std::vector<double>& quantized, const std::vector<double>& reference,
                 double max_drop) {
  for (size_t i = 0; i < reference.size(); ++i)
    if (!(quantized.at(i) >= (1.0 - max_drop) * reference[i])) return false;
  return true;
}

}  // namespace zenith::tools
