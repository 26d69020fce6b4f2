// Class folders: DIR/CLASS/*.png|jpg, torchvision's ImageFolder layout. Classes are the
// subfolders sorted by name, samples sorted by class and then file name, as ImageFolder orders
// them, so class indices agree with a PyTorch run on the same folder.
#include <algorithm>
#include <cctype>

#include "ir/errors.h"
#include "tools/dataset_formats.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

bool is_image_file(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == ".png" || extension == ".jpg" || extension == ".jpeg";
}

std::vector<fs::path> sorted_entries(const fs::path& dir, bool folders) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    if (folders ? entry.is_directory(ec) : entry.is_regular_file(ec) && is_image_file(entry.path()))
      out.push_back(entry.path());
  }
  if (ec) throw_invalid_argument("{}: cannot list the folder: {}", dir.string(), ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

std::unique_ptr<Dataset> open_class_folders(const fs::path& dir, size_t limit) {
  const std::vector<fs::path> folders = sorted_entries(dir, true);
  if (folders.empty())
    throw_invalid_argument("{}: no class folders; expected DIR/CLASS/*.png|jpg", dir.string());
  std::vector<std::string> classes;
  std::vector<LabelledImage> samples;
  for (const fs::path& folder : folders) {
    const std::vector<fs::path> images = sorted_entries(folder, false);
    if (images.empty())
      throw_invalid_argument("{}: class folder with no .png or .jpg images", folder.string());
    const int label = static_cast<int>(classes.size());
    classes.push_back(folder.filename().string());
    for (const fs::path& image : images)
      if (limit == 0 || samples.size() < limit) samples.push_back({image, {label}});
  }
  return make_image_folder("image folder " + dir.string(), std::move(classes), false,
                           std::move(samples));
}

}  // namespace zenith::tools
