// Mixed-precision selection by measurement: round, run, compare against the f32 outputs.
#include "tools/fp16_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "ir/zir.h"
#include "runtime/session.h"

namespace zenith::tools {
namespace {

// As the .zir reader will see it: f16 bits widened back, or nothing when a value overflows
// (write_zir then keeps the whole tensor f32).
std::optional<ir::Tensor> round_to_fp16(const ir::Tensor& t) {
  ir::Tensor out(ir::DType::F32, t.dims());
  const float* src = t.data<float>();
  float* dst = out.data<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    dst[i] = static_cast<float>(ir::Float16(src[i]));
    if (std::isfinite(src[i]) && !std::isfinite(dst[i])) return std::nullopt;
  }
  return out;
}

class Evaluator {
 public:
  Evaluator(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
            const std::string& device, int num_threads, const Tolerance& tolerance,
            WorkCounter* progress)
      : graph_(graph),
        feeds_(feeds),
        device_(device),
        threads_(num_threads),
        tolerance_(tolerance),
        progress_(progress) {
    if (progress_) progress_->begin("choosing the weights to store in fp16", 0, "model runs");
    expected_ = run(graph_);
    for (const auto& [name, t] : graph_.initializers)
      if (ir::fp16_candidate(t))
        if (std::optional<ir::Tensor> r = round_to_fp16(t)) rounded_.emplace(name, std::move(*r));
  }

  std::vector<std::string> candidates() const {
    std::vector<std::string> names;
    for (const auto& [name, t] : rounded_) names.push_back(name);
    return names;
  }

  // The tolerance ratio with `f16` rounded and every other initializer as it is.
  double ratio(const std::vector<std::string>& f16) {
    ir::Graph variant = graph_;
    for (const std::string& name : f16) variant.initializers[name] = rounded_.at(name);
    return tolerance_ratio(run(variant), expected_, tolerance_);
  }

  int evaluations() const { return evaluations_; }

 private:
  std::vector<ir::Value> run(const ir::Graph& graph) {
    ++evaluations_;
    std::vector<ir::Value> outputs = runtime::Session(graph, device_, threads_).run(feeds_);
    if (progress_) progress_->add(1);
    return outputs;
  }

  const ir::Graph& graph_;
  const std::map<std::string, ir::Value>& feeds_;
  std::string device_;
  int threads_;
  Tolerance tolerance_;
  WorkCounter* progress_;
  std::vector<ir::Value> expected_;
  std::map<std::string, ir::Tensor> rounded_;
  int evaluations_ = 0;
};

}  // namespace

double tolerance_ratio(const std::vector<ir::Value>& actual,
                       const std::vector<ir::Value>& expected, const Tolerance& tolerance) {
  constexpr double kFar = std::numeric_limits<double>::infinity();
  if (actual.size() != expected.size()) return kFar;
  double worst = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    const ir::Tensor& a = actual[i].tensor();
    const ir::Tensor& e = expected[i].tensor();
    if (a.dtype() != e.dtype() || a.dims() != e.dims()) return kFar;
    for (int64_t k = 0; k < e.numel(); ++k) {
      const double x = a.as_double(k), y = e.as_double(k);
      if (std::isnan(x) || std::isnan(y)) {
        if (std::isnan(x) != std::isnan(y)) return kFar;
        continue;
      }
      if (x == y) continue;  // also equal infinities
      worst = std::max(worst, std::abs(x - y) / (tolerance.atol + tolerance.rtol * std::abs(y)));
    }
  }
  return worst;
}

Fp16Plan plan_fp16(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                   const std::string& device, int num_threads, const Tolerance& tolerance,
                   WorkCounter* progress) {
  Evaluator evaluator(graph, feeds, device, num_threads, tolerance, progress);
  std::vector<std::string> ranked = evaluator.candidates();
  Fp16Plan plan;
  plan.candidates = ranked.size();
  plan.ratio_all_f16 = plan.ratio = evaluator.ratio(ranked);
  if (plan.ratio > 1 && !ranked.empty()) {
    // Independent rounding errors add up roughly in quadrature, so a weight's share of the total
    // is its own ratio squared; per byte it kept f32, that ranks what to keep for the smallest file.
    std::map<std::string, double> gain;
    for (const std::string& name : ranked) {
      const double alone = evaluator.ratio({name});
      gain[name] = alone * alone / static_cast<double>(graph.initializers.at(name).numel());
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](const std::string& a, const std::string& b) { return gain[a] > gain[b]; });
    // The fewest leading names of `ranked` to keep f32; keeping all of them passes trivially.
    size_t low = 1, high = ranked.size();
    std::map<size_t, double> ratio_keeping;
    ratio_keeping[high] = 0;
    while (low < high) {
      const size_t mid = low + (high - low) / 2;
      ratio_keeping[mid] = evaluator.ratio({ranked.begin() + mid, ranked.end()});
      if (ratio_keeping[mid] <= 1)
        high = mid;
      else
        low = mid + 1;
    }
    plan.keep_f32 = {ranked.begin(), ranked.begin() + low};
    plan.ratio = ratio_keeping[low];
  }
  plan.evaluations = evaluator.evaluations();
  return plan;
}

}  // namespace zenith::tools
