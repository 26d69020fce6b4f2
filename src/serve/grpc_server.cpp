// GrpcServer: one handler per RPC of GRPCInferenceService, on gRPC's callback API.
#include "serve/grpc_server.h"

#include <google/protobuf/stubs/logging.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>

#include "grpc_predict_v2.grpc.pb.h"
#include "ir/errors.h"
#include "serve/grpc_codec.h"
#include "serve/worker_pool.h"

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
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
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

// gRPC's callback API: the cheap calls are answered on gRPC's own threads, inference on a
// WorkerPool of --grpc-threads. (gRPC's synchronous server started a thread for each call that
// found every thread in a handler, without bound: clients that cancelled their calls while the
// model was busy grew it by hundreds, and a thread quota refused calls short of its count.)
class Service final : public inference::GRPCInferenceService::WithRawCallbackMethod_ModelInfer<
                          inference::GRPCInferenceService::CallbackService> {
 public:
  Service(InferenceServer& server, AccessLog* log, int threads)
      : server_(server),
        log_(log),
        pool_(threads, kBacklogPerThread * static_cast<size_t>(std::max(threads, 1))) {}

  grpc::ServerUnaryReactor* ServerLive(grpc::CallbackServerContext* context,
                                       const inference::ServerLiveRequest* request,
                                       inference::ServerLiveResponse* response) override {
    return finish(context, "ServerLive", "", *request, *response,
                  [&] { response->set_live(true); });
  }
  grpc::ServerUnaryReactor* ServerReady(grpc::CallbackServerContext* context,
                                        const inference::ServerReadyRequest* request,
                                        inference::ServerReadyResponse* response) override {
    return finish(context, "ServerReady", "", *request, *response,
                  [&] { response->set_ready(server_.ready()); });
  }
  grpc::ServerUnaryReactor* ModelReady(grpc::CallbackServerContext* context,
                                       const inference::ModelReadyRequest* request,
                                       inference::ModelReadyResponse* response) override {
    return finish(context, "ModelReady", request->name(), *request, *response, [&] {
      response->set_ready(server_.model_ready(request->name(), request->version()));
    });
  }
  grpc::ServerUnaryReactor* ServerMetadata(grpc::CallbackServerContext* context,
                                           const inference::ServerMetadataRequest* request,
                                           inference::ServerMetadataResponse* response) override {
    return finish(context, "ServerMetadata", "", *request, *response, [&] {
      response->set_name(InferenceServer::name());
      response->set_version(InferenceServer::version());
      for (const std::string& e : InferenceServer::extensions()) response->add_extensions(e);
    });
  }
  grpc::ServerUnaryReactor* ModelMetadata(grpc::CallbackServerContext* context,
                                          const inference::ModelMetadataRequest* request,
                                          inference::ModelMetadataResponse* response) override {
    return finish(context, "ModelMetadata", request->name(), *request, *response, [&] {
      const serve::ModelMetadata m = server_.model_metadata(request->name(), request->version());
      response->set_name(m.name);
      for (const std::string& v : m.versions) response->add_versions(v);
      response->set_platform(m.platform);
      add_tensors(m.inputs, response->mutable_inputs());
      add_tensors(m.outputs, response->mutable_outputs());
    });
  }
  // Raw bytes, parsed on the pool's thread: gRPC's own parsing answered a message that does
  // not parse with UNIMPLEMENTED, as if the method did not exist.
  grpc::ServerUnaryReactor* ModelInfer(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const bool queued = pool_.post([this, context, request, response, reactor] {
      // (Deserialize reads the bytes out of the buffer gRPC passes, which nothing reads again.)
      reactor->Finish(infer_call(context, const_cast<grpc::ByteBuffer&>(*request), *response));
    });
    if (!queued) {
      const inference::ModelInferRequest none;
      reactor->Finish(answer(context, "ModelInfer", none.model_name(), none, none, [this] {
        reject(Status::resource_exhausted,
               "{} inference calls wait for a thread already (the limit)", pool_.max_backlog());
      }));
    }
    return reactor;
  }

 private:
  // Inference calls that may wait for one of the pool's threads, per thread.
  static constexpr size_t kBacklogPerThread = 4;

  grpc::Status infer_call(grpc::CallbackServerContext* context, grpc::ByteBuffer& raw,
                          grpc::ByteBuffer& out) {
    inference::ModelInferRequest request;
    inference::ModelInferResponse response;
    const bool parsed =
        grpc::SerializationTraits<inference::ModelInferRequest>::Deserialize(&raw, &request).ok();
    const grpc::Status status =
        answer(context, "ModelInfer", request.model_name(), request, response, [&] {
          if (!parsed) {
            server_.rejected();
            reject(Status::invalid_argument,
                   "the request does not parse as a ModelInferRequest (malformed protobuf, or "
                   "a string field that is not UTF-8)");
          }
          infer(*context, request, response);
        });
    bool own_buffer = false;
    if (status.ok())
      grpc::SerializationTraits<inference::ModelInferResponse>::Serialize(response, &out,
                                                                          &own_buffer);
    return status;
  }

  void infer(const grpc::CallbackServerContext& context,
             const inference::ModelInferRequest& request, inference::ModelInferResponse& response) {
    InferenceRequest decoded;
    try {
      decoded = decode_infer_request(request);
    } catch (const RequestError&) {
      server_.rejected();
      throw;
    }
    // The call's deadline bounds its time in the model's queue, like parameters.timeout_us:
    // a request its client has given up on is dropped rather than run.
    const auto deadline = context.deadline();
    if (deadline != std::chrono::system_clock::time_point::max()) {
      const auto left = std::chrono::duration_cast<std::chrono::microseconds>(
          deadline - std::chrono::system_clock::now());
      decoded.timeout_us =
          std::max<int64_t>(std::min(left.count(), decoded.timeout_us.value_or(left.count())), 1);
    }
    encode_infer_response(server_.infer(decoded), request.raw_input_contents_size() > 0, response);
  }

  // answer() on the calling thread, and the call finished with its status.
  template <typename Body>
  grpc::ServerUnaryReactor* finish(grpc::CallbackServerContext* context, const char* call,
                                   const std::string& model,
                                   const google::protobuf::Message& request,
                                   const google::protobuf::Message& response, const Body& body) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(answer(context, call, model, request, response, body));
    return reactor;
  }

  // Runs `body`, turning its errors into the call's status, and logs the call.
  template <typename Body>
  grpc::Status answer(grpc::CallbackServerContext* context, const char* call,
                      const std::string& model, const google::protobuf::Message& request,
                      const google::protobuf::Message& response, const Body& body) {
    const auto start = std::chrono::steady_clock::now();
    grpc::Status status = grpc::Status::OK;
    try {
      // A call cancelled, or past its deadline, while it waited for a thread is not run.
      if (context->IsCancelled())
        status = grpc::Status::CANCELLED;
      else
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
  WorkerPool pool_;  // last: its threads run calls that use the members above
};

}  // namespace

struct GrpcServer::Impl {
  Impl(InferenceServer& server, const GrpcOptions& options)
      : service(server, options.access_log, options.threads), options(options) {}
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
  // libprotobuf logs an ERROR line for every message with a string that is not UTF-8: any client
  // could fill the server's log with them. The call's INVALID_ARGUMENT says why instead.
  google::protobuf::SetLogHandler(nullptr);
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
  // The calls in flight had the drain to finish (serve_command); a second more covers one that is
  // sending its answer. Channels left open, however idle, held Shutdown to its deadline.
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  impl_->server->Wait();
  impl_->server.reset();
}

}  // namespace zenith::serve
