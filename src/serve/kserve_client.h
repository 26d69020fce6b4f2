// A KServe v2 client, over REST (the binary tensor data extension) or gRPC (raw contents): what
// `zenith bench --server` drives a server with. One client is one connection, used by one
// thread at a time.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "serve/inference_server.h"
#include "zenith/tensor.h"

namespace zenith::serve {

class KserveClient {
 public:
  enum class Protocol { rest, grpc };
  // "rest" or "grpc"; throws InvalidArgument otherwise.
  static Protocol parse_protocol(const std::string& name);
  // `address`: "host:port" (REST also takes "http://host:port"). Connects lazily: errors come
  // from the first call.
  static std::unique_ptr<KserveClient> connect(Protocol protocol, const std::string& address);
  virtual ~KserveClient() = default;

  // Throw Error (Unavailable) naming the server when it cannot be reached, (InvalidArgument)
  // with the server's message when it answers with an error.
  virtual ModelMetadata metadata(const std::string& model) = 0;
  // One inference; the outputs in the order the server sends them.
  virtual std::vector<Tensor> infer(const std::string& model,
                                    const std::vector<std::pair<std::string, Tensor>>& inputs) = 0;
};

}  // namespace zenith::serve
