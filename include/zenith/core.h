// zenith::Core: the entry point: reads models and compiles them for devices.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "zenith/compiled_model.h"
#include "zenith/config.h"
#include "zenith/export.h"
#include "zenith/model.h"

namespace zenith {

// Stateless and thread-safe; make one wherever convenient.
class ZENITH_API Core {
 public:
  // Reads an ONNX model. Throws Error (InvalidModel) naming the file and what is wrong with it.
  Model read_model(const std::filesystem::path& path) const;
  // Compiles for `device`: "CPU" (oneDNN; nodes it cannot run go to REF), "REF" (plain
  // reference kernels) or "HETERO:CPU,REF" (each node on the first of the devices listed that
  // runs it). Throws Error (InvalidArgument) for an unknown device or a bad config, Unsupported
  // when no device runs a node.
  CompiledModel compile_model(const Model& model, const std::string& device = "CPU",
                              const Config& config = {}) const;
  CompiledModel compile_model(const std::filesystem::path& path, const std::string& device = "CPU",
                              const Config& config = {}) const;
  // "CPU", "REF", "HETERO:CPU,REF".
  std::vector<std::string> available_devices() const;
};

}  // namespace zenith
