// open_dataset: recognising a dataset by name or by the index file in its folder.
#include "tools/dataset.h"

#include "ir/errors.h"
#include "tools/cli_util.h"
#include "tools/dataset_formats.h"

namespace zenith::tools {

void check_sample_index(const Dataset& dataset, size_t index) {
  if (index >= dataset.size())
    throw_invalid_argument("{}: sample {} is out of range; the dataset has {} samples",
                           dataset.name(), index, dataset.size());
}

namespace {

// The folder of a "KIND:DIR" spec, which must exist.
std::filesystem::path spec_folder(const std::string& spec, const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw_invalid_argument("dataset '{}': no such folder {}", spec, dir);
  return dir;
}

}  // namespace

namespace {

// "chestxray14:DIR[:PART]" -> (DIR, PART or "train"). The part follows the last ':' when it
// names one, so a folder may hold ':' itself.
std::pair<std::string, std::string> chestxray14_part(const std::string& spec) {
  std::string dir = spec.substr(12), part = "train";
  const size_t colon = dir.rfind(':');
  std::error_code ec;
  if (colon != std::string::npos && !std::filesystem::is_directory(dir, ec)) {
    part = dir.substr(colon + 1);
    dir.resize(colon);
  }
  return {dir, part};
}

}  // namespace

std::string validation_spec(const std::string& spec) {
  if (spec == "fashion-mnist-train") return "fashion-mnist";
  if (spec.starts_with("chestxray14:"))
    return "chestxray14:" + chestxray14_part(spec).first + ":val";
  return "";
}

std::unique_ptr<Dataset> open_dataset(const std::string& spec, size_t limit, uint64_t split_seed) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (spec.starts_with("npy:")) return open_npy_dataset(spec_folder(spec, spec.substr(4)), limit);
  if (spec.starts_with("imagefolder:"))
    return open_class_folders(spec_folder(spec, spec.substr(12)), limit);
  if (spec.starts_with("chestxray14:")) {
    const auto [dir, part] = chestxray14_part(spec);
    return open_chestxray14_split(spec_folder(spec, dir), part, split_seed, limit);
  }
  if (spec == "fashion-mnist" || spec == "fashion-mnist-train") {
    if (!fs::is_directory(kFashionMnistDir, ec))
      throw_invalid_argument(
          "{}: {} is missing; install the Debian package dataset-fashion-mnist "
          "(scripts/install-deps.sh does)",
          spec, kFashionMnistDir);
    return open_fashion_mnist(kFashionMnistDir, limit, spec == "fashion-mnist" ? "t10k" : "train");
  }
  const fs::path dir = spec;
  if (!fs::is_directory(dir, ec))
    throw_invalid_argument(
        "dataset '{}': no such folder; expected fashion-mnist, npy:DIR, chestxray14:DIR[:PART], "
        "imagefolder:DIR or a dataset folder",
        spec);
  if (fs::exists(dir / "Data_Entry_2017.csv", ec)) return open_chestxray14(dir, limit);
  if (fs::exists(dir / "val_map.txt", ec)) return open_val_map(dir, limit);
  if (fs::exists(dir / "t10k-images-idx3-ubyte", ec) ||
      fs::exists(dir / "t10k-images-idx3-ubyte.gz", ec))
    return open_fashion_mnist(dir, limit);
  throw_invalid_argument(
      "{}: not a dataset folder: it holds none of Data_Entry_2017.csv (ChestX-ray14), val_map.txt "
      "(ImageNet-style) or t10k-images-idx3-ubyte[.gz] (Fashion-MNIST)",
      spec);
}

InputLayout dataset_layout(const std::string& spec, int64_t channels, int64_t height, int64_t width,
                           const std::string& mean, const std::string& scale) {
  const bool fashion = spec.rfind("fashion-mnist", 0) == 0;
  InputLayout layout;
  layout.channels = channels;
  layout.height = height;
  layout.width = width;
  layout.mean = parse_channel_values(!mean.empty() ? mean
                                     : fashion     ? "0"
                                                   : kImageNetMean,
                                     "--mean");
  layout.scale = parse_channel_values(!scale.empty() ? scale
                                      : fashion      ? "255"
                                                     : kImageNetScale,
                                      "--scale");
  return layout;
}

}  // namespace zenith::tools
