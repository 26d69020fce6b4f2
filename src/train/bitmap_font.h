// A 5x7 bitmap font for plot labels: digits, upper-case letters (lower case is drawn as upper
// case) and the punctuation numbers and metric names use; other characters draw as a box.
#pragma once

#include <string_view>

#include "train/canvas.h"

namespace zenith::train {

constexpr int kGlyphWidth = 5;
constexpr int kGlyphHeight = 7;
constexpr int kGlyphAdvance = 6;  // one column of space between characters

// The width in pixels `text` takes at `scale` (each font pixel drawn scale x scale).
int text_width(std::string_view text, int scale);

// Draws `text` with its top-left corner at (x, y).
void draw_text(Canvas& canvas, int x, int y, std::string_view text, Rgb colour, int scale);

}  // namespace zenith::train
