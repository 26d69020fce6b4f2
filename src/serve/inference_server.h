// What both protocol front ends (REST, gRPC) serve: health, metadata and inference over the
// models of a ModelRegistry. Protocol-neutral: the front ends only decode and encode.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "serve/inference.h"
#include "serve/model_registry.h"

namespace zenith::serve {

struct TensorMetadata {
  std::string name, datatype;
  Shape shape;  // -1 for a dimension the model leaves open
};

struct ModelMetadata {
  std::string name, platform;
  std::vector<std::string> versions;
  std::vector<TensorMetadata> inputs, outputs;
};

class InferenceServer {
 public:
  // `metrics` (or null) outlives the server.
  InferenceServer(ModelRegistry& registry, Metrics* metrics)
      : registry_(registry), metrics_(metrics) {}

  static const char* name() { return "zenith"; }
  static const char* version();
  // The protocol extensions served, as the server metadata lists them.
  static std::vector<std::string> extensions();

  // Ready once the repository's models are loaded, until shutdown begins.
  bool ready() const { return ready_.load(); }
  void set_ready(bool ready) { ready_.store(ready); }

  // Throw RequestError (not_found) for an unknown model or version.
  ModelMetadata model_metadata(const std::string& model, const std::string& version) const;
  bool model_ready(const std::string& model, const std::string& version) const;
  // Throws RequestError (ServedModel::infer's).
  InferenceResponse infer(const InferenceRequest& request);
  // Inference requests inside infer() now (a drain waits for none).
  int in_flight() const { return in_flight_.load(); }
  // Counts a request that failed before reaching a model (a body that does not decode).
  void rejected() const {
    if (metrics_) metrics_->rejected();
  }
  // The metrics' text (empty without metrics).
  std::string metrics_text() const { return metrics_ ? metrics_->text() : ""; }

  ModelRegistry& registry() { return registry_; }

 private:
  ModelRegistry& registry_;
  Metrics* metrics_;
  std::atomic<bool> ready_{false};
  std::atomic<int> in_flight_{0};
};

}  // namespace zenith::serve
