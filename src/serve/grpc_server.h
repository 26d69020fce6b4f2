// KServe v2 over gRPC: the GRPCInferenceService of proto/grpc_predict_v2.proto, so that stock
// KServe and Triton clients work unchanged. Errors are the call's status, mapped from
// serve/inference.h's Status (INVALID_ARGUMENT, NOT_FOUND, RESOURCE_EXHAUSTED, ...).
#pragma once

#include <memory>
#include <string>

#include "serve/access_log.h"
#include "serve/inference_server.h"

namespace zenith::serve {

struct GrpcOptions {
  std::string host = "0.0.0.0";
  int port = 8001;
  // Inference calls run at once, each on a thread of a fixed pool; 4 per thread more may wait for
  // one, and calls beyond those are refused with RESOURCE_EXHAUSTED.
  int threads = 64;
  int max_message_bytes = 256 << 20;
  AccessLog* access_log = nullptr;  // or none; outlives the server
};

class GrpcServer {
 public:
  GrpcServer(InferenceServer& server, const GrpcOptions& options);
  ~GrpcServer();  // stop()s
  // Throws InvalidArgument naming the port when it cannot listen.
  void start();
  // Stops accepting; calls in flight get 1 s more to finish, then are cancelled.
  void stop();
  int port() const { return port_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace zenith::serve
