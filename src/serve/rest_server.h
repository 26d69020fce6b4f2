// KServe v2 over HTTP/REST (cpp-httplib): health, metadata, inference (JSON and binary tensor
// data), Triton's repository API, errors as {"error": "..."} with the HTTP status of
// serve/inference.h's Status.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "serve/access_log.h"
#include "serve/inference_server.h"

namespace httplib {
class Server;
}

namespace zenith::serve {

struct RestOptions {
  std::string host = "0.0.0.0";
  int port = 8000;
  int threads = 64;                   // connections served at once
  size_t max_body_bytes = 256 << 20;  // larger requests get 413
  AccessLog* access_log = nullptr;    // or none; outlives the server
};

class RestServer {
 public:
  RestServer(InferenceServer& server, const RestOptions& options);
  ~RestServer();  // stop()s
  // Binds and starts serving on its own thread. Throws InvalidArgument naming the port when it
  // cannot bind.
  void start();
  // Stops accepting, lets the requests being answered finish, then returns.
  void stop();
  int port() const { return port_; }

 private:
  void routes();
  InferenceServer& server_;
  RestOptions options_;
  std::unique_ptr<httplib::Server> http_;
  std::thread thread_;
  int listen_socket_ = -1;
  int port_ = 0;
};

}  // namespace zenith::serve
