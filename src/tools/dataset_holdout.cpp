// hold_out: two views of one dataset through index lists.
#include "tools/dataset_holdout.h"

#include <algorithm>
#include <cmath>

#include "ir/errors.h"
#include "tools/seeded_random.h"

namespace zenith::tools {
namespace {

class DatasetPart : public Dataset {
 public:
  DatasetPart(std::shared_ptr<const Dataset> base, std::vector<size_t> indices, std::string part)
      : base_(std::move(base)), indices_(std::move(indices)), part_(std::move(part)) {}
  std::string name() const override { return base_->name() + " (" + part_ + ")"; }
  size_t size() const override { return indices_.size(); }
  const std::vector<std::string>& classes() const override { return base_->classes(); }
  bool multi_label() const override { return base_->multi_label(); }
  Tensor load(size_t index, const InputLayout& layout) const override {
    return base_->load(at(index), layout);
  }
  Image image(size_t index) const override { return base_->image(at(index)); }
  std::vector<int> labels(size_t index) const override { return base_->labels(at(index)); }

 private:
  size_t at(size_t index) const {
    if (index >= indices_.size())
      throw_invalid_argument("{}: sample {} of {}", name(), index, indices_.size());
    return indices_[index];
  }

  std::shared_ptr<const Dataset> base_;
  std::vector<size_t> indices_;
  std::string part_;
};

}  // namespace

std::pair<std::shared_ptr<const Dataset>, std::shared_ptr<const Dataset>> hold_out(
    std::shared_ptr<const Dataset> data, double fraction, uint64_t seed) {
  const size_t n = data->size();
  const auto held = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  if (!(fraction > 0 && fraction < 1) || held == 0 || held == n)
    throw_invalid_argument(
        "--val-split {}: expected a fraction in (0, 1) leaving both parts of {} ({} samples) a "
        "sample",
        fraction, data->name(), n);
  // The draw is keyed apart from the epochs' orders (SeededRandom's other users).
  const std::vector<size_t> order = seeded_permutation(n, {seed, 0x76616c2d73706c74});
  std::vector<size_t> validation(order.begin(), order.begin() + static_cast<ptrdiff_t>(held));
  std::vector<size_t> training(order.begin() + static_cast<ptrdiff_t>(held), order.end());
  std::sort(validation.begin(), validation.end());
  std::sort(training.begin(), training.end());
  const auto percent = [&](size_t k) {
    return fmt::format("{:.0f}%", 100.0 * static_cast<double>(k) / static_cast<double>(n));
  };
  return {std::make_shared<DatasetPart>(data, std::move(training),
                                        "training part, " + percent(n - held)),
          std::make_shared<DatasetPart>(data, std::move(validation),
                                        "validation part, " + percent(held))};
}

}  // namespace zenith::tools
