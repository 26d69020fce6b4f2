// zenith::InferRequest: one set of inputs and outputs, run synchronously or asynchronously.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "zenith/export.h"
#include "zenith/tensor.h"

namespace zenith {

// One step of a profiled run, in run order.
struct ProfilingInfo {
  std::string node;            // the step's node
  std::string op;              // its op, then the ops fused into it ("Conv+Relu")
  std::string device;          // where it ran ("CPU", "REF")
  std::string implementation;  // the kernels, e.g. oneDNN's "jit_wino_4x3:avx512_core"
  std::string layout;          // its output's layout ("nChw16c", "nchw", ...)
  double ms = 0;
};

// The memory a request's runs use for their intermediate tensors: one arena, laid out by the
// tensors' lifetimes for the last run's input shapes (the CPU device's; REF allocates per run).
struct MemoryInfo {
  size_t arena_bytes = 0;   // the arena
  size_t tensors = 0;       // the tensors in it
  size_t tensor_bytes = 0;  // what they would take each on its own
};

// A request is a handle: copies refer to the same request. Made by
// CompiledModel::create_infer_request(); several requests of one compiled model run at the same
// time without interfering (each has its own memory). One request is used by one thread at a
// time, except wait() / wait_for(), which any thread may call. Errors are Error exceptions; the
// request stays usable after any of them.
class ZENITH_API InferRequest {
 public:
  // Binds an input; nothing is copied, so the tensor's data must stay alive and unchanged until
  // the run that reads it has finished. Throws Error (InvalidArgument) for an unknown name or
  // index, or an element type or shape the model does not accept (naming both), and while the
  // request is running.
  void set_input(const std::string& name, const Tensor& tensor);
  void set_input(size_t index, const Tensor& tensor);
  Tensor get_input(const std::string& name) const;
  Tensor get_input(size_t index) const;
  // An output of the last completed run. The tensor shares the result's storage and stays
  // valid after later runs, which write new tensors. Throws Error (InvalidArgument) before a run
  // has completed or while one is running.
  Tensor get_output(const std::string& name) const;
  Tensor get_output(size_t index) const;

  // Runs on the calling thread. Throws Error for missing inputs, for a request already running,
  // and for any failure of the run (naming the node).
  void infer();
  // Queues a run on one of the compiled model's streams and returns at once. Throws Error
  // (InvalidArgument) for missing inputs or a request already running.
  void start_async();
  // Waits for the run started last and for its callback; rethrows the run's failure (once).
  // Returns at once when no run is pending.
  void wait();
  // wait() for at most `timeout`; false if the run is still going.
  bool wait_for(std::chrono::milliseconds timeout);
  // Called once per asynchronous run, on the stream's thread, when it ends: with nullptr on
  // success, else the failure (which wait() then does not rethrow; an exception the callback
  // throws, it does). It may read outputs, bind inputs, call start_async() on this request
  // again and drop handles to it; calling wait() there is an error.
  void set_callback(std::function<void(std::exception_ptr)> callback);

  // The steps of the last completed run. Throws Error (InvalidArgument) if the model was not
  // compiled with Config::profiling.
  std::vector<ProfilingInfo> profiling_info() const;
  // Zeros before a run has completed (the first run with some shapes lays the arena out).
  MemoryInfo memory_info() const;

  struct Impl;  // defined by the runtime

 private:
  friend class CompiledModel;
  explicit InferRequest(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

}  // namespace zenith
