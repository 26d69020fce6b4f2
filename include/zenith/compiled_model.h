// zenith::CompiledModel: a model compiled for a device, and the requests that run it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "zenith/config.h"
#include "zenith/export.h"
#include "zenith/infer_request.h"
#include "zenith/model.h"

namespace zenith {

// Where a node of the model runs, and why not on a preferred device.
struct NodePlacement {
  std::string node;
  std::string op;
  std::string device;      // "CPU" or "REF"
  std::string reason;      // why it is not on the first device asked for ("" when it is)
  std::string fused_into;  // the node whose step computes it ("" if none)
  std::string precision;   // what its step computes in, for convolutions and matrix products
                           // on CPU: "f32", "bf16", "int8" ("" for other steps)
};

// A handle: copies share the compiled model. Thread-safe: requests may be created and run from
// any thread. Outlives nothing: requests keep what they need alive.
class ZENITH_API CompiledModel {
 public:
  InferRequest create_infer_request() const;
  // How many requests in flight keep the device busy (the number of streams).
  int optimal_number_of_requests() const;
  // The config as resolved: the hint, and the streams and threads it chose.
  const Config& config() const;
  const std::string& device() const;
  const std::vector<Port>& inputs() const;
  const std::vector<Port>& outputs() const;
  // Every node of the model as compiled (after graph passes), in order.
  const std::vector<NodePlacement>& placement() const;

  struct Impl;  // defined by the runtime

 private:
  friend class Core;
  explicit CompiledModel(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace zenith
