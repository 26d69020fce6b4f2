// The PNG plot `zenith train` writes beside its event files: one panel per curve (loss, the
// validation metric, ...), stacked vertically, each with its axes, ticks, tick labels and name.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "train/canvas.h"

namespace zenith::train {

struct Curve {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x: epoch or fractional epoch, y)
};

constexpr int kPlotWidth = 640;
constexpr int kPanelHeight = 220;

// Where a panel's data lands: x_min..x_max maps to the pixel columns left..right, y_min..y_max
// to the rows bottom..top. The ranges are the finite points' extent widened to round tick steps.
struct PanelAxes {
  int left = 0, top = 0, right = 0, bottom = 0;
  double x_min = 0, x_max = 1, x_step = 1;
  double y_min = 0, y_max = 1, y_step = 1;
};

// The axes of the panel at `index` (counting from the top) drawn for `curve`.
PanelAxes panel_axes(size_t index, const Curve& curve);

// The colour of the curve in the panel at `index`.
Rgb curve_colour(size_t index);

// Writes the plot (kPlotWidth x curves.size() * kPanelHeight). Non-finite points are skipped,
// and the line breaks there; a point with no finite neighbour draws as a dot. Throws
// InvalidArgument for no curves, or naming `png_path` when it cannot be written.
void write_curve_plot(const std::string& png_path, const std::vector<Curve>& curves);

}  // namespace zenith::train
