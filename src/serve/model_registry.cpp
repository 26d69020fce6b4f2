// ModelRegistry: scan, compare stamps, load outside the lock, publish under it.
#include "serve/model_registry.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <ranges>

#include "serve/model_repository.h"
#include "zenith/error.h"

namespace zenith::serve {

ModelRegistry::ModelRegistry(std::filesystem::path repository, ServingLimits limits, Log log,
                             Metrics* metrics)
    : repository_(std::move(repository)),
      limits_(limits),
      log_(std::move(log)),
      metrics_(metrics) {}

void ModelRegistry::install(const RepositoryModel& model) {
  Entry entry{model.stamp, {}, model.error};
  if (!model.error.empty())
    log_(fmt::format("model '{}': not served: {}", model.name, model.error));
  for (const auto& [version, file] : model.versions) {
    try {
      auto served =
          std::make_shared<ServedModel>(model.name, version, file, model.config, limits_, metrics_);
      log_(fmt::format("model '{}' version {}: ready ({}, {} instance{})", model.name, version,
                       file.string(), served->instances(), served->instances() == 1 ? "" : "s"));
      entry.versions[version] = std::move(served);
    } catch (const std::exception& e) {
      entry.error = fmt::format("version {}: {}", version, e.what());
      log_(fmt::format("model '{}' version {}: failed to load: {}", model.name, version, e.what()));
    }
  }
  const std::lock_guard lock(mutex_);
  models_[model.name] = std::move(entry);
}

void ModelRegistry::sync() {
  const std::lock_guard loading(loading_);
  const std::vector<RepositoryModel> models = scan_repository(repository_);
  std::vector<std::string> names;
  for (const RepositoryModel& model : models) {
    names.push_back(model.name);
    {
      const std::lock_guard lock(mutex_);
      const auto it = models_.find(model.name);
      if (it != models_.end() && it->second.stamp == model.stamp) continue;
    }
    install(model);
  }
  const std::lock_guard lock(mutex_);
  std::erase_if(models_, [&](const auto& m) {
    const bool gone = std::find(names.begin(), names.end(), m.first) == names.end();
    if (gone) log_(fmt::format("model '{}': removed from the repository, unloaded", m.first));
    return gone;
  });
}

void ModelRegistry::load(const std::string& name) {
  const std::lock_guard loading(loading_);
  const std::filesystem::path dir = repository_ / name;
  std::error_code ec;
  if (name.empty() || name.find('/') != std::string::npos || name[0] == '.' ||
      !std::filesystem::is_directory(dir, ec))
    reject(Status::not_found, "no model '{}' in the repository {}", name, repository_.string());
  const RepositoryModel model = scan_model(dir, name);
  install(model);
  const std::lock_guard lock(mutex_);
  const Entry& entry = models_.at(name);
  if (entry.versions.empty()) reject(Status::invalid_argument, "model '{}': {}", name, entry.error);
}

void ModelRegistry::unload(const std::string& name) {
  const std::lock_guard loading(loading_);
  const std::lock_guard lock(mutex_);
  if (models_.erase(name) == 0) reject(Status::not_found, "model '{}' is not loaded", name);
  log_(fmt::format("model '{}': unloaded", name));
}

std::shared_ptr<ServedModel> ModelRegistry::find(const std::string& name,
                                                 const std::string& version) const {
  const std::lock_guard lock(mutex_);
  const auto it = models_.find(name);
  if (it == models_.end()) reject(Status::not_found, "no model named '{}' is served", name);
  const Entry& entry = it->second;
  if (entry.versions.empty())
    reject(Status::not_found, "model '{}' is not served: {}", name, entry.error);
  if (version.empty()) return entry.versions.rbegin()->second;
  for (const auto& [v, served] : entry.versions)
    if (std::to_string(v) == version) return served;
  reject(Status::not_found, "model '{}' has no version '{}' served (versions: {})", name, version,
         fmt::join(entry.versions | std::views::keys, ", "));
}

std::vector<std::shared_ptr<ServedModel>> ModelRegistry::versions(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<ServedModel>> out;
  if (const auto it = models_.find(name); it != models_.end())
    for (const auto& [v, served] : it->second.versions) out.push_back(served);
  return out;
}

std::vector<ModelRegistry::IndexEntry> ModelRegistry::index() const {
  std::vector<std::string> names;
  for (const RepositoryModel& model : scan_repository(repository_)) names.push_back(model.name);
  const std::lock_guard lock(mutex_);
  for (const auto& [name, entry] : models_)
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  std::vector<IndexEntry> index;
  for (const std::string& name : names) {
    const auto it = models_.find(name);
    if (it == models_.end()) {
      index.push_back({name, "", "", ""});
      continue;
    }
    for (const auto& [v, served] : it->second.versions)
      index.push_back({name, std::to_string(v), "READY", ""});
    if (it->second.versions.empty()) index.push_back({name, "", "UNAVAILABLE", it->second.error});
  }
  return index;
}

}  // namespace zenith::serve
