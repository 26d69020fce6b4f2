// InferRequest::Impl: a request's tensors, memory and run state.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "devices/cpu/arena.h"
#include "ir/value.h"
#include "zenith/compiled_model.h"
#include "zenith/infer_request.h"

namespace zenith {

struct ZENITH_HIDDEN InferRequest::Impl {
  explicit Impl(std::shared_ptr<CompiledModel::Impl> compiled);

  // Runs the model on the calling thread with the bound inputs; stores outputs and profile.
  void execute();
  // The asynchronous run: execute, then the callback, then wake the waiters.
  void run_async();
  // Throws unless the request is idle and every input is bound; then marks it running.
  void begin(std::unique_lock<std::mutex>& lock, const char* what);
  // Throws while a run or another thread's callback is going; holds `mutex`.
  void check_idle(const char* what) const;

  std::shared_ptr<CompiledModel::Impl> compiled;
  cpu::ArenaCache arenas;  // this request's memory: runs of other requests never touch it

  mutable std::mutex mutex;
  std::condition_variable finished;
  std::vector<Tensor> inputs;   // per model input
  std::vector<bool> bound;      // per model input: set_input was called
  std::vector<Tensor> outputs;  // of the last completed run; empty before one
  // A run's feeds and outputs, kept between runs so that a run fills them in place: the map's
  // nodes and the output tensors' shapes are allocated by the first run only.
  std::map<std::string, ir::Value> feeds;
  std::vector<ir::Value> results;
  std::vector<Tensor> next_outputs;
  std::vector<ProfilingInfo> profile;
  std::function<void(std::exception_ptr)> callback;
  bool running = false;
  int in_callback = 0;         // callbacks running: one may restart the request before it returns
  std::exception_ptr failure;  // of the last asynchronous run, until wait() rethrows it
};

}  // namespace zenith
