// GrpcServer: gRPC's synchronous server, one handler per RPC of GRPCInferenceService.
#include "serve/grpc_server.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "grpc_predict_v2.grpc.pb.h"
#include "ir/errors.h"
#include "serve/grpc_codec.h"

namespace zenith::serve {
namespace {

const char* code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    default:
      return "OTHER";
  }
}

grpc::StatusCode grpc_code(Status status) {
  switch (status) {
    case Status::invalid_argument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case Status::not_found:
      return grpc::StatusCode::NOT_FOUND;
    case Status::unavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case Status::resource_exhausted:
      return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case Status::deadline_exceeded:
      return grpc::StatusCode::DEADLINE_EXCEEDED;
    case Status::internal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

void add_tensors(
    const std::vector<TensorMetadata>& tensors,
    google::protobuf::RepeatedPtrField<inference::ModelMetadataResponse::TensorMetadata>* out) {
  for (const TensorMetadata& t : tensors) {
    auto* m = out->Add();
    m->set_name(t.name);
    m->set_datatype(t.datatype);
    for (int64_t d : t.shape) m->add_shape(d);
  }
}

class Service final : public inference::GRPCInferenceService::Service {
 public:
  Service(InferenceServer& server, AccessLog* log) : server_(server), log_(log) {}

  grpc::Status ServerLive(grpc::ServerContext* context, const inference::ServerLiveRequest* request,
                          inference::ServerLiveResponse* response) override {
    return answer(context, "ServerLive", "", *request, *response,
                  [&] { response->set_live(true); });
  }
  grpc::Status ServerReady(grpc::ServerContext* context,
                           const inference::ServerReadyRequest* request,
                           inference::ServerReadyResponse* response) override {
    return answer(context, "ServerReady", "", *request, *response,
                  [&] { response->set_ready(server_.ready()); });
  }
  grpc::Status ModelReady(grpc::ServerContext* context, const inference::ModelReadyRequest* request,
                          inference::ModelReadyResponse* response) override {
    return answer(context, "ModelReady", request->name(), *request, *response, [&] {
      response->set_ready(server_.model_ready(request->name(), request->version()));
    });
  }
  grpc::Status ServerMetadata(grpc::ServerContext* context,
                              const inference::ServerMetadataRequest* request,
                              inference::ServerMetadataResponse* response) override {
    return answer(context, "ServerMetadata", "", *request, *response, [&] {
      response->set_name(InferenceServer::name());
      response->set_version(InferenceServer::version());
      for (const std::string& e : InferenceServer::extensions()) response->add_extensions(e);
    });
  }
  grpc::Status ModelMetadata(grpc::ServerContext* context,
                             const inference::ModelMetadataRequest* request,
                             inference::ModelMetadataResponse* response) override {
    return answer(context, "ModelMetadata", request->name(), *request, *response, [&] {
      const serve::ModelMetadata m = server_.model_metadata(request->name(), request->version());
      response->set_name(m.name);
      for (const std::string& v : m.versions) response->add_versions(v);
      response->set_platform(m.platform);
      add_tensors(m.inputs, response->mutable_inputs());
      add_tensors(m.outputs, response->mutable_outputs());
    });
  }
  grpc::Status ModelInfer(grpc::ServerContext* context, const inference::ModelInferRequest* request,
                          inference::ModelInferResponse* response) override {
    return answer(context, "ModelInfer", request->model_name(), *request, *response, [&] {
      InferenceRequest decoded;
      try {
        decoded = decode_infer_request(*request);
      } catch (const RequestError&) {
        server_.rejected();
        throw;
      }
      encode_infer_response(server_.infer(decoded), request->raw_input_contents_size() > 0,
                            *response);
    });
  }

 private:
  // Runs `body`, turning its errors into the call's status, and logs the call.
  template <typename Body>
  grpc::Status answer(grpc::ServerContext* context, const char* call, const std::string& model,
                      const google::protobuf::Message& request,
                      const google::protobuf::Message& response, const Body& body) {
    const auto start = std::chrono::steady_clock::now();
    grpc::Status status = grpc::Status::OK;
    try {
      body();
    } catch (const RequestError& e) {
      status = {grpc_code(e.status()), e.what()};
    } catch (const std::exception& e) {
      status = {grpc::StatusCode::INTERNAL, e.what()};
    }
    if (log_) {
      const auto took = std::chrono::steady_clock::now() - start;
      log_->write({"grpc", call, model, status.ok() ? "OK" : code_name(status.error_code()),
                   std::chrono::duration_cast<std::chrono::microseconds>(took).count(),
                   request.ByteSizeLong(), response.ByteSizeLong(), context->peer()});
    }
    return status;
  }

  InferenceServer& server_;
  AccessLog* log_;
};

}  // namespace

struct GrpcServer::Impl {
  Impl(InferenceServer& server, const GrpcOptions& options)
      : service(server, options.access_log), options(options) {}
  Service service;
  GrpcOptions options;
  std::unique_ptr<grpc::Server> server;
};

GrpcServer::GrpcServer(InferenceServer& server, const GrpcOptions& options)
    : impl_(std::make_unique<Impl>(server, options)) {}

GrpcServer::~GrpcServer() { stop(); }

void GrpcServer::start() {
  const GrpcOptions& o = impl_->options;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(fmt::format("{}:{}", o.host, o.port), grpc::InsecureServerCredentials(),
                           &port_);
  // gRPC shares a port by default (SO_REUSEPORT): a second server started on a taken port must
  // fail instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(o.max_message_bytes);
  builder.SetMaxSendMessageSize(o.max_message_bytes);
  builder.RegisterService(&impl_->service);
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || port_ <= 0)
    throw_invalid_argument("--grpc-port {}: cannot listen on {}:{} (in use?)", o.port, o.host,
                           o.port);
}

void GrpcServer::stop() {
  if (!impl_->server) return;
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  impl_->server->Wait();
  impl_->server.reset();
}

}  // namespace zenith::serve
