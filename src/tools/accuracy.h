// Accuracy metrics over a model's outputs on dataset samples: top-1 for single-label
// classifiers, per-finding AUROC and their mean for multi-label (sigmoid) ones.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tools/dataset.h"

namespace zenith::tools {

struct AccuracyReport {
  std::string metric;  // "top-1" or "mean AUROC"
  double value = 0;    // in [0, 1]
  // top-1: each class's accuracy over its samples (classes without samples are left out);
  // mean AUROC: each finding's AUROC that went into the mean.
  std::vector<std::pair<std::string, double>> per_class;
  // Classes left out of the mean, each with the reason ("Hernia: no positive samples").
  std::vector<std::string> skipped;
  size_t samples = 0;
};

// Both metrics take the samples scored as `indices` into `dataset` and `scores`, the model's
// output rows in the same order: row i, scores[i * width, (i + 1) * width), is for sample
// indices[i], where width = scores.size() / indices.size(). Scores may be logits, probabilities
// or log-probabilities: only their order matters.
// Both throw InvalidArgument if `indices` is empty, scores.size() is not a multiple of it, an
// index is out of range, or a score is NaN (naming the sample and class).

// The share of samples whose highest score (the first, on ties) is their label. Also throws
// for a multi-label dataset and a label >= width.
AccuracyReport top1_accuracy(const Dataset& dataset, std::span<const size_t> indices,
                             std::span<const float> scores);

// Each class's AUROC, one class against the rest, and their mean over the classes that have
// both positive and negative samples; the others are reported as skipped. Also throws if width
// is not dataset.classes().size() or no class has both.
AccuracyReport mean_auroc(const Dataset& dataset, std::span<const size_t> indices,
                          std::span<const float> scores);

// The area under the ROC curve of `scores` for telling `positive` samples from the others: the
// Mann-Whitney U statistic over n_pos * n_neg, so a positive scored equal to a negative counts
// 1/2. Empty when there are no positives or no negatives. REQUIRES: equal sizes, no NaN.
std::optional<double> auroc(std::span<const float> scores, const std::vector<bool>& positive);

}  // namespace zenith::tools
