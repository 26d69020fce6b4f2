// SVG written directly (no plotting library at run time): panels of one width stacked, each an
// axis box with ticks at 1-2-5 steps and the marks drawn over the data.
#include "tools/latency_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "loadgen/latency_stats.h"

namespace zenith::tools {
namespace {

constexpr double kWidth = 960, kPanel = 300, kLeft = 80, kRight = 30, kTop = 50, kBottom = 50;

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

// Ticks at 1, 2 or 5 times a power of ten, about `count` of them over [lo, hi].
std::vector<double> ticks(double lo, double hi, int count) {
  const double raw = (hi - lo) / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  const double step = raw / power < 2 ? power : raw / power < 5 ? 2 * power : 5 * power;
  std::vector<double> out;
  for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push_back(t);
  return out;
}

std::string number(double v) { return fmt::format("{:.4g}", v); }

// One panel: data coordinates [x0, x1] x [y0, y1] mapped into a box `top` px down the page.
class Panel {
 public:
  Panel(std::string& svg, double top, double x0, double x1, double y0, double y1)
      : svg_(svg), top_(top), x0_(x0), x1_(x1), y0_(y0), y1_(y1 > y0 ? y1 : y0 + 1) {}

  double x(double v) const { return kLeft + (v - x0_) / (x1_ - x0_) * (kWidth - kLeft - kRight); }
  double y(double v) const { return top_ + kPanel - (v - y0_) / (y1_ - y0_) * kPanel; }

  void axes(const std::string& title, const std::string& x_label, const std::string& y_label,
            const std::vector<std::pair<double, std::string>>& x_ticks) {
    svg_ += fmt::format(
        "<text x='{}' y='{}' font-size='15' font-weight='bold'>{}</text>\n"
        "<rect x='{}' y='{}' width='{}' height='{}' fill='none' stroke='#444'/>\n",
        kLeft, top_ - 10, escaped(title), kLeft, top_, kWidth - kLeft - kRight, kPanel);
    for (const auto& [v, label] : x_ticks)
      svg_ += fmt::format(
          "<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' stroke='#444'/>"
          "<text x='{0}' y='{3}' text-anchor='middle'>{4}</text>\n",
          x(v), top_ + kPanel, top_ + kPanel + 5, top_ + kPanel + 18, label);
    for (double v : ticks(y0_, y1_, 5))
      svg_ += fmt::format(
          "<line x1='{0}' y1='{1}' x2='{2}' y2='{1}' stroke='#ddd'/>"
          "<text x='{3}' y='{4}' text-anchor='end'>{5}</text>\n",
          kLeft, y(v), kWidth - kRight, kLeft - 6, y(v) + 4, number(v));
    svg_ += fmt::format(
        "<text x='{}' y='{}' text-anchor='middle'>{}</text>\n"
        "<text transform='translate({},{}) rotate(-90)' text-anchor='middle'>{}</text>\n",
        (kLeft + kWidth - kRight) / 2, top_ + kPanel + 38, escaped(x_label), 20, top_ + kPanel / 2,
        escaped(y_label));
  }

  // A vertical mark at data x `v` (clipped to the box), labelled at the top.
  void vertical(double v, const std::string& colour, const std::string& label, int row) {
    const double px = x(std::clamp(v, x0_, x1_));
    svg_ += fmt::format(
        "<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' stroke='{3}' stroke-width='2' "
        "stroke-dasharray='6,4'/><text x='{4}' y='{5}' fill='{3}'>{6}</text>\n",
        px, top_, top_ + kPanel, colour, px + 4, top_ + 16 + 16 * row, escaped(label));
  }

  // A horizontal mark at data y `v`, labelled above it: row 0 at the right end, the others
  // further left, so that labels of close values stay apart.
  void horizontal(double v, const std::string& colour, const std::string& label, int row) {
    if (v < y0_ || v > y1_) return;
    svg_ += fmt::format(
        "<line x1='{0}' y1='{1}' x2='{2}' y2='{1}' stroke='{3}' stroke-width='2' "
        "stroke-dasharray='6,4'/><text x='{4}' y='{5}' fill='{3}' text-anchor='end'>{6}</text>\n",
        kLeft, y(v), kWidth - kRight, colour, kWidth - kRight - 4 - 200 * row, y(v) - 5,
        escaped(label));
  }

 private:
  std::string& svg_;
  double top_, x0_, x1_, y0_, y1_;
};

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }

// The percentile curve's x: "nines", -log10(1 - p), so that 90, 99 and 99.9 are evenly apart.
double nines(double p) { return -std::log10(1 - std::min(p, 0.9999)); }

}  // namespace

LatencyPlotInfo plot_info(const std::string& sut, const std::string& scenario,
                          const std::string& mode, double target_percentile,
                          std::int64_t bound_ns) {
  return {fmt::format("{}: {} {}", sut, scenario, mode), target_percentile, bound_ns,
          scenario == "Server"};
}

std::string latency_plot_svg(const loadgen::PerformanceSummary& summary,
                             const LatencyPlotInfo& info) {
  std::vector<std::int64_t> sorted = summary.sample_latencies_ns;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const auto at = [&](double p) {
    return sorted[std::min(loadgen::percentile_index(n, p), n - 1)];
  };
  const double target = ms(at(info.target_percentile)), p99 = ms(at(0.99));
  const double bound = ms(info.bound_ns);
  const std::string target_name = fmt::format("p{:g}", info.target_percentile * 100);
  const int panels = info.over_time ? 3 : 2;
  std::string svg = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' viewBox='0 0 {0} {1}' "
      "font-family='sans-serif' font-size='12'>\n<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='{2}' y='24' font-size='17' font-weight='bold'>{3}</text>\n"
      "<text x='{2}' y='44'>{4} samples; {5} {6} ms{7}, max {8} ms{9}</text>\n",
      kWidth, panels * (kPanel + kTop + kBottom) + 70, kLeft, escaped(info.title), n, target_name,
      number(target), info.target_percentile != 0.99 ? fmt::format(", p99 {} ms", number(p99)) : "",
      number(ms(sorted.back())),
      info.bound_ns > 0 ? fmt::format("; bound {} ms", number(bound)) : "");
  const auto mark_all = [&](Panel& panel, bool vertical) {
    const auto mark = [&](double v, const char* colour, const std::string& label, int row) {
      vertical ? panel.vertical(v, colour, label, row) : panel.horizontal(v, colour, label, row);
    };
    mark(target, "#1f77b4", fmt::format("{} {} ms", target_name, number(target)), 0);
    if (info.target_percentile != 0.99)
      mark(p99, "#ff7f0e", fmt::format("p99 {} ms", number(p99)), 1);
    if (info.bound_ns > 0) mark(bound, "#d62728", fmt::format("bound {} ms", number(bound)), 2);
  };

  // The histogram: 60 bins up to p99.9 (or the bound, if higher); slower samples in the last.
  const double lo = ms(sorted.front());
  const double hi = std::max({ms(at(0.999)), bound, lo * 1.001 + 1e-6});
  constexpr int kBins = 60;
  std::vector<size_t> bins(kBins);
  for (std::int64_t v : sorted)
    ++bins[std::min<size_t>(static_cast<size_t>((ms(v) - lo) / (hi - lo) * kBins), kBins - 1)];
  const double top = 100;
  Panel histogram(svg, top, lo, hi, 0,
                  static_cast<double>(*std::max_element(bins.begin(), bins.end())) * 1.1);
  for (int b = 0; b < kBins; ++b) {
    const double x0 = lo + (hi - lo) * b / kBins, x1 = lo + (hi - lo) * (b + 1) / kBins;
    svg += fmt::format(
        "<rect x='{}' y='{}' width='{}' height='{}' fill='#9ecae1' stroke='#3182bd' "
        "data-samples='{}'/>\n",
        histogram.x(x0), histogram.y(static_cast<double>(bins[b])),
        histogram.x(x1) - histogram.x(x0),
        histogram.y(0) - histogram.y(static_cast<double>(bins[b])), bins[b]);
  }
  std::vector<std::pair<double, std::string>> x_ticks;
  for (double t : ticks(lo, hi, 8)) x_ticks.emplace_back(t, number(t));
  histogram.axes("Latency distribution (the last bin holds everything slower)", "latency (ms)",
                 "samples", x_ticks);
  mark_all(histogram, true);

  // The percentile curve, on the nines scale up to the slowest sample's percentile.
  const double last = nines(1.0 - 1.0 / static_cast<double>(n + 1));
  const double curve_top = top + kPanel + kTop + kBottom;
  // Latency axes from 0, unless the latencies sit in a narrow band far above it.
  const double slowest = ms(sorted.back());
  const double floor = lo > slowest / 2 ? lo - (slowest - lo) * 0.1 : 0;
  const double ceiling = slowest + (slowest - floor) * 0.05;
  Panel curve(svg, curve_top, 0, std::max(last, 1.0), floor, ceiling);
  std::string points;
  const size_t step = std::max<size_t>(1, n / 2000);
  for (size_t i = 0; i < n; i += std::min(step, std::max<size_t>(1, (n - i) / 8)))
    points += fmt::format("{:.1f},{:.1f} ",
                          curve.x(nines(static_cast<double>(i) / static_cast<double>(n))),
                          curve.y(ms(sorted[i])));
  points += fmt::format("{:.1f},{:.1f}", curve.x(last), curve.y(ms(sorted.back())));
  svg += fmt::format("<polyline points='{}' fill='none' stroke='#3182bd' stroke-width='2'/>\n",
                     points);
  x_ticks.clear();
  for (double p : {0.0, 0.5, 0.9, 0.99, 0.999, 0.9999})
    if (nines(p) <= std::max(last, 1.0))
      x_ticks.emplace_back(nines(p), fmt::format("{:g}%", p * 100));
  curve.axes("Latency by percentile", "percentile (0, 90, 99, 99.9 equally apart)", "latency (ms)",
             x_ticks);
  mark_all(curve, false);

  if (info.over_time) {
    const double span = std::max(1e-3, *std::max_element(summary.sample_scheduled_s.begin(),
                                                         summary.sample_scheduled_s.end()));
    Panel over(svg, curve_top + kPanel + kTop + kBottom, 0, span, floor, ceiling);
    // At most 5,000 points: every k-th sample, and every sample past the bound.
    const size_t every = std::max<size_t>(1, n / 5000);
    for (size_t i = 0; i < summary.sample_latencies_ns.size(); ++i) {
      const std::int64_t v = summary.sample_latencies_ns[i];
      if (i % every != 0 && !(info.bound_ns > 0 && v > info.bound_ns)) continue;
      svg += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='1.5' fill='{}'/>\n",
                         over.x(summary.sample_scheduled_s[i]), over.y(ms(v)),
                         info.bound_ns > 0 && v > info.bound_ns ? "#d62728" : "#3182bd");
    }
    x_ticks.clear();
    for (double t : ticks(0, span, 8)) x_ticks.emplace_back(t, number(t));
    over.axes("Latency over the run (each sample at the time its query was due)",
              "time from the start (s)", "latency (ms)", x_ticks);
    mark_all(over, false);
  }
  return svg + "</svg>\n";
}

}  // namespace zenith::tools
