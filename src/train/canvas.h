// Canvas: an 8-bit RGB raster with the few drawing operations a plot needs; everything drawn
// off the canvas is clipped.
#pragma once

#include <cstdint>
#include <vector>

namespace zenith::train {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
  bool operator==(const Rgb&) const = default;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background);

  int width() const { return width_; }
  int height() const { return height_; }
  // Row-major RGB triples, top row first: PNG's pixel order.
  const std::vector<uint8_t>& pixels() const { return pixels_; }

  Rgb at(int x, int y) const;
  void set(int x, int y, Rgb colour);
  // The pixels x0 <= x <= x1, y0 <= y <= y1.
  void fill_rect(int x0, int y0, int x1, int y1, Rgb colour);
  // A line `thickness` pixels wide (a square brush along Bresenham's path), ends included.
  void line(int x0, int y0, int x1, int y1, Rgb colour, int thickness);
  void disc(int cx, int cy, int radius, Rgb colour);

 private:
  int width_;
  int height_;
  std::vector<uint8_t> pixels_;
};

}  // namespace zenith::train
