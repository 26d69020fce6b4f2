// Top-1 accuracy and AUROC over a model's output rows.
#include "tools/accuracy.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ir/errors.h"
#include "tools/dataset_formats.h"

namespace zenith::tools {
namespace {

// The row width, after checking what both metrics need of their arguments.
size_t row_width(const Dataset& dataset, std::span<const size_t> indices,
                 std::span<const float> scores, const char* metric) {
  if (indices.empty())
    throw_invalid_argument("{} on {}: no samples were scored", metric, dataset.name());
  if (scores.size() % indices.size() != 0 || scores.empty())
    throw_invalid_argument("{} on {}: {} scores do not make one equal row for each of {} samples",
                           metric, dataset.name(), scores.size(), indices.size());
  const size_t width = scores.size() / indices.size();
  for (size_t i = 0; i < indices.size(); ++i) {
    check_sample_index(dataset, indices[i]);
    for (size_t c = 0; c < width; ++c)
      if (std::isnan(scores[i * width + c]))
        throw_invalid_argument("{} on {}: the score of class {} for sample {} is NaN", metric,
                               dataset.name(), c, indices[i]);
  }
  return width;
}

}  // namespace

AccuracyReport top1_accuracy(const Dataset& dataset, std::span<const size_t> indices,
                             std::span<const float> scores) {
  const size_t width = row_width(dataset, indices, scores, "top-1");
  if (dataset.multi_label())
    throw_invalid_argument("top-1 on {}: the dataset is multi-label; score it with mean AUROC",
                           dataset.name());
  const size_t classes = dataset.classes().size();
  std::vector<size_t> seen(classes), right(classes);
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto label = static_cast<size_t>(dataset.labels(indices[i]).at(0));
    if (label >= width)
      throw_invalid_argument(
          "top-1 on {}: sample {} has label {}, but the model scores only {} classes",
          dataset.name(), indices[i], label, width);
    const float* row = scores.data() + i * width;
    const auto best = static_cast<size_t>(std::max_element(row, row + width) - row);
    ++seen[label];
    right[label] += best == label;
  }
  AccuracyReport report{"top-1", 0.0, {}, {}, indices.size()};
  report.value = static_cast<double>(std::accumulate(right.begin(), right.end(), size_t{0})) /
                 static_cast<double>(indices.size());
  for (size_t c = 0; c < classes; ++c)
    if (seen[c] > 0)
      report.per_class.emplace_back(dataset.classes()[c],
                                    static_cast<double>(right[c]) / static_cast<double>(seen[c]));
  return report;
}

std::optional<double> auroc(std::span<const float> scores, const std::vector<bool>& positive) {
  ZENITH_ASSERT(scores.size() == positive.size());
  const auto n = scores.size();
  const auto n_pos = static_cast<double>(std::count(positive.begin(), positive.end(), true));
  const double n_neg = static_cast<double>(n) - n_pos;
  if (n_pos == 0 || n_neg == 0) return std::nullopt;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  // Tied scores share the mean of the ranks they span, which makes each positive-negative tie
  // count 1/2 in U.
  double positive_rank_sum = 0;
  for (size_t first = 0; first < n;) {
    size_t last = first;
    while (last + 1 < n && scores[order[last + 1]] == scores[order[first]]) ++last;
    const double rank = (static_cast<double>(first + last) + 2.0) / 2.0;  // 1-based mean
    for (size_t k = first; k <= last; ++k)
      if (positive[order[k]]) positive_rank_sum += rank;
    first = last + 1;
  }
  const double u = positive_rank_sum - n_pos * (n_pos + 1) / 2;
  return u / (n_pos * n_neg);
}

AccuracyReport mean_auroc(const Dataset& dataset, std::span<const size_t> indices,
                          std::span<const float> scores) {
  const size_t width = row_width(dataset, indices, scores, "mean AUROC");
  const std::vector<std::string>& classes = dataset.classes();
  if (width != classes.size())
    throw_invalid_argument("mean AUROC on {}: the model scores {} classes, the dataset has {}",
                           dataset.name(), width, classes.size());
  std::vector<std::vector<bool>> positive(width, std::vector<bool>(indices.size()));
  for (size_t i = 0; i < indices.size(); ++i)
    for (int label : dataset.labels(indices[i])) positive.at(static_cast<size_t>(label))[i] = true;
  AccuracyReport report{"mean AUROC", 0.0, {}, {}, indices.size()};
  std::vector<float> column(indices.size());
  for (size_t c = 0; c < width; ++c) {
    for (size_t i = 0; i < indices.size(); ++i) column[i] = scores[i * width + c];
    if (const std::optional<double> area = auroc(column, positive[c])) {
      report.per_class.emplace_back(classes[c], *area);
      report.value += *area;
    } else {
      const bool none =
          std::find(positive[c].begin(), positive[c].end(), true) == positive[c].end();
      report.skipped.push_back(classes[c] +
                               (none ? ": no positive samples" : ": no negative samples"));
    }
  }
  if (report.per_class.empty())
    throw_invalid_argument(
        "mean AUROC on {}: none of the {} classes has both positive and negative samples among "
        "the {} scored",
        dataset.name(), width, indices.size());
  report.value /= static_cast<double>(report.per_class.size());
  return report;
}

}  // namespace zenith::tools
