// The curve plot read back: the PNG's chunks walked and their CRCs checked, the IDAT inflated,
// and the pixels decoded by libpng, then looked at where the curves' points must be drawn.
#include "train/curve_plot.h"

#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "testing/expect_error.h"
#include "testing/temp_dir.h"
#include "train/bitmap_font.h"

namespace zenith::train {
namespace {

constexpr Rgb kWhite{255, 255, 255};

uint32_t big_endian(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[at + i]);
  return v;
}

struct Image {
  int width = 0, height = 0;
  std::vector<uint8_t> rgb;
  Rgb at(int x, int y) const {
    const size_t i = (static_cast<size_t>(y) * width + x) * 3;
    return {rgb[i], rgb[i + 1], rgb[i + 2]};
  }
};

// Checks the file's structure chunk by chunk (signature, CRCs, IHDR, one zlib stream in the
// IDATs of the size the rows need), then decodes its pixels with libpng.
Image read_png(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(file.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::vector<std::string> types;
  std::string ihdr, idat;
  for (size_t at = 8; at + 12 <= file.size();) {
    const uint32_t length = big_endian(file, at);
    if (file.size() - at - 12 < length) {
      ADD_FAILURE() << "chunk at byte " << at << " runs past the file";
      return {};
    }
    const std::string type = file.substr(at + 4, 4);
    const std::string data = file.substr(at + 8, length);
    const auto crc = crc32(0L, reinterpret_cast<const Bytef*>(file.data() + at + 4), length + 4);
    EXPECT_EQ(big_endian(file, at + 8 + length), crc) << type << " chunk CRC";
    types.push_back(type);
    if (type == "IHDR") ihdr = data;
    if (type == "IDAT") idat += data;
    at += 12 + length;
  }
  EXPECT_TRUE(!types.empty() && types.front() == "IHDR" && types.back() == "IEND");
  if (ihdr.size() != 13) {
    ADD_FAILURE() << "IHDR of " << ihdr.size() << " bytes";
    return {};
  }
  Image image{static_cast<int>(big_endian(ihdr, 0)), static_cast<int>(big_endian(ihdr, 4)), {}};
  EXPECT_EQ(ihdr[8], 8) << "bit depth";
  EXPECT_EQ(ihdr[9], 2) << "colour type RGB";
  EXPECT_EQ(ihdr.substr(10), std::string(3, '\0')) << "compression, filter, interlace";
  // Each row: a filter byte and the row's RGB triples.
  std::vector<Bytef> rows(static_cast<size_t>(image.height) * (1 + 3 * image.width) + 1);
  uLongf rows_size = rows.size();
  EXPECT_EQ(
      uncompress(rows.data(), &rows_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()),
      Z_OK);
  EXPECT_EQ(rows_size, rows.size() - 1);

  png_image decoder{};
  decoder.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&decoder, path.c_str())) {
    ADD_FAILURE() << "libpng: " << decoder.message;
    return {};
  }
  decoder.format = PNG_FORMAT_RGB;
  EXPECT_EQ(static_cast<int>(decoder.width), image.width);
  EXPECT_EQ(static_cast<int>(decoder.height), image.height);
  image.rgb.resize(PNG_IMAGE_SIZE(decoder));
  if (!png_image_finish_read(&decoder, nullptr, image.rgb.data(), 0, nullptr)) {
    ADD_FAILURE() << "libpng: " << decoder.message;
    return {};
  }
  return image;
}

// Whether a pixel within `radius` of (x, y) has `colour`.
bool colour_near(const Image& image, int x, int y, Rgb colour, int radius) {
  for (int dy = -radius; dy <= radius; ++dy)
    for (int dx = -radius; dx <= radius; ++dx) {
      const int px = x + dx, py = y + dy;
      if (px >= 0 && px < image.width && py >= 0 && py < image.height && image.at(px, py) == colour)
        return true;
    }
  return false;
}

int count_colour(const Image& image, int x0, int y0, int x1, int y1, Rgb colour) {
  int n = 0;
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) n += image.at(x, y) == colour;
  return n;
}

int column_of(const PanelAxes& a, double x) {
  return a.left +
         static_cast<int>(std::lround((x - a.x_min) / (a.x_max - a.x_min) * (a.right - a.left)));
}
int row_of(const PanelAxes& a, double y) {
  return a.bottom -
         static_cast<int>(std::lround((y - a.y_min) / (a.y_max - a.y_min) * (a.bottom - a.top)));
}

TEST(CurvePlot, PanelsShowEachCurveWhereItsPointsAre) {
  testing::TempDir tmp("curve_plot");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  // A straight loss from (0, 1) down to (10, 0), a NaN point that must be skipped; a metric with
  // one point; an empty curve.
  Curve loss{"loss", {}};
  for (int i = 0; i <= 10; ++i) loss.points.push_back({i, 1.0 - 0.1 * i});
  loss.points.insert(loss.points.begin() + 4, {nan, 0.5});
  loss.points.push_back({11.0, std::numeric_limits<double>::infinity()});
  const Curve metric{"val accuracy", {{3.0, 0.7}}};
  const Curve empty{"lr", {}};
  const std::filesystem::path path = tmp / "curves.png";
  write_curve_plot(path.string(), {loss, metric, empty});

  const Image image = read_png(path);
  ASSERT_EQ(image.width, kPlotWidth);
  ASSERT_EQ(image.height, 3 * kPanelHeight);
  ASSERT_EQ(image.rgb.size(), static_cast<size_t>(image.width) * image.height * 3);

  // The loss's range is already round (ticks every 2 on x, 0.2 on y), so it is the axes' range.
  const PanelAxes a = panel_axes(0, loss);
  EXPECT_EQ(a.x_min, 0.0);
  EXPECT_EQ(a.x_max, 10.0);
  EXPECT_EQ(a.x_step, 2.0);
  EXPECT_NEAR(a.y_min, 0.0, 1e-12);
  EXPECT_NEAR(a.y_max, 1.0, 1e-12);
  EXPECT_NEAR(a.y_step, 0.2, 1e-12);
  EXPECT_TRUE(a.left > 0 && a.right < kPlotWidth && a.top > 0 && a.bottom < kPanelHeight);
  const Rgb blue = curve_colour(0);
  for (double x : {0.0, 2.5, 5.0, 7.5, 10.0})  // on the points and on the lines between them
    EXPECT_TRUE(colour_near(image, column_of(a, x), row_of(a, 1.0 - 0.1 * x), blue, 1))
        << "x " << x;
  // Nothing where the line is not: above it and below it, between grid lines.
  for (auto [x, y] : {std::pair{1.0, 0.5}, {9.0, 0.5}, {5.0, 0.9}, {5.0, 0.1}}) {
    EXPECT_EQ(image.at(column_of(a, x), row_of(a, y)), kWhite) << x << ", " << y;
    EXPECT_FALSE(colour_near(image, column_of(a, x), row_of(a, y), blue, 8)) << x << ", " << y;
  }
  // Axes in black, tick labels left of the y axis and below the x axis, the name above.
  const Rgb black{0, 0, 0};
  EXPECT_EQ(image.at(a.left, (a.top + a.bottom) / 2), black);
  EXPECT_EQ(image.at((a.left + a.right) / 2, a.bottom), black);
  EXPECT_GT(count_colour(image, 0, a.top - 4, a.left - 6, a.bottom + 4, black), 50);
  EXPECT_GT(count_colour(image, a.left, a.bottom + 6, a.right, a.bottom + 18, black), 20);
  EXPECT_GT(count_colour(image, a.left, 0, a.left + text_width("loss", 2), a.top - 1, black), 40);
  // No curve colour leaks into the other panels.
  EXPECT_EQ(count_colour(image, 0, kPanelHeight, kPlotWidth - 1, 3 * kPanelHeight - 1, blue), 0);

  // The metric's one point: a dot at the centre of axes widened around it.
  const PanelAxes m = panel_axes(1, metric);
  EXPECT_LT(m.x_min, 3.0);
  EXPECT_GT(m.x_max, 3.0);
  EXPECT_LT(m.y_min, 0.7);
  EXPECT_GT(m.y_max, 0.7);
  EXPECT_EQ(m.top, kPanelHeight + a.top);
  const Rgb red = curve_colour(1);
  EXPECT_NE(red, blue);
  const int mx = column_of(m, 3.0), my = row_of(m, 0.7);
  EXPECT_EQ(image.at(mx, my), red);
  EXPECT_EQ(count_colour(image, mx - 3, my - 3, mx + 3, my + 3, red), 29);  // a disc of radius 3
  EXPECT_EQ(count_colour(image, 0, kPanelHeight, kPlotWidth - 1, 2 * kPanelHeight - 1, red), 29);

  // The empty curve: axes, no curve.
  const PanelAxes e = panel_axes(2, empty);
  EXPECT_EQ(image.at(e.left, (e.top + e.bottom) / 2), black);
  EXPECT_EQ(count_colour(image, 0, 2 * kPanelHeight, kPlotWidth - 1, 3 * kPanelHeight - 1,
                         curve_colour(2)),
            0);
}

TEST(CurvePlot, TicksStayRoundForAwkwardRanges) {
  const PanelAxes small = panel_axes(0, Curve{"lr", {{0, 3e-5}, {1, 1.7e-4}}});
  // A fifth of the span is 2.8e-5: the step rounds up to 5e-5, the ends out to its multiples.
  EXPECT_NEAR(small.y_step, 5e-5, 1e-18);
  EXPECT_NEAR(small.y_min, 0.0, 1e-18);
  EXPECT_NEAR(small.y_max, 2e-4, 1e-18);
  const PanelAxes flat = panel_axes(0, Curve{"loss", {{0, 0}, {4, 0}}});
  EXPECT_LT(flat.y_min, 0.0);
  EXPECT_GT(flat.y_max, 0.0);
  const PanelAxes tiny = panel_axes(0, Curve{"loss", {{0, 5e-324}}});
  EXPECT_TRUE(std::isfinite(tiny.y_step) && tiny.y_step > 0) << tiny.y_step;
  EXPECT_LT(tiny.y_min, 0.0);
  EXPECT_GT(tiny.y_max, 0.0);
  const PanelAxes huge = panel_axes(0, Curve{"loss", {{0, -1e308}, {1, 1e308}}});
  EXPECT_TRUE(std::isfinite(huge.y_step) && huge.y_step > 0) << huge.y_step;
  EXPECT_LE(huge.y_min, -1e308);
  EXPECT_GE(huge.y_max, 1e308);
}

// Writes build/train_test/curves.png, which tests/train/check_plot_with_pil.py (ctest
// train.curve_plot_pil) then opens with PIL: loss in the top panel, accuracy in the bottom one.
TEST(CurvePlot, PlotForOtherReaders) {
  const std::filesystem::path dir = std::filesystem::path(ZENITH_BINARY_DIR) / "train_test";
  std::filesystem::create_directories(dir);
  Curve loss{"loss", {}};
  for (int i = 0; i <= 100; ++i) loss.points.push_back({i / 50.0, 2.0 / (1.0 + i)});
  const Curve accuracy{"val accuracy", {{1.0, 0.81}, {2.0, 0.86}}};
  write_curve_plot((dir / "curves.png").string(), {loss, accuracy});
  const Image image = read_png(dir / "curves.png");
  ASSERT_EQ(image.height, 2 * kPanelHeight);
  EXPECT_GT(count_colour(image, 0, 0, kPlotWidth - 1, kPanelHeight - 1, curve_colour(0)), 300);
  EXPECT_GT(
      count_colour(image, 0, kPanelHeight, kPlotWidth - 1, 2 * kPanelHeight - 1, curve_colour(1)),
      300);
}

TEST(CurvePlot, NoCurvesOrAnUnwritablePathNameThePath) {
  testing::TempDir tmp("curve_plot");
  const std::string path = (tmp / "curves.png").string();
  testing::expect_error([&] { write_curve_plot(path, {}); }, Error::Kind::InvalidArgument,
                        path + ": no curves to plot");
  const std::string bad = (tmp / "missing_dir" / "curves.png").string();
  testing::expect_error(
      [&] {
        write_curve_plot(bad, {Curve{"loss", {{0, 1}}}});
      },
      Error::Kind::InvalidArgument, bad + ": cannot write the PNG file");
}

}  // namespace
}  // namespace zenith::train
