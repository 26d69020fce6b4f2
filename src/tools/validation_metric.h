// The task metric INT8's accuracy-aware fallback holds (`--metric top1|auroc`): a model's
// top-1 accuracy, or each finding's AUROC, on a labeled validation subset.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "tools/accuracy.h"
#include "tools/calibration.h"
#include "tools/dataset.h"

namespace zenith::tools {

class ValidationMetric {
 public:
  // `metric`: "top1" or "auroc". `spec`: a dataset `zenith bench --dataset` takes, its first
  // `count` samples, preprocessed with `mean` / `scale` ("" for the dataset's default), for
  // `reference`'s one [N, C, H, W] input; `reference` (the f32 model) is measured here.
  // REQUIRES: `metric` is one of those two (quantize_int8 checks the flag). Throws
  // InvalidArgument for a spec that is not a labeled dataset, or a model it does not fit.
  ValidationMetric(const std::string& metric, const std::string& spec, size_t count,
                   const ir::Graph& reference, const std::string& mean, const std::string& scale,
                   const RunOptions& run);
  // The same on the first `count` samples of `data` (a part hold_out made), preprocessed as
  // `layout` says.
  ValidationMetric(const std::string& metric, std::shared_ptr<const Dataset> data, size_t count,
                   const ir::Graph& reference, const InputLayout& layout, const RunOptions& run);

  // The metric of `graph` (the reference's inputs and outputs): one value for top1; for auroc,
  // each finding's AUROC, in names() order (findings with both positive and negative samples).
  // Throws InvalidArgument if the first output is not [N, classes] scores.
  std::vector<double> measure(const ir::Graph& graph) const;
  const std::vector<double>& reference() const { return reference_; }
  // What the values are: {"top-1"} or the findings.
  const std::vector<std::string>& names() const { return names_; }
  // "top-1 on 1000 samples of DATASET", for the report.
  std::string describe() const;

 private:
  // The validation samples run through `graph` and scored: top-1, or AUROC per finding
  // (those with both positive and negative samples).
  AccuracyReport score(const ir::Graph& graph) const;
  std::vector<double> values(const AccuracyReport& report) const;
  // The reference's metric, and the names of what it measures.
  void measure_reference(const ir::Graph& reference);

  std::string metric_;
  std::shared_ptr<const Dataset> labels_;
  std::unique_ptr<CalibrationSamples> samples_;
  std::vector<SampleInput> inputs_;
  RunOptions run_;
  std::vector<std::string> names_;
  std::vector<double> reference_;
};

// Whether every value of `quantized` keeps at least (1 - max_drop) of `reference`'s, the
// relative drop: 1% means 99% of the f32 metric, finding by finding.
bool within_drop(const std::vector<double>& quantized, const std::vector<double>& reference,
                 double max_drop);

}  // namespace zenith::tools
