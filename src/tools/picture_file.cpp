// SVG to PNG with librsvg and cairo (Debian's librsvg2-dev), so that a picture has one drawing
// (the SVG) and its PNG is that drawing, pixel for pixel at its own size.
#include "tools/picture_file.h"

#include <cairo.h>
#include <librsvg/rsvg.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "ir/errors.h"

namespace zenith::tools {
namespace {

// `error`'s message, freeing it.
std::string take_message(GError* error) {
  if (!error) return "unknown error";
  std::string message = error->message;
  g_error_free(error);
  return message;
}

void write_png(const std::string& path, const std::string& svg, const std::string& flag) {
  GError* error = nullptr;
  std::unique_ptr<RsvgHandle, decltype(&g_object_unref)> handle(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error),
      g_object_unref);
  if (!handle)
    throw_invalid_argument("{} {}: librsvg could not read the drawing: {}", flag, path,
                           take_message(error));
  gdouble width = 0, height = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle.get(), &width, &height) || width < 1 ||
      height < 1)
    throw_invalid_argument("{} {}: the drawing has no size in pixels", flag, path);
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
      cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(width),
                                 static_cast<int>(height)),
      cairo_surface_destroy);
  std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cairo(cairo_create(surface.get()),
                                                           cairo_destroy);
  const RsvgRectangle viewport{0, 0, width, height};
  if (!rsvg_handle_render_document(handle.get(), cairo.get(), &viewport, &error))
    throw_invalid_argument("{} {}: librsvg could not draw it: {}", flag, path, take_message(error));
  cairo_surface_flush(surface.get());
  if (cairo_surface_write_to_png(surface.get(), path.c_str()) != CAIRO_STATUS_SUCCESS)
    throw_invalid_argument("{} {}: cannot write the file", flag, path);
}

}  // namespace

void require_picture_name(const std::string& path, const std::string& flag) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension != ".svg" && extension != ".png")
    throw_invalid_argument("{} {}: the picture is SVG or PNG; name the file .svg or .png", flag,
                           path);
}

void write_picture(const std::string& path, const std::string& svg, const std::string& flag) {
  require_picture_name(path, flag);
  if (std::filesystem::path(path).extension() == ".png") return write_png(path, svg, flag);
  std::ofstream out(path);
  out << svg;
  if (!out.flush()) throw_invalid_argument("{} {}: cannot write the file", flag, path);
}

}  // namespace zenith::tools
