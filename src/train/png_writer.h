// Writing a Canvas as a PNG file (8-bit RGB, zlib-compressed).
#pragma once

#include <string>

#include "train/canvas.h"

namespace zenith::train {

// Throws InvalidArgument naming `path` when it cannot be written.
void write_png(const std::string& path, const Canvas& canvas);

}  // namespace zenith::train
