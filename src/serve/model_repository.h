// The model repository, as Triton and KServe lay it out:
//
//   DIR/<model>/config.json            optional (serve/model_config.h)
//   DIR/<model>/<version>/model.onnx   or model.zir; versions are positive integers
//
// scan_repository() reads what is there now; the server loads it, and polling compares each
// model's stamp to find models added, removed or replaced.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "serve/model_config.h"

namespace zenith::serve {

struct RepositoryModel {
  std::string name;
  ModelConfig config;
  std::map<int64_t, std::filesystem::path> versions;  // those the version policy selects
  // Why the model cannot be served ("" if it can): a bad config.json, no version to serve.
  std::string error;
  // Changes when the config or any selected version's file changes (path, size, time).
  std::string stamp;
};

// Every model folder of `dir` (hidden ones skipped), by name. Throws InvalidArgument if `dir`
// is not a readable folder; a broken model is returned with its error, not thrown.
std::vector<RepositoryModel> scan_repository(const std::filesystem::path& dir);

// The same for one model folder (the repository API's load).
RepositoryModel scan_model(const std::filesystem::path& dir, const std::string& name);

}  // namespace zenith::serve
