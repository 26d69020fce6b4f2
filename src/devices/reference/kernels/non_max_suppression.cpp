// NonMaxSuppression (opset 11): greedy per-(batch, class) selection of boxes by score and IoU.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <vector>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"
#include "devices/reference/nn_util.h"

namespace zenith::ref {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

struct Box {
  double y1, x1, y2, x2;  // y1 <= y2, x1 <= x2
  double area() const { return (y2 - y1) * (x2 - x1); }
};

// Corners from [y1, x1, y2, x2] (either diagonal) or, with center_point_box, [xc, yc, w, h].
Box box_at(const std::vector<double>& b, int64_t i, bool center_point_box) {
  const double* v = &b[static_cast<size_t>(i * 4)];
  if (center_point_box) return {v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2};
  return {std::min(v[0], v[2]), std::min(v[1], v[3]), std::max(v[0], v[2]), std::max(v[1], v[3])};
}

// Whether `b` overlaps `a` by more than `threshold` IoU; degenerate boxes never suppress.
bool suppresses(const Box& a, const Box& b, double threshold) {
  const double h = std::max(0.0, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
  const double w = std::max(0.0, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
  const double inter = h * w;
  const double uni = a.area() + b.area() - inter;
  if (inter <= 0 || a.area() <= 0 || b.area() <= 0 || uni <= 0) return false;
  return inter / uni > threshold;
}

// The boxes a class kept so far, found by their left edges: only a box that overlaps another
// can suppress it, so a candidate is checked against those whose left edge lies left of its
// right edge and within the widest box's width (twice it) left of its own. torchvision's batched
// NMS offsets every class's boxes into a range of its own and runs one class of them all: SSDlite's
// 27,000 candidates took 280 ms checked against every kept box, O(n^2).
class KeptBoxes {
 public:
  void clear() {
    by_left_.clear();
    size_ = 0;
    widest_ = 0;
  }
  size_t size() const { return size_; }

  void add(const Box& box) {
    ++size_;
    if (!(box.area() > 0)) return;  // degenerate (or NaN): it suppresses nothing
    by_left_.emplace(box.x1, box);
    widest_ = std::max(widest_, box.x2 - box.x1);
  }

  bool suppress(const Box& box, double threshold) const {
    if (!(box.area() > 0)) return false;
    // Twice the width: a margin no rounding of the widths or of the bound can eat.
    for (auto k = by_left_.lower_bound(box.x1 - 2 * widest_);
         k != by_left_.end() && k->first < box.x2; ++k)
      if (suppresses(k->second, box, threshold)) return true;
    return false;
  }

 private:
  std::multimap<double, Box> by_left_;
  size_t size_ = 0;
  double widest_ = 0;
};

double optional_scalar(const KernelContext& ctx, size_t i, const char* what, double fallback) {
  if (!ctx.has_input(i)) return fallback;
  const ir::Tensor& t = ctx.input(i);
  if (t.numel() != 1 || t.dtype() == ir::DType::String)
    throw_invalid_argument("input {} ({}) must hold one number, got {} {}", i, what,
                           ir::dtype_name(t.dtype()), ir::to_string(t.dims()));
  return t.as_double(0);
}

void non_max_suppression(KernelContext& ctx) {
  const ir::Tensor& boxes = ctx.input(0);
  const ir::Tensor& scores = ctx.input(1);
  require_floating(boxes, "input 0 (boxes)");
  require_floating(scores, "input 1 (scores)");
  if (boxes.rank() != 3 || boxes.dims()[2] != 4)
    throw_invalid_argument("input 0 (boxes) has shape {}, expected [batches, boxes, 4]",
                           ir::to_string(boxes.dims()));
  const int64_t batches = boxes.dims()[0], count = boxes.dims()[1];
  if (scores.rank() != 3 || scores.dims()[0] != batches || scores.dims()[2] != count)
    throw_invalid_argument("input 1 (scores) has shape {}, expected [{}, classes, {}]",
                           ir::to_string(scores.dims()), batches, count);
  const int64_t classes = scores.dims()[1];
  const bool center_point_box = ctx.attr<int64_t>("center_point_box", 0) != 0;
  const double max_per_class = optional_scalar(ctx, 2, "max_output_boxes_per_class", 0);
  const double iou_threshold = optional_scalar(ctx, 3, "iou_threshold", 0);
  const bool filter_scores = ctx.has_input(4);
  const double score_threshold = optional_scalar(ctx, 4, "score_threshold", 0);

  const std::vector<double> b = load_as<double>(boxes, "input 0 (boxes)");
  const std::vector<double> s = load_as<double>(scores, "input 1 (scores)");
  std::vector<std::array<int64_t, 3>> selected;
  std::vector<int64_t> order(static_cast<size_t>(count));
  KeptBoxes kept;
  for (int64_t n = 0; n < batches; ++n) {
    for (int64_t c = 0; c < classes; ++c) {
      const double* score = &s[static_cast<size_t>((n * classes + c) * count)];
      // NaN ranks lowest, which keeps the ordering strict-weak (and fails any score_threshold).
      const auto key = [&](int64_t i) { return std::isnan(score[i]) ? -kInf : score[i]; };
      std::iota(order.begin(), order.end(), 0);
      // Highest score first; ties keep the lower box index first.
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t i, int64_t j) { return key(i) > key(j); });
      kept.clear();
      for (int64_t i : order) {
        if (static_cast<double>(kept.size()) >= max_per_class) break;
        if (filter_scores && !(key(i) > score_threshold)) break;
        const Box box = box_at(b, n * count + i, center_point_box);
        if (kept.suppress(box, iou_threshold)) continue;
        kept.add(box);
        selected.push_back({n, c, i});
      }
    }
  }
  ir::Tensor& y =
      ctx.allocate_output(0, ir::DType::I64, {static_cast<int64_t>(selected.size()), 3});
  for (size_t i = 0; i < selected.size(); ++i)
    std::copy(selected[i].begin(), selected[i].end(), y.data<int64_t>() + i * 3);
}

}  // namespace

void register_non_max_suppression(KernelRegistry& registry) {
  registry.add("NonMaxSuppression", &non_max_suppression);
}

}  // namespace zenith::ref
