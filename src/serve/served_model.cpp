// ServedModel: compile, warm up, check, queue, run.
#include "serve/served_model.h"

#include <fmt/ranges.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <ranges>

#include "ir/errors.h"
#include "serve/datatype.h"
#include "zenith/core.h"

namespace zenith::serve {
namespace {

namespace fs = std::filesystem;

Config compile_config(const ModelConfig& config, const ServingLimits& limits) {
  Config c;
  c.num_threads = limits.threads;
  c.inference_precision = parse_inference_precision(config.precision);
  if (config.instances > 1) {
    c.hint = PerformanceHint::throughput;
    c.num_streams = static_cast<int>(config.instances);
  }
  return c;
}

std::string shape_text(const Shape& shape) { return fmt::format("[{}]", fmt::join(shape, ",")); }

// The bytes `shape` of `type` take; nullopt when that overflows (a hostile shape).
std::optional<size_t> byte_count(const Shape& shape, ElementType type) {
  size_t bytes = element_size(type);
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(bytes, static_cast<size_t>(d), &bytes)) return std::nullopt;
  return bytes;
}

}  // namespace

ServedModel::ServedModel(std::string name, int64_t version, const fs::path& file,
                         const ModelConfig& config, const ServingLimits& limits, Metrics* metrics)
    : name_(std::move(name)),
      version_(version),
      platform_(file.extension() == ".zir" ? "zenith_zir" : "zenith_onnx"),
      config_(config),
      limits_(limits),
      compiled_(Core().compile_model(file, config.device, compile_config(config, limits))) {
  instances_ = std::max(config.instances > 0 ? static_cast<int>(config.instances)
                                             : compiled_.optimal_number_of_requests(),
                        1);
  if (metrics) metrics_.emplace(*metrics, name_, std::to_string(version_));
  for (int i = 0; i < instances_; ++i) requests_.push_back(compiled_.create_infer_request());
  if (config.max_batch_size > 0) {
    batcher_ = std::make_unique<DynamicBatcher>(name_, compiled_, std::move(requests_),
                                                config.max_batch_size, config.max_queue_delay_us,
                                                limits.max_queue, metrics_ ? &*metrics_ : nullptr);
    requests_.clear();
    batcher_->warm_up();
    return;
  }
  for (int i = 0; i < instances_; ++i) idle_.push_back(static_cast<size_t>(i));
  // The warm-up of every instance: zeros, symbolic dimensions 1.
  std::vector<Tensor> zeros;
  for (const Port& port : compiled_.inputs()) {
    Shape shape = port.shape;
    for (int64_t& d : shape) d = d < 0 ? 1 : d;
    zeros.emplace_back(port.element_type, shape);
  }
  for (InferRequest& warm : requests_) {
    for (size_t i = 0; i < zeros.size(); ++i) warm.set_input(compiled_.inputs()[i].name, zeros[i]);
    run_on_stream(warm);
  }
}

void ServedModel::check(const InferenceRequest& request) const {
  for (const InputTensor& in : request.inputs) {
    const auto port = std::find_if(inputs().begin(), inputs().end(),
                                   [&](const Port& p) { return p.name == in.name; });
    if (port == inputs().end())
      reject(Status::invalid_argument, "model '{}': no input named '{}' (inputs: {})", name_,
             in.name, fmt::join(inputs() | std::views::transform(&Port::name), ", "));
    if (in.type != port->element_type)
      reject(Status::invalid_argument, "model '{}', input '{}': datatype {}, expected {}", name_,
             in.name, datatype_name(in.type), datatype_name(port->element_type));
    bool fits = !port->has_shape || in.shape.size() == port->shape.size();
    for (size_t d = 0; fits && port->has_shape && d < in.shape.size(); ++d)
      fits = in.shape[d] >= 0 && (port->shape[d] < 0 || port->shape[d] == in.shape[d]);
    if (!fits)
      reject(Status::invalid_argument, "model '{}', input '{}': shape {}, expected {}", name_,
             in.name, shape_text(in.shape), shape_text(port->shape));
    if (config_.max_batch_size > 0 && !in.shape.empty() && in.shape[0] > config_.max_batch_size)
      reject(Status::invalid_argument, "model '{}', input '{}': batch {} exceeds max_batch_size {}",
             name_, in.name, in.shape[0], config_.max_batch_size);
    const std::optional<size_t> bytes = byte_count(in.shape, in.type);
    if (bytes != in.bytes)
      reject(Status::invalid_argument,
             "model '{}', input '{}': {} bytes of data for shape {} of {} ({} expected)", name_,
             in.name, in.bytes, shape_text(in.shape), datatype_name(in.type),
             bytes ? std::to_string(*bytes) : "more than can be addressed");
  }
  for (const Port& port : inputs()) {
    const auto n = std::count_if(request.inputs.begin(), request.inputs.end(),
                                 [&](const InputTensor& in) { return in.name == port.name; });
    if (n != 1)
      reject(Status::invalid_argument, "model '{}': input '{}' given {} times, expected once",
             name_, port.name, n);
  }
  if (batcher_)
    for (const InputTensor& in : request.inputs)
      if (in.shape.empty() || in.shape[0] != request.inputs.front().shape[0])
        reject(Status::invalid_argument,
               "model '{}': inputs '{}' and '{}' disagree on the batch (first) dimension", name_,
               request.inputs.front().name, in.name);
  for (const RequestedOutput& out : request.outputs)
    if (std::none_of(outputs().begin(), outputs().end(),
                     [&](const Port& p) { return p.name == out.name; }))
      reject(Status::invalid_argument, "model '{}': no output named '{}' (outputs: {})", name_,
             out.name, fmt::join(outputs() | std::views::transform(&Port::name), ", "));
}

size_t ServedModel::acquire(std::chrono::steady_clock::time_point deadline, bool has_deadline) {
  std::unique_lock lock(mutex_);
  if (idle_.empty() && waiting_ >= limits_.max_queue)
    reject(Status::resource_exhausted, "model '{}': {} requests are queued already (the limit)",
           name_, waiting_);
  ++waiting_;
  const auto ready = [&] { return !idle_.empty(); };
  const bool got =
      has_deadline ? freed_.wait_until(lock, deadline, ready) : (freed_.wait(lock, ready), true);
  --waiting_;
  if (!got)
    reject(Status::deadline_exceeded, "model '{}': the request's timeout passed while it queued",
           name_);
  const size_t slot = idle_.back();
  idle_.pop_back();
  return slot;
}

void ServedModel::release(size_t slot) {
  {
    const std::lock_guard lock(mutex_);
    idle_.push_back(slot);
  }
  freed_.notify_one();
}

InferenceResponse ServedModel::infer(const InferenceRequest& request) {
  if (metrics_) metrics_->request();
  try {
    return run(request);
  } catch (const RequestError&) {
    if (metrics_) metrics_->failure();
    throw;
  }
}

InferenceResponse ServedModel::run(const InferenceRequest& request) {
  check(request);
  const int64_t timeout_us = request.timeout_us.value_or(limits_.default_timeout_us);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout_us);
  if (batcher_) {
    InferenceResponse response =
        batcher_->infer(request, timeout_us > 0 ? std::optional(deadline) : std::nullopt);
    response.version = std::to_string(version_);
    return response;
  }
  const auto arrival = std::chrono::steady_clock::now();
  const size_t slot = acquire(deadline, timeout_us > 0);
  InferRequest& run = requests_[slot];
  InferenceResponse response{name_, std::to_string(version_), request.id, {}};
  try {
    for (const InputTensor& in : request.inputs)
      run.set_input(in.name, Tensor(in.type, in.shape, const_cast<void*>(in.data)));
    const auto start = std::chrono::steady_clock::now();
    run_on_stream(run);
    if (metrics_) {
      const std::chrono::duration<double> queued = start - arrival;
      const std::chrono::duration<double> computed = std::chrono::steady_clock::now() - start;
      metrics_->queued(queued.count());
      metrics_->computed(computed.count());
      metrics_->batch(1);
    }
    for (const Port& port : outputs())
      if (const std::optional<bool> binary = wanted_output(request, port.name))
        response.outputs.push_back({port.name, run.get_output(port.name), *binary});
  } catch (const Error& e) {
    release(slot);
    reject(e.kind() == Error::Kind::InvalidArgument ? Status::invalid_argument : Status::internal,
           "model '{}': {}", name_, e.what());
  }
  release(slot);
  return response;
}

}  // namespace zenith::serve
