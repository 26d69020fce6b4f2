// An inference request and its response, as both protocols (REST/JSON and gRPC) decode and
// encode them, and the errors a request can meet, with the status each protocol reports.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "zenith/infer_request.h"
#include "zenith/tensor.h"

namespace zenith::serve {

// What went wrong with a request, which the REST side reports as an HTTP status and the gRPC
// side as a status code.
enum class Status {
  invalid_argument,    // 400, INVALID_ARGUMENT: the request is malformed or does not fit the model
  not_found,           // 404, NOT_FOUND: no such model or version
  unavailable,         // 503, UNAVAILABLE: not ready, or shutting down
  resource_exhausted,  // 503, RESOURCE_EXHAUSTED: the queue is full
  deadline_exceeded,   // 504, DEADLINE_EXCEEDED: the request's timeout passed
  internal,            // 500, INTERNAL: the run failed
};

class RequestError : public std::runtime_error {
 public:
  RequestError(Status status, const std::string& message)
      : std::runtime_error(message), status_(status) {}
  Status status() const { return status_; }

 private:
  Status status_;
};

template <typename... Args>
[[noreturn]] void reject(Status status, fmt::format_string<Args...> format, Args&&... args) {
  throw RequestError(status, fmt::format(format, std::forward<Args>(args)...));
}

// An input's data is a view: into the request's body (binary data, gRPC's raw contents) or into
// the request's own `storage` (decoded JSON numbers), either of which outlives the run.
struct InputTensor {
  std::string name;
  ElementType type = ElementType::f32;
  Shape shape;
  const void* data = nullptr;
  size_t bytes = 0;
};

struct InferenceRequest;

// Points `tensor` at `bytes` bytes at `data`, or at a copy in `request`'s storage when `data` is
// not aligned for the element type (binary data after a JSON header of any length): kernels read
// their inputs as typed arrays.
void set_data(InferenceRequest& request, InputTensor& tensor, const void* data, size_t bytes);

struct RequestedOutput {
  std::string name;
  bool binary = false;  // REST: as binary data after the JSON header
};

struct InferenceRequest {
  std::string model, version, id;  // version "" for the model's highest
  std::vector<InputTensor> inputs;
  std::vector<RequestedOutput> outputs;  // empty: all of them
  std::optional<int64_t> timeout_us;     // from the request's parameters
  bool binary_outputs = false;           // REST: "binary_data_output" for every output
  std::vector<std::vector<unsigned char>> storage;
};

// Whether `request` asks for output `name` and, if so, as binary data: nullopt when the request
// lists its outputs and `name` is not among them.
std::optional<bool> wanted_output(const InferenceRequest& request, const std::string& name);

// Runs `request` on its compiled model's stream thread and waits for it. OpenMP keeps a team of
// worker threads for every thread that starts parallel work: runs on the front ends' 128
// threads grew the server by a team each (40 threads, 70 MB over 100 rounds of disconnects),
// while the streams' threads are fixed and warmed up when the model loads.
void run_on_stream(InferRequest& request);

struct OutputTensor {
  std::string name;
  Tensor tensor;
  bool binary = false;
};

struct InferenceResponse {
  std::string model, version, id;
  std::vector<OutputTensor> outputs;
};

}  // namespace zenith::serve
