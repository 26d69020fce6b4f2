// One version of a model, compiled, warmed up and answering requests: the inputs checked
// against the model's ports, each run on one of a fixed set of infer requests (the model's
// instances), requests beyond them waiting in a bounded queue.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include "serve/dynamic_batcher.h"
#include "serve/inference.h"
#include "serve/metrics.h"
#include "serve/model_config.h"
#include "zenith/compiled_model.h"

namespace zenith::serve {

struct ServingLimits {
  int threads = 0;                 // per model, for all its instances (0: every core)
  size_t max_queue = 64;           // requests waiting for an instance, beyond those running
  int64_t default_timeout_us = 0;  // a request's, unless it sets one (0: none)
};

class ServedModel {
 public:
  // Compiles `file` as `config` says and runs one inference on zeros (symbolic dimensions 1;
  // every batch size a batched model runs), so that a model is ready only once it has
  // answered. Throws Error naming the file. Records into `metrics` (if any), which outlives it.
  ServedModel(std::string name, int64_t version, const std::filesystem::path& file,
              const ModelConfig& config, const ServingLimits& limits, Metrics* metrics);

  const std::string& name() const { return name_; }
  int64_t version() const { return version_; }
  const std::string& platform() const { return platform_; }
  const std::vector<Port>& inputs() const { return compiled_.inputs(); }
  const std::vector<Port>& outputs() const { return compiled_.outputs(); }
  const ModelConfig& config() const { return config_; }
  int instances() const { return instances_; }
  // The batch sizes a batched model runs (empty when max_batch_size is 0).
  std::vector<int64_t> batch_sizes() const {
    return batcher_ ? batcher_->sizes() : std::vector<int64_t>{};
  }

  // Runs `request` (thread-safe). Throws RequestError: invalid_argument for inputs that do not
  // fit the model (naming the input), resource_exhausted when the queue is full,
  // deadline_exceeded when its timeout passes while queued, internal when the run fails.
  InferenceResponse infer(const InferenceRequest& request);

 private:
  InferenceResponse run(const InferenceRequest& request);
  void check(const InferenceRequest& request) const;
  size_t acquire(std::chrono::steady_clock::time_point deadline, bool has_deadline);
  void release(size_t slot);

  std::string name_;
  int64_t version_;
  std::string platform_;
  std::optional<ModelMetrics> metrics_;
  ModelConfig config_;
  ServingLimits limits_;
  CompiledModel compiled_;
  int instances_ = 0;
  std::vector<InferRequest> requests_;       // unbatched: run on the caller's thread
  std::unique_ptr<DynamicBatcher> batcher_;  // batched: run by its workers

  std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<size_t> idle_;  // indices into requests_
  size_t waiting_ = 0;
};

}  // namespace zenith::serve
