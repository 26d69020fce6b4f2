// ImageNet-style folders: images and val_map.txt with one "FILE LABEL" line per image, as
// MLPerf's ImageNet harness reads them; class names from an optional labels.txt.
#include <charconv>
#include <fstream>
#include <sstream>

#include "ir/errors.h"
#include "tools/cli_util.h"
#include "tools/dataset_formats.h"

namespace zenith::tools {
namespace {

namespace fs = std::filesystem;

// Far above ImageNet-21k's 21,841 classes; a larger label is a typo, and would cost a name each.
constexpr int kMaxLabel = 1'000'000;

int parse_label(const std::string& text, const std::string& where) {
  int label = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), label);
  if (error != std::errc{} || end != text.data() + text.size() || label < 0 || label > kMaxLabel)
    throw_invalid_argument("{}: label '{}' is not an integer from 0 to {}", where, text, kMaxLabel);
  return label;
}

std::vector<LabelledImage> read_val_map(const fs::path& dir, size_t limit) {
  const fs::path map = dir / "val_map.txt";
  std::ifstream in(map);
  if (!in) throw_invalid_argument("{}: cannot open for reading", map.string());
  std::vector<LabelledImage> samples;
  std::string line;
  for (size_t number = 1; (limit == 0 || samples.size() < limit) && std::getline(in, line);
       ++number) {
    const std::string where = fmt::format("{}:{}", map.string(), number);
    std::istringstream fields(line);
    std::string file, label, extra;
    if (!(fields >> file)) continue;  // blank line
    if (!(fields >> label) || fields >> extra)
      throw_invalid_argument("{}: expected \"FILE LABEL\", found \"{}\"", where, line);
    LabelledImage sample{dir / file, {parse_label(label, where)}};
    std::error_code ec;
    if (!fs::is_regular_file(sample.image, ec))
      throw_invalid_argument("{}: image {} does not exist", where, sample.image.string());
    samples.push_back(std::move(sample));
  }
  if (in.bad()) throw_invalid_argument("{}: read error", map.string());
  if (samples.empty()) throw_invalid_argument("{}: no samples", map.string());
  return samples;
}

// Names for classes 0..max(label): labels.txt's lines if the folder has one, else "class N".
std::vector<std::string> class_names(const fs::path& dir,
                                     const std::vector<LabelledImage>& samples) {
  int max_label = 0;
  for (const LabelledImage& sample : samples) max_label = std::max(max_label, sample.labels[0]);
  std::error_code ec;
  const fs::path labels = dir / "labels.txt";
  if (!fs::exists(labels, ec)) {
    std::vector<std::string> names;
    for (int c = 0; c <= max_label; ++c) names.push_back(fmt::format("class {}", c));
    return names;
  }
  std::vector<std::string> names = read_labels(labels.string());
  if (static_cast<size_t>(max_label) >= names.size())
    throw_invalid_argument("{}: names {} classes, but val_map.txt has label {}", labels.string(),
                           names.size(), max_label);
  return names;
}

}  // namespace

std::unique_ptr<Dataset> open_val_map(const fs::path& dir, size_t limit) {
  std::vector<LabelledImage> samples = read_val_map(dir, limit);
  std::vector<std::string> classes = class_names(dir, samples);
  return make_image_folder("val_map " + dir.string(), std::move(classes), false,
                           std::move(samples));
}

}  // namespace zenith::tools
