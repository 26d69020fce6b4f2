// CompiledModel::Impl: the session every request of a compiled model runs, and its streams.
#pragma once

#include <string>
#include <vector>

#include "runtime/model_impl.h"
#include "runtime/session.h"
#include "runtime/streams.h"
#include "zenith/compiled_model.h"

namespace zenith {

struct ZENITH_HIDDEN CompiledModel::Impl {
  Impl(const Model::Impl& model, const std::string& device, const Config& requested);

  Config config;  // resolved
  int threads_per_stream;
  std::string device;
  std::vector<Port> inputs;
  std::vector<Port> outputs;
  std::vector<NodePlacement> placement;
  runtime::Session session;
  runtime::Streams streams;  // last: its threads may run tasks that read the rest
};

namespace runtime {

// The config `requested` stands for on a machine with `cores` cores: streams and threads from
// the hint where they are 0. Throws Error (InvalidArgument) for negative counts.
Config resolve_config(const Config& requested, int cores);

}  // namespace runtime
}  // namespace zenith
