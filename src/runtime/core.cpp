// Core: reading and compiling models.
#include "zenith/core.h"

#include "runtime/compiled_model_impl.h"
#include "runtime/model_impl.h"

namespace zenith {

Model Core::read_model(const std::filesystem::path& path) const {
  return Model(std::make_shared<Model::Impl>(runtime::load_graph(path)));
}

CompiledModel Core::compile_model(const Model& model, const std::string& device,
                                  const Config& config) const {
  return CompiledModel(std::make_shared<CompiledModel::Impl>(*model.impl_, device, config));
}

CompiledModel Core::compile_model(const std::filesystem::path& path, const std::string& device,
                                  const Config& config) const {
  return compile_model(read_model(path), device, config);
}

std::vector<std::string> Core::available_devices() const { return runtime::available_devices(); }

}  // namespace zenith
