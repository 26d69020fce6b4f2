// A served model's settings: DIR/<model>/config.json in the model repository (every key
// optional; an unknown key is an error, so that a misspelt one is not silently ignored).
//
//   {"device": "CPU", "precision": "f32", "max_batch_size": 8, "max_queue_delay_us": 500,
//    "instances": 2, "version_policy": {"latest": 2}}
//
// version_policy: {"latest": N} (the N highest versions; the default is 1), "all", or
// {"specific": [1, 3]}; Triton's spellings {"latest": {"num_versions": N}} and
// {"specific": {"versions": [...]}} are read too.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace zenith::serve {

struct VersionPolicy {
  enum class Kind { latest, all, specific } kind = Kind::latest;
  int64_t latest = 1;             // for latest
  std::vector<int64_t> versions;  // for specific
  // The versions to serve out of those present (any order in, ascending out).
  std::vector<int64_t> select(std::vector<int64_t> present) const;
};

struct ModelConfig {
  std::string device = "CPU";  // as Core::compile_model takes it
  std::string precision = "f32";
  // Requests are merged into batches of up to this many along the first dimension (0: not
  // batched, each request runs as it comes).
  int64_t max_batch_size = 0;
  // How long the first request of a batch waits for others.
  int64_t max_queue_delay_us = 0;
  // Requests that run at once (0: as many as the compiled model's streams).
  int64_t instances = 0;
  VersionPolicy version_policy;
};

// Reads `path`; a missing file gives the defaults. Throws InvalidArgument naming the file and the
// key for malformed JSON, an unknown key or a value of the wrong type or range.
ModelConfig read_model_config(const std::filesystem::path& path);

}  // namespace zenith::serve
