// config.json, read with nlohmann::json; each key checked for its type and range.
#include "serve/model_config.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "ir/errors.h"

namespace zenith::serve {
namespace {

using nlohmann::json;

int64_t non_negative(const std::filesystem::path& path, const std::string& key, const json& v) {
  if (!v.is_number_integer() || v.get<int64_t>() < 0)
    throw_invalid_argument("{}: \"{}\" must be a non-negative integer, not {}", path.string(), key,
                           v.dump());
  return v.get<int64_t>();
}

std::vector<int64_t> version_list(const std::filesystem::path& path, const json& v) {
  if (!v.is_array() || v.empty())
    throw_invalid_argument("{}: version_policy \"specific\" takes a list of versions, not {}",
                           path.string(), v.dump());
  std::vector<int64_t> versions;
  for (const json& x : v) {
    if (!x.is_number_integer() || x.get<int64_t>() < 1)
      throw_invalid_argument("{}: version_policy: a version is a positive integer, not {}",
                             path.string(), x.dump());
    versions.push_back(x.get<int64_t>());
  }
  return versions;
}

VersionPolicy parse_policy(const std::filesystem::path& path, const json& v) {
  VersionPolicy policy;
  if (v == "all" || (v.is_object() && v.size() == 1 && v.contains("all"))) {
    policy.kind = VersionPolicy::Kind::all;
  } else if (v.is_object() && v.size() == 1 && v.contains("latest")) {
    const json& n =
        v["latest"].is_object() ? v["latest"].value("num_versions", json()) : v["latest"];
    policy.latest = non_negative(path, "version_policy.latest", n);
    if (policy.latest == 0)
      throw_invalid_argument("{}: version_policy \"latest\" needs at least 1", path.string());
  } else if (v.is_object() && v.size() == 1 && v.contains("specific")) {
    policy.kind = VersionPolicy::Kind::specific;
    const json& list =
        v["specific"].is_object() ? v["specific"].value("versions", json()) : v["specific"];
    policy.versions = version_list(path, list);
  } else {
    throw_invalid_argument(
        "{}: version_policy must be {{\"latest\": N}}, \"all\" or {{\"specific\": [...]}}, not {}",
        path.string(), v.dump());
  }
  return policy;
}

}  // namespace

std::vector<int64_t> VersionPolicy::select(std::vector<int64_t> present) const {
  std::sort(present.begin(), present.end());
  switch (kind) {
    case Kind::all:
      return present;
    case Kind::latest:
      if (present.size() > static_cast<size_t>(latest))
        present.erase(present.begin(), present.end() - latest);
      return present;
    case Kind::specific:
      std::erase_if(present, [&](int64_t v) {
        return std::find(versions.begin(), versions.end(), v) == versions.end();
      });
      return present;
  }
  return present;
}

ModelConfig read_model_config(const std::filesystem::path& path) {
  ModelConfig config;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return config;
  std::ifstream file(path);
  if (!file) throw_invalid_argument("{}: cannot be read", path.string());
  const json doc = json::parse(file, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object())
    throw_invalid_argument("{}: not a JSON object", path.string());
  for (const auto& [key, v] : doc.items()) {
    if (key == "device" || key == "precision") {
      if (!v.is_string())
        throw_invalid_argument("{}: \"{}\" must be a string, not {}", path.string(), key, v.dump());
      (key == "device" ? config.device : config.precision) = v.get<std::string>();
    } else if (key == "max_batch_size") {
      config.max_batch_size = non_negative(path, key, v);
    } else if (key == "max_queue_delay_us") {
      config.max_queue_delay_us = non_negative(path, key, v);
    } else if (key == "instances") {
      config.instances = non_negative(path, key, v);
    } else if (key == "version_policy") {
      config.version_policy = parse_policy(path, v);
    } else {
      throw_invalid_argument(
          "{}: unknown key \"{}\" (known: device, precision, max_batch_size, max_queue_delay_us, "
          "instances, version_policy)",
          path.string(), key);
    }
  }
  return config;
}

}  // namespace zenith::serve
