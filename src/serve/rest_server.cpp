// RestServer: the routes of KServe v2's REST protocol on cpp-httplib.
#include "serve/rest_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <charconv>
#include <chrono>
#include <limits>
#include <nlohmann/json.hpp>

#include "ir/errors.h"
#include "serve/rest_codec.h"

namespace zenith::serve {
namespace {

using nlohmann::json;

int http_status(Status status) {
  switch (status) {
    case Status::invalid_argument:
      return 400;
    case Status::not_found:
      return 404;
    case Status::unavailable:
    case Status::resource_exhausted:
      return 503;
    case Status::deadline_exceeded:
      return 504;
    case Status::internal:
      return 500;
  }
  return 500;
}

void send_json(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(error_body(message), "application/json");
}

// The model and version a route's pattern caught ("" when the version was left out).
std::pair<std::string, std::string> model_and_version(const httplib::Request& req) {
  return {req.matches[1].str(), req.matches.size() > 2 ? req.matches[2].str() : ""};
}

json tensors_json(const std::vector<TensorMetadata>& tensors) {
  json out = json::array();
  for (const TensorMetadata& t : tensors)
    out.push_back({{"name", t.name}, {"datatype", t.datatype}, {"shape", t.shape}});
  return out;
}

std::optional<size_t> header_length(const httplib::Request& req) {
  if (!req.has_header("Inference-Header-Content-Length")) return std::nullopt;
  const std::string text = req.get_header_value("Inference-Header-Content-Length");
  size_t length = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
  if (ec != std::errc() || end != text.data() + text.size())
    reject(Status::invalid_argument, "Inference-Header-Content-Length '{}' is not a byte count",
           text);
  return length;
}

constexpr const char* kModel = R"(/v2/models/([^/]+)(?:/versions/([^/]+))?)";

// When the request this thread is answering arrived (httplib serves a connection on one thread,
// a request at a time): its access log line's duration.
thread_local std::chrono::steady_clock::time_point request_start;

}  // namespace

RestServer::RestServer(InferenceServer& server, const RestOptions& options)
    : server_(server), options_(options), http_(std::make_unique<httplib::Server>()) {
  const int threads = std::max(options.threads, 1);
  http_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http_->set_payload_max_length(options.max_body_bytes);
  // cpp-httplib gives each connection a thread until it closes: a client's keep-alive connection
  // is served to the end rather than cut after httplib's default 5 requests, and the pool must
  // hold as many threads as clients connect at once (--http-threads). Small requests and
  // answers go out at once, not after Nagle's wait for an acknowledgement.
  http_->set_keep_alive_max_count(std::numeric_limits<size_t>::max());
  http_->set_tcp_nodelay(true);
  // SO_REUSEADDR rather than httplib's SO_REUSEPORT: a second server started on a taken port
  // must fail to bind, not quietly share the port's connections with the first. The listening
  // socket is kept so that start() can widen its queue.
  http_->set_socket_options([this](int socket) {
    const int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket_ = socket;
  });
  // curl --data-binary and Python's urllib label a body form data unless told otherwise, and
  // Debian's cpp-httplib 0.11 answers 413 to form data over 8 KiB whatever the payload limit
  // (yhirose/cpp-httplib#1737). KServe bodies are never forms: the label is dropped before the
  // body is read.
  http_->set_pre_routing_handler([](const httplib::Request& req, httplib::Response&) {
    request_start = std::chrono::steady_clock::now();
    auto& headers = const_cast<httplib::Headers&>(req.headers);
    const auto it = headers.find("Content-Type");
    if (it != headers.end() && it->second.starts_with("application/x-www-form-urlencoded"))
      headers.erase(it);
    return httplib::Server::HandlerResponse::Unhandled;
  });
  routes();
  if (AccessLog* log = options.access_log)
    http_->set_logger([log](const httplib::Request& req, const httplib::Response& res) {
      std::string model;
      if (req.path.starts_with("/v2/models/")) {
        model = req.path.substr(11);
        model = model.substr(0, model.find('/'));
      }
      const auto took = std::chrono::steady_clock::now() - request_start;
      log->write({"rest", req.method + " " + req.path, model, std::to_string(res.status),
                  std::chrono::duration_cast<std::chrono::microseconds>(took).count(),
                  req.body.size(), res.body.size(),
                  fmt::format("{}:{}", req.remote_addr, req.remote_port)});
    });
}

RestServer::~RestServer() { stop(); }

void RestServer::routes() {
  // Every handler's errors become {"error": ...} with the status of their kind.
  const auto guarded = [](auto handler) {
    return [handler](const httplib::Request& req, httplib::Response& res) {
      try {
        handler(req, res);
      } catch (const RequestError& e) {
        send_error(res, http_status(e.status()), e.what());
      } catch (const std::exception& e) {
        send_error(res, 500, e.what());
      }
    };
  };
  http_->Get("/v2/health/live",
             [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  http_->Get("/v2/health/ready", [this](const httplib::Request&, httplib::Response& res) {
    res.status = server_.ready() ? 200 : 503;
  });
  http_->Get("/v2", guarded([](const httplib::Request&, httplib::Response& res) {
               send_json(res, {{"name", InferenceServer::name()},
                               {"version", InferenceServer::version()},
                               {"extensions", InferenceServer::extensions()}});
             }));
  http_->Get(kModel, guarded([this](const httplib::Request& req, httplib::Response& res) {
               const auto [model, version] = model_and_version(req);
               const ModelMetadata m = server_.model_metadata(model, version);
               send_json(res, {{"name", m.name},
                               {"versions", m.versions},
                               {"platform", m.platform},
                               {"inputs", tensors_json(m.inputs)},
                               {"outputs", tensors_json(m.outputs)}});
             }));
  http_->Get(std::string(kModel) + "/ready",
             guarded([this](const httplib::Request& req, httplib::Response& res) {
               const auto [model, version] = model_and_version(req);
               res.status = server_.model_ready(model, version) ? 200 : 404;
             }));
  http_->Post(std::string(kModel) + "/infer",
              guarded([this](const httplib::Request& req, httplib::Response& res) {
                const auto [model, version] = model_and_version(req);
                InferenceRequest request;
                try {
                  request = decode_infer_request(req.body, header_length(req), model, version);
                } catch (const RequestError&) {
                  server_.rejected();
                  throw;
                }
                EncodedResponse encoded = encode_infer_response(server_.infer(request));
                res.status = 200;
                if (encoded.header_length)
                  res.set_header("Inference-Header-Content-Length",
                                 std::to_string(*encoded.header_length));
                // Moved, not copied by set_content: the outputs may be megabytes.
                res.set_header("Content-Type", encoded.header_length ? "application/octet-stream"
                                                                     : "application/json");
                res.body = std::move(encoded.body);
              }));
  http_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(server_.metrics_text(), "text/plain; version=0.0.4");
  });
  // Triton's model repository extension.
  http_->Post("/v2/repository/index",
              guarded([this](const httplib::Request&, httplib::Response& res) {
                json index = json::array();
                for (const ModelRegistry::IndexEntry& e : server_.registry().index()) {
                  json entry = {{"name", e.name}};
                  if (!e.version.empty()) entry["version"] = e.version;
                  if (!e.state.empty()) entry["state"] = e.state;
                  if (!e.reason.empty()) entry["reason"] = e.reason;
                  index.push_back(std::move(entry));
                }
                send_json(res, index);
              }));
  http_->Post(R"(/v2/repository/models/([^/]+)/(load|unload))",
              guarded([this](const httplib::Request& req, httplib::Response& res) {
                const std::string model = req.matches[1].str();
                if (req.matches[2].str() == "load")
                  server_.registry().load(model);
                else
                  server_.registry().unload(model);
                res.status = 200;
              }));
  // httplib's own refusals (no route, a body too large, a malformed request) get a body too.
  http_->set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404)
      send_error(res, 404, fmt::format("no route for {} {}", req.method, req.path));
    else if (res.status == 413)
      send_error(res, 413, "the request body exceeds the server's limit");
    else
      send_error(res, res.status,
                 fmt::format("{} {}: malformed HTTP request (a POST needs a Content-Length)",
                             req.method, req.path));
  });
}

void RestServer::start() {
  // (port 0: any free one, which port() then tells)
  port_ = options_.port == 0
              ? http_->bind_to_any_port(options_.host)
              : (http_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ <= 0)
    throw_invalid_argument("--http-port {}: cannot listen on {}:{} (in use?)", options_.port,
                           options_.host, options_.port);
  // Debian's compiled cpp-httplib listens with a backlog of 5: with more clients connecting at
  // once the kernel dropped their handshakes (syncookies), and 16 to 64 bench clients saw
  // connections end before an answer ("Read" errors). listen() again only resizes the queue.
  if (::listen(listen_socket_, SOMAXCONN) != 0)
    throw_invalid_argument("--http-port {}: cannot listen on {}:{}", port_, options_.host, port_);
  thread_ = std::thread([this] { http_->listen_after_bind(); });
}

void RestServer::stop() {
  if (!thread_.joinable()) return;
  http_->stop();
  thread_.join();
}

}  // namespace zenith::serve
