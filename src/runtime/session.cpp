// Session: device selection and running a graph.
#include "runtime/session.h"

#include <algorithm>

#include "frontend/onnx/model_loader.h"
#include "ir/errors.h"

namespace zenith::runtime {

std::vector<std::string> available_devices() { return {"REF"}; }

Session::Session(ir::Graph graph, const std::string& device)
    : graph_(std::move(graph)), device_(device) {
  const auto devices = available_devices();
  if (std::find(devices.begin(), devices.end(), device) == devices.end())
    throw_invalid_argument("unknown device '{}'; available devices: {}", device,
                           fmt::join(devices, ", "));
  interpreter_.check_supported(graph_);
}

std::vector<ir::Value> Session::run(const std::map<std::string, ir::Value>& feeds,
                                    uint64_t seed) const {
  return interpreter_.run(graph_, feeds, seed);
}

ir::Graph load_graph(const std::filesystem::path& path) {
  const std::string ext = path.extension().string();
  if (ext != ".onnx")
    throw_invalid_argument("{}: unknown model format '{}'; expected an .onnx file", path.string(), ext);
  return onnx_frontend::load_model(path);
}

}  // namespace zenith::runtime
