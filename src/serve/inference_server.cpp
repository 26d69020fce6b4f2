// InferenceServer: the registry's models behind the protocol's questions.
#include "serve/inference_server.h"

#include "serve/datatype.h"

namespace zenith::serve {
namespace {

std::vector<TensorMetadata> tensors(const std::vector<Port>& ports) {
  std::vector<TensorMetadata> out;
  for (const Port& p : ports)
    out.push_back({p.name, datatype_name(p.element_type), p.has_shape ? p.shape : Shape{-1}});
  return out;
}

}  // namespace

const char* InferenceServer::version() { return ZENITH_VERSION; }

std::vector<std::string> InferenceServer::extensions() {
  return {"binary_tensor_data", "model_repository"};
}

ModelMetadata InferenceServer::model_metadata(const std::string& model,
                                              const std::string& version) const {
  const std::shared_ptr<ServedModel> served = registry_.find(model, version);
  ModelMetadata m{served->name(),
                  served->platform(),
                  {},
                  tensors(served->inputs()),
                  tensors(served->outputs())};
  if (!version.empty())
    m.versions = {version};
  else
    for (const std::shared_ptr<ServedModel>& v : registry_.versions(model))
      m.versions.push_back(std::to_string(v->version()));
  return m;
}

bool InferenceServer::model_ready(const std::string& model, const std::string& version) const {
  try {
    registry_.find(model, version);
    return true;
  } catch (const RequestError&) {
    return false;
  }
}

InferenceResponse InferenceServer::infer(const InferenceRequest& request) {
  ++in_flight_;
  struct Leave {
    std::atomic<int>& count;
    ~Leave() { --count; }
  } leave{in_flight_};
  std::shared_ptr<ServedModel> model;
  try {
    if (!ready())
      reject(Status::unavailable, "the server is not ready (starting or shutting down)");
    model = registry_.find(request.model, request.version);
  } catch (const RequestError&) {
    rejected();
    throw;
  }
  return model->infer(request);
}

}  // namespace zenith::serve
