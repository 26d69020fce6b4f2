// scan_repository: the folders, the config, the version policy.
#include "serve/model_repository.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

#include "ir/errors.h"
#include "zenith/error.h"

namespace zenith::serve {
namespace {

namespace fs = std::filesystem;

// The model file of a version folder: model.onnx, else model.zir; empty if neither.
fs::path model_file(const fs::path& version_dir) {
  for (const char* name : {"model.onnx", "model.zir"}) {
    std::error_code ec;
    if (fs::is_regular_file(version_dir / name, ec)) return version_dir / name;
  }
  return {};
}

// "<size>@<mtime>" of a file, or "-" if it is not there.
std::string file_stamp(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return "-";
  const auto time = fs::last_write_time(path, ec).time_since_epoch().count();
  return fmt::format("{}@{}", size, time);
}

bool version_number(const std::string& name, int64_t& version) {
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), version);
  return ec == std::errc() && end == name.data() + name.size() && version > 0;
}

}  // namespace

RepositoryModel scan_model(const fs::path& dir, const std::string& name) {
  RepositoryModel model;
  model.name = name;
  const fs::path config_path = dir / "config.json";
  model.stamp = "config " + file_stamp(config_path);
  try {
    model.config = read_model_config(config_path);
  } catch (const Error& e) {
    model.error = e.what();
    return model;
  }
  std::map<int64_t, fs::path> present;
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    int64_t version = 0;
    if (!entry.is_directory(ec) || !version_number(entry.path().filename().string(), version))
      continue;
    if (fs::path file = model_file(entry.path()); !file.empty()) present[version] = file;
  }
  std::vector<int64_t> numbers;
  for (const auto& [v, path] : present) numbers.push_back(v);
  for (int64_t v : model.config.version_policy.select(numbers)) {
    model.versions[v] = present[v];
    model.stamp += fmt::format(" {}:{}", present[v].string(), file_stamp(present[v]));
  }
  if (model.versions.empty())
    model.error = present.empty()
                      ? fmt::format(
                            "{}: no version folder (1, 2, ...) holds model.onnx or "
                            "model.zir",
                            dir.string())
                      : fmt::format("{}: the version policy selects none of the versions there",
                                    dir.string());
  return model;
}

std::vector<RepositoryModel> scan_repository(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw_invalid_argument("--model-repository {}: not a folder", dir.string());
  std::vector<RepositoryModel> models;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name[0] == '.' || !entry.is_directory(ec)) continue;
    models.push_back(scan_model(entry.path(), name));
  }
  if (ec) throw_invalid_argument("--model-repository {}: {}", dir.string(), ec.message());
  std::sort(models.begin(), models.end(),
            [](const RepositoryModel& a, const RepositoryModel& b) { return a.name < b.name; });
  return models;
}

}  // namespace zenith::serve
