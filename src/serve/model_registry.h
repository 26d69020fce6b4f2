// The models being served, by name and version, kept in step with the model repository: at
// start, then at each poll (models added, removed or replaced) or through the repository API
// (Triton's explicit model control). A model that fails to load is reported and left out; the
// others keep serving. Loading happens outside the lock: requests keep being answered by the
// versions already served until the new ones are ready, then switch at once.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "serve/model_repository.h"
#include "serve/served_model.h"

namespace zenith::serve {

class ModelRegistry {
 public:
  using Log = std::function<void(const std::string&)>;
  // `metrics` (or null) outlives the registry.
  ModelRegistry(std::filesystem::path repository, ServingLimits limits, Log log, Metrics* metrics);

  // Loads what is new or changed in the repository and unloads what is gone (poll mode).
  void sync();
  // The repository API: loads (or reloads) one model, unloads one. Throw RequestError:
  // not_found for a model the repository does not hold (load) or that is not loaded (unload),
  // invalid_argument when it fails to load (the message says why).
  void load(const std::string& name);
  void unload(const std::string& name);

  // A served model; version "" means its highest. Throws RequestError not_found naming what is
  // missing (and why, if it failed to load).
  std::shared_ptr<ServedModel> find(const std::string& name, const std::string& version) const;

  // Every served version of `name`, lowest first (none if it is not served).
  std::vector<std::shared_ptr<ServedModel>> versions(const std::string& name) const;

  struct IndexEntry {
    std::string name, version, state, reason;  // state "READY", "UNAVAILABLE" or "" (not loaded)
  };
  // Every model in the repository or loaded, and what became of it.
  std::vector<IndexEntry> index() const;

 private:
  struct Entry {
    std::string stamp;  // of the repository scan it was loaded from
    std::map<int64_t, std::shared_ptr<ServedModel>> versions;
    std::string error;  // why it (or a version) is not served
  };
  // Loads every version of `model` (outside the lock), then publishes them.
  void install(const RepositoryModel& model);

  const std::filesystem::path repository_;
  const ServingLimits limits_;
  const Log log_;
  Metrics* const metrics_;
  std::mutex loading_;  // one sync, load or unload at a time
  mutable std::mutex mutex_;
  std::map<std::string, Entry> models_;
};

}  // namespace zenith::serve
