// Writes a picture drawn as SVG (tools/latency_plot.h) to a file: as it is for FILE.svg, or
// rasterized by librsvg for FILE.png.
#pragma once

#include <string>

namespace zenith::tools {

// Throws InvalidArgument naming `path` (and `flag`, the option that named it) for any other
// extension, an SVG librsvg cannot read, or a file that cannot be written.
void write_picture(const std::string& path, const std::string& svg, const std::string& flag);

// Throws InvalidArgument naming `path` and `flag` unless it ends .svg or .png: for a caller
// that checks the name before a long run whose end writes the picture.
void require_picture_name(const std::string& path, const std::string& flag);

}  // namespace zenith::tools
