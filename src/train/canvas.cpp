// Canvas drawing: integer Bresenham lines and filled shapes; no anti-aliasing, so a curve's pixels
// carry exactly its colour.
#include "train/canvas.h"

#include <cstdlib>

#include "ir/errors.h"

namespace zenith::train {

Canvas::Canvas(int width, int height, Rgb background) : width_(width), height_(height) {
  ZENITH_ASSERT(width > 0 && height > 0);
  pixels_.resize(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
  for (size_t i = 0; i < pixels_.size(); i += 3) {
    pixels_[i] = background.r;
    pixels_[i + 1] = background.g;
    pixels_[i + 2] = background.b;
  }
}

Rgb Canvas::at(int x, int y) const {
  ZENITH_ASSERT(x >= 0 && x < width_ && y >= 0 && y < height_);
  const size_t i =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  return {pixels_[i], pixels_[i + 1], pixels_[i + 2]};
}

void Canvas::set(int x, int y, Rgb colour) {
  if (x < 0 || x >= width_ || y < 0 || y >= height_) return;
  const size_t i =
      (static_cast<size_t>(y) * static_cast<size_t>(width_) + static_cast<size_t>(x)) * 3;
  pixels_[i] = colour.r;
  pixels_[i + 1] = colour.g;
  pixels_[i + 2] = colour.b;
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb colour) {
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) set(x, y, colour);
}

void Canvas::line(int x0, int y0, int x1, int y1, Rgb colour, int thickness) {
  const int dx = std::abs(x1 - x0);
  const int dy = -std::abs(y1 - y0);
  const int sx = x0 < x1 ? 1 : -1;
  const int sy = y0 < y1 ? 1 : -1;
  // The brush spans [-(t-1)/2, t/2] around the path, so a thickness of 1 is the path itself.
  const int back = (thickness - 1) / 2;
  const int forward = thickness / 2;
  int error = dx + dy;
  for (;;) {
    fill_rect(x0 - back, y0 - back, x0 + forward, y0 + forward, colour);
    if (x0 == x1 && y0 == y1) break;
    const int twice = 2 * error;
    if (twice >= dy) {
      error += dy;
      x0 += sx;
    }
    if (twice <= dx) {
      error += dx;
      y0 += sy;
    }
  }
}

void Canvas::disc(int cx, int cy, int radius, Rgb colour) {
  for (int y = -radius; y <= radius; ++y)
    for (int x = -radius; x <= radius; ++x)
      if (x * x + y * y <= radius * radius) set(cx + x, cy + y, colour);
}

}  // namespace zenith::train
