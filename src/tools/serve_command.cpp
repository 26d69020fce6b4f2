// `zenith serve`: a KServe v2 server (REST and gRPC) over a model repository. The main thread
// waits for SIGTERM or SIGINT, polling the repository meanwhile; on either it reports not
// ready, stops accepting, lets the requests in flight finish, and exits 0.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <signal.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <ctime>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "ir/errors.h"
#include "runtime/cpu_quota.h"
#include "serve/grpc_server.h"
#include "serve/inference_server.h"
#include "serve/metrics.h"
#include "serve/model_registry.h"
#include "serve/rest_server.h"
#include "tools/cli_util.h"

namespace zenith::tools {
namespace {

struct ServeOptions {
  std::string repository;
  std::string host = "0.0.0.0";
  int http_port = 8000, grpc_port = 8001;
  int threads = 0;
  int http_threads = 64, grpc_threads = 64;
  std::string model_control = "poll";
  double poll_s = 5;
  size_t max_queue = 64;
  int64_t timeout_us = 0;
  int drain_s = 30;
  std::string access_log;
};

// One line per event on stderr, timestamped, whole lines even from several threads.
void log_line(const std::string& line) {
  static std::mutex mutex;
  const auto now = std::chrono::system_clock::now();
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  const std::lock_guard lock(mutex);
  std::cerr << fmt::format("{:%Y-%m-%dT%H:%M:%SZ} {}\n", tm, line) << std::flush;
}

int serve(const ServeOptions& o) {
  if (o.model_control != "poll" && o.model_control != "explicit")
    throw_invalid_argument("--model-control {}: expected poll or explicit", o.model_control);
  if (o.poll_s <= 0) throw_invalid_argument("--repository-poll-s takes a positive number");
  // Signals wait for the main thread's sigtimedwait: blocked before any other thread starts,
  // so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  serve::ServingLimits limits;
  limits.threads = o.threads > 0 ? o.threads : runtime::usable_cores();
  limits.max_queue = o.max_queue;
  limits.default_timeout_us = o.timeout_us;
  serve::Metrics metrics;
  serve::ModelRegistry registry(o.repository, limits, log_line, &metrics);
  log_line(
      fmt::format("loading the models of {} ({} threads per model)", o.repository, limits.threads));
  registry.sync();
  serve::InferenceServer server(registry, &metrics);
  std::unique_ptr<serve::AccessLog> access_log;
  if (!o.access_log.empty()) access_log = std::make_unique<serve::AccessLog>(o.access_log);
  serve::RestOptions rest_options{o.host, o.http_port, o.http_threads};
  rest_options.access_log = access_log.get();
  serve::RestServer rest(server, rest_options);
  serve::GrpcOptions grpc_options{o.host, o.grpc_port, o.grpc_threads};
  grpc_options.access_log = access_log.get();
  serve::GrpcServer grpc(server, grpc_options);
  rest.start();
  grpc.start();
  server.set_ready(true);
  log_line(fmt::format("ready: REST on {}:{}, gRPC on {}:{}; model control: {}", o.host,
                       rest.port(), o.host, grpc.port(), o.model_control));
  for (;;) {
    timespec wait{};
    wait.tv_sec = static_cast<time_t>(o.poll_s);
    wait.tv_nsec = static_cast<long>((o.poll_s - static_cast<double>(wait.tv_sec)) * 1e9);
    const int signal = sigtimedwait(&signals, nullptr, &wait);
    if (signal == SIGTERM || signal == SIGINT) {
      log_line(fmt::format("{}: not ready; finishing the requests in flight",
                           signal == SIGTERM ? "SIGTERM" : "SIGINT"));
      break;
    }
    if (o.model_control != "poll") continue;
    try {
      registry.sync();
    } catch (const std::exception& e) {
      log_line(fmt::format("repository poll failed: {}", e.what()));
    }
  }
  // Not ready: new requests get 503 / UNAVAILABLE while the listeners stay open, so that
  // connections already accepted get an answer rather than a reset; then those in flight end.
  server.set_ready(false);
  const auto drain_end = std::chrono::steady_clock::now() + std::chrono::seconds(o.drain_s);
  while (server.in_flight() > 0 && std::chrono::steady_clock::now() < drain_end)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (server.in_flight() > 0)
    log_line(fmt::format("{} requests still running after {} s; stopping", server.in_flight(),
                         o.drain_s));
  rest.stop();
  grpc.stop();
  log_line("stopped");
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = app.add_subcommand(
      "serve", "Serve a model repository over KServe v2's REST and gRPC protocols");
  sub->add_option("--model-repository", o->repository,
                  "Folder of models: DIR/<model>/<version>/model.onnx|model.zir, optional "
                  "DIR/<model>/config.json")
      ->required();
  sub->add_option("--host", o->host, "Address to listen on")->capture_default_str();
  sub->add_option("--http-port", o->http_port, "REST port (0: any free port)")
      ->capture_default_str();
  sub->add_option("--grpc-port", o->grpc_port, "gRPC port (0: any free port)")
      ->capture_default_str();
  sub->add_option("--threads", o->threads,
                  "Threads per model (default: the cores the CPU affinity and cgroup quota allow)");
  sub->add_option("--http-threads", o->http_threads,
                  "REST connections served at once (a thread each; more wait to be accepted)")
      ->capture_default_str();
  sub->add_option("--grpc-threads", o->grpc_threads,
                  "gRPC inference calls run at once (a thread each; 4 per thread more may wait)")
      ->capture_default_str();
  sub->add_option("--model-control", o->model_control,
                  "poll: follow the repository's changes; explicit: load and unload only "
                  "through POST v2/repository/models/<m>/load|unload")
      ->capture_default_str();
  sub->add_option("--repository-poll-s", o->poll_s, "Seconds between repository polls")
      ->capture_default_str();
  sub->add_option("--max-queue", o->max_queue,
                  "Requests a model queues beyond those running; more get 503 / "
                  "RESOURCE_EXHAUSTED")
      ->capture_default_str();
  sub->add_option("--timeout-us", o->timeout_us,
                  "Default request timeout in microseconds (0: none); a request's "
                  "parameters.timeout_us overrides it")
      ->capture_default_str();
  sub->add_option("--access-log", o->access_log,
                  "Write a JSON line per request (time, protocol, call, model, status, duration, "
                  "bytes, peer) to FILE, or - for stderr (default: none)");
  sub->add_option("--drain-s", o->drain_s,
                  "On SIGTERM, seconds to wait for the requests in flight before stopping")
      ->capture_default_str();
  return {sub, [o] { return serve(*o); }};
}

}  // namespace zenith::tools
