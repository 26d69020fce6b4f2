// CompiledModel: config resolution, placement, and making requests.
#include <algorithm>

#include "ir/errors.h"
#include "runtime/compiled_model_impl.h"
#include "runtime/cpu_quota.h"
#include "runtime/infer_request_impl.h"

namespace zenith {
namespace runtime {

Config resolve_config(const Config& requested, int cores) {
  if (requested.num_streams < 0)
    throw_invalid_argument("Config: num_streams is {}, expected >= 0 (0: from the hint)",
                           requested.num_streams);
  if (requested.num_threads < 0)
    throw_invalid_argument("Config: num_threads is {}, expected >= 0 (0: every core)",
                           requested.num_threads);
  Config config = requested;
  const int threads = requested.num_threads > 0 ? requested.num_threads : std::max(cores, 1);
  if (config.num_streams == 0)
    // Throughput: one stream per core on small machines, where a model's layers cannot keep
    // several cores busy at batch 1 as well as separate requests can; 4 threads per stream on
    // larger ones, so that each stream's memory stays bounded.
    config.num_streams = requested.hint == PerformanceHint::latency ? 1
                         : threads <= 4                             ? threads
                                                                    : threads / 4;
  config.num_threads = std::max(threads / config.num_streams, 1) * config.num_streams;
  return config;
}

}  // namespace runtime

const char* to_string(PerformanceHint hint) {
  return hint == PerformanceHint::latency ? "LATENCY" : "THROUGHPUT";
}

const char* to_string(InferencePrecision precision) {
  switch (precision) {
    case InferencePrecision::f32:
      return "f32";
    case InferencePrecision::bf16:
      return "bf16";
    case InferencePrecision::automatic:
      return "auto";
  }
  return "?";
}

InferencePrecision parse_inference_precision(const std::string& text) {
  if (text == "f32" || text == "fp32") return InferencePrecision::f32;
  if (text == "bf16") return InferencePrecision::bf16;
  if (text == "auto") return InferencePrecision::automatic;
  throw_invalid_argument("inference precision '{}': expected f32 (or fp32), bf16 or auto", text);
}

CompiledModel::Impl::Impl(const Model::Impl& model, const std::string& device_name,
                          const Config& requested)
    : config(runtime::resolve_config(requested, runtime::usable_cores())),
      threads_per_stream(config.num_threads / config.num_streams),
      device(device_name),
      inputs(model.inputs),
      outputs(model.outputs),
      session(model.graph, device_name, threads_per_stream, config.inference_precision),
      streams(config.num_streams) {
  for (const hetero::Assignment& a : session.assignments())
    placement.push_back({a.node, a.op_type, a.device, a.reason, a.fused_into, a.precision});
}

InferRequest CompiledModel::create_infer_request() const {
  return InferRequest(std::make_shared<InferRequest::Impl>(impl_));
}

int CompiledModel::optimal_number_of_requests() const { return impl_->config.num_streams; }
const Config& CompiledModel::config() const { return impl_->config; }
const std::string& CompiledModel::device() const { return impl_->device; }
const std::vector<Port>& CompiledModel::inputs() const { return impl_->inputs; }
const std::vector<Port>& CompiledModel::outputs() const { return impl_->outputs; }
const std::vector<NodePlacement>& CompiledModel::placement() const { return impl_->placement; }

}  // namespace zenith
