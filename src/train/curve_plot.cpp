// The curve plot: per panel, axis ranges widened to round tick steps (1, 2 or 5 times a power of
// ten, about five ticks), light grid lines at the ticks, the axes, tick labels, the curve's name,
// then the curve as 2-pixel lines with dots at the points while they are few enough to tell apart.
#include "train/curve_plot.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/errors.h"
#include "train/bitmap_font.h"
#include "train/png_writer.h"

namespace zenith::train {
namespace {

constexpr Rgb kBackground{255, 255, 255};
constexpr Rgb kInk{0, 0, 0};
constexpr Rgb kGrid{225, 225, 225};
constexpr Rgb kPalette[] = {{31, 119, 180}, {214, 39, 40},   {44, 160, 44},
                            {255, 127, 14}, {148, 103, 189}, {140, 86, 75}};

constexpr int kLeftMargin = 72;  // room for 8-character y tick labels
constexpr int kRightMargin = 20;
constexpr int kTopMargin = 30;  // the name, at twice the font's size
constexpr int kBottomMargin = 26;
constexpr int kTickLength = 4;
constexpr int kTargetTicks = 5;
constexpr int kMaxTicks = 12;
constexpr size_t kMaxMarkedPoints = 40;

struct Range {
  double min, max, step;
};

// Every difference is taken between halves (or fifths), so values near the double range's
// ends neither overflow nor give infinite steps.
Range nice_range(double lo, double hi) {
  if (!(hi > lo)) {
    // Below 1e-300 a tenth of the value could round to nothing: treat it as 0.
    const double pad = std::abs(lo) < 1e-300 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double raw = hi / kTargetTicks - lo / kTargetTicks;
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double fraction = raw / magnitude;
  const double step = magnitude * (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10);
  // The tolerance keeps a bound that is a multiple of the step up to rounding from growing a tick.
  return {std::floor(lo / step + 1e-9) * step, std::ceil(hi / step - 1e-9) * step, step};
}

std::vector<double> ticks(double min, double max, double step) {
  const long count = std::min<long>(kMaxTicks, std::lround(max / step - min / step));
  std::vector<double> values;
  for (long i = 0; i <= count; ++i) values.push_back(min + static_cast<double>(i) * step);
  return values;
}

// Fixed decimals, as many as the step needs, while that stays short; otherwise enough
// significant digits to tell neighbouring ticks apart.
std::string tick_label(double v, double step, double magnitude) {
  if (std::abs(v) < step * 1e-6) v = 0;  // no "-0.0" from rounding
  if (step >= 1e-3 && magnitude < 1e6) {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(step) - 1e-9)));
    return fmt::format("{:.{}f}", v, decimals);
  }
  const int digits =
      static_cast<int>(std::floor(std::log10(magnitude)) - std::floor(std::log10(step))) + 1;
  return fmt::format("{:.{}g}", v, std::clamp(digits, 1, 15));
}

int to_pixel(double v, double min, double max, int from, int to) {
  const double t = (v / 2 - min / 2) / (max / 2 - min / 2);
  return from + static_cast<int>(std::lround(t * (to - from)));
}

bool finite_point(const std::pair<double, double>& p) {
  return std::isfinite(p.first) && std::isfinite(p.second);
}

void draw_axes(Canvas& canvas, const PanelAxes& a) {
  const double x_magnitude = std::max(std::abs(a.x_min), std::abs(a.x_max));
  for (double v : ticks(a.x_min, a.x_max, a.x_step)) {
    const int px = to_pixel(v, a.x_min, a.x_max, a.left, a.right);
    canvas.line(px, a.top, px, a.bottom, kGrid, 1);
    canvas.line(px, a.bottom, px, a.bottom + kTickLength, kInk, 1);
    const std::string label = tick_label(v, a.x_step, x_magnitude);
    draw_text(canvas, px - text_width(label, 1) / 2, a.bottom + kTickLength + 4, label, kInk, 1);
  }
  const double y_magnitude = std::max(std::abs(a.y_min), std::abs(a.y_max));
  for (double v : ticks(a.y_min, a.y_max, a.y_step)) {
    const int py = to_pixel(v, a.y_min, a.y_max, a.bottom, a.top);
    canvas.line(a.left, py, a.right, py, kGrid, 1);
    canvas.line(a.left - kTickLength, py, a.left, py, kInk, 1);
    const std::string label = tick_label(v, a.y_step, y_magnitude);
    draw_text(canvas, a.left - kTickLength - 4 - text_width(label, 1), py - kGlyphHeight / 2, label,
              kInk, 1);
  }
  canvas.line(a.left, a.top, a.left, a.bottom, kInk, 1);
  canvas.line(a.left, a.bottom, a.right, a.bottom, kInk, 1);
}

void draw_curve(Canvas& canvas, const PanelAxes& a, const Curve& curve, Rgb colour) {
  const auto& points = curve.points;
  const size_t finite =
      static_cast<size_t>(std::count_if(points.begin(), points.end(), finite_point));
  auto pixel_of = [&](const std::pair<double, double>& p) {
    return std::pair{to_pixel(p.first, a.x_min, a.x_max, a.left, a.right),
                     to_pixel(p.second, a.y_min, a.y_max, a.bottom, a.top)};
  };
  for (size_t i = 0; i < points.size(); ++i) {
    if (!finite_point(points[i])) continue;
    const auto [x, y] = pixel_of(points[i]);
    const bool after_finite = i > 0 && finite_point(points[i - 1]);
    const bool before_finite = i + 1 < points.size() && finite_point(points[i + 1]);
    if (after_finite) {
      const auto [px, py] = pixel_of(points[i - 1]);
      canvas.line(px, py, x, y, colour, 2);
    }
    if (!after_finite && !before_finite)
      canvas.disc(x, y, 3, colour);
    else if (finite <= kMaxMarkedPoints)
      canvas.disc(x, y, 2, colour);
  }
}

}  // namespace

PanelAxes panel_axes(size_t index, const Curve& curve) {
  PanelAxes a;
  const int panel_top = static_cast<int>(index) * kPanelHeight;
  a.left = kLeftMargin;
  a.right = kPlotWidth - kRightMargin;
  a.top = panel_top + kTopMargin;
  a.bottom = panel_top + kPanelHeight - kBottomMargin;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo;
  double y_lo = x_lo, y_hi = -x_lo;
  for (const auto& p : curve.points) {
    if (!finite_point(p)) continue;
    x_lo = std::min(x_lo, p.first);
    x_hi = std::max(x_hi, p.first);
    y_lo = std::min(y_lo, p.second);
    y_hi = std::max(y_hi, p.second);
  }
  if (x_lo > x_hi) x_lo = y_lo = 0, x_hi = y_hi = 1;  // no data: empty unit axes
  const Range x = nice_range(x_lo, x_hi);
  const Range y = nice_range(y_lo, y_hi);
  a.x_min = x.min, a.x_max = x.max, a.x_step = x.step;
  a.y_min = y.min, a.y_max = y.max, a.y_step = y.step;
  return a;
}

Rgb curve_colour(size_t index) { return kPalette[index % std::size(kPalette)]; }

void write_curve_plot(const std::string& png_path, const std::vector<Curve>& curves) {
  if (curves.empty()) throw_invalid_argument("{}: no curves to plot", png_path);
  Canvas canvas(kPlotWidth, static_cast<int>(curves.size()) * kPanelHeight, kBackground);
  for (size_t i = 0; i < curves.size(); ++i) {
    const PanelAxes axes = panel_axes(i, curves[i]);
    draw_axes(canvas, axes);
    const bool any = std::any_of(curves[i].points.begin(), curves[i].points.end(), finite_point);
    const std::string title = any ? curves[i].name : curves[i].name + " (no data)";
    draw_text(canvas, axes.left, axes.top - kTopMargin + 8, title, kInk, 2);
    draw_curve(canvas, axes, curves[i], curve_colour(i));
  }
  write_png(png_path, canvas);
}

}  // namespace zenith::train
