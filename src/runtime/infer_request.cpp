// InferRequest: binding tensors, running sync and async, waiting, callbacks.
#include <algorithm>

#include "ir/errors.h"
#include "runtime/compiled_model_impl.h"
#include "runtime/infer_request_impl.h"
#include "runtime/tensor_bridge.h"

namespace zenith {
namespace {

// The request whose callback the calling thread is running: it may use the request.
thread_local const InferRequest::Impl* calling_back = nullptr;

void check_fits(const Port& port, const Tensor& tensor) {
  bool fits = tensor.element_type() == port.element_type &&
              (!port.has_shape || tensor.shape().size() == port.shape.size());
  for (size_t i = 0; fits && port.has_shape && i < port.shape.size(); ++i)
    fits = port.shape[i] < 0 || port.shape[i] == tensor.shape()[i];
  if (!fits)
    throw_invalid_argument("set_input: input '{}' is {}; the tensor is {}[{}]", port.name,
                           to_string(port), to_string(tensor.element_type()),
                           fmt::join(tensor.shape(), ","));
}

}  // namespace

InferRequest::Impl::Impl(std::shared_ptr<CompiledModel::Impl> c)
    : compiled(std::move(c)),
      inputs(compiled->inputs.size()),
      bound(compiled->inputs.size(), false) {}

void InferRequest::Impl::check_idle(const char* what) const {
  if (running || (in_callback > 0 && calling_back != this))
    throw_invalid_argument("{}: the request is running; wait() for it first", what);
}

void InferRequest::Impl::begin(std::unique_lock<std::mutex>&, const char* what) {
  check_idle(what);
  for (size_t i = 0; i < inputs.size(); ++i)
    if (!bound[i])
      throw_invalid_argument("{}: input '{}' ({}) is not set", what, compiled->inputs[i].name,
                             to_string(compiled->inputs[i]));
  running = true;
  failure = nullptr;
}

void InferRequest::Impl::execute() {
  for (size_t i = 0; i < inputs.size(); ++i)
    feeds[compiled->inputs[i].name] = TensorAccess::to_ir(inputs[i]);
  // The feeds view the caller's tensors and the results hold the run's outputs, which the
  // output tensors share: both are let go when the run ends, however it ends.
  struct Release {
    Impl& impl;
    ~Release() {
      for (auto& [name, value] : impl.feeds) value = ir::Value();
      impl.results.clear();
    }
  } release{*this};
  // The outputs before the last ones are no one's now: their buffers go back to the pool
  // before the run asks it for new ones.
  for (Tensor& t : next_outputs) TensorAccess::release(t);
  std::vector<runtime::StepProfile> steps;
  compiled->session.run_into(feeds, results, compiled->config.random_seed,
                             compiled->config.profiling ? &steps : nullptr, &arenas);
  next_outputs.resize(results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    const ir::Value& r = results[i];
    if (!r.is_tensor() || !runtime::to_element_type(r.tensor().dtype())) {
      // Not one the API can hand out. The name is built only for the error: on every run it
      // would allocate.
      const std::string what = "output '" + compiled->outputs[i].name + "'";
      TensorAccess::assign(next_outputs[i], r.tensor(what), what);  // throws
    }
    TensorAccess::assign(next_outputs[i], r.tensor(), "");
  }
  std::vector<ProfilingInfo> info;
  for (runtime::StepProfile& s : steps)
    info.push_back({std::move(s.node), std::move(s.op), std::move(s.device),
                    std::move(s.implementation), std::move(s.layout), s.ms});
  std::lock_guard<std::mutex> lock(mutex);
  outputs.swap(next_outputs);
  profile = std::move(info);
}

void InferRequest::Impl::run_async() {
  std::exception_ptr error;
  try {
    execute();
  } catch (...) {
    error = std::current_exception();
  }
  std::function<void(std::exception_ptr)> call;
  {
    std::lock_guard<std::mutex> lock(mutex);
    running = false;
    call = callback;
    if (call)
      ++in_callback;
    else
      failure = error;
  }
  if (call) {
    std::exception_ptr thrown;
    const InferRequest::Impl* outer = std::exchange(calling_back, this);
    try {
      call(error);
    } catch (...) {
      thrown = std::current_exception();  // nowhere else to report it: wait() rethrows it
    }
    calling_back = outer;
    std::lock_guard<std::mutex> lock(mutex);
    --in_callback;
    if (thrown) failure = thrown;
  }
  finished.notify_all();
}

void InferRequest::set_input(const std::string& name, const Tensor& tensor) {
  set_input(runtime::port_index(impl_->compiled->inputs, name, "input"), tensor);
}

void InferRequest::set_input(size_t index, const Tensor& tensor) {
  const std::vector<Port>& ports = impl_->compiled->inputs;
  if (index >= ports.size())
    throw_invalid_argument("set_input: input index {} is out of range; the model has {} inputs",
                           index, ports.size());
  check_fits(ports[index], tensor);
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->check_idle("set_input");
  impl_->inputs[index] = tensor;
  impl_->bound[index] = true;
}

Tensor InferRequest::get_input(const std::string& name) const {
  return get_input(runtime::port_index(impl_->compiled->inputs, name, "input"));
}

Tensor InferRequest::get_input(size_t index) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (index >= impl_->inputs.size())
    throw_invalid_argument("get_input: input index {} is out of range; the model has {} inputs",
                           index, impl_->inputs.size());
  return impl_->inputs[index];
}

Tensor InferRequest::get_output(const std::string& name) const {
  return get_output(runtime::port_index(impl_->compiled->outputs, name, "output"));
}

Tensor InferRequest::get_output(size_t index) const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  const size_t count = impl_->compiled->outputs.size();
  if (index >= count)
    throw_invalid_argument("get_output: output index {} is out of range; the model has {} outputs",
                           index, count);
  if (impl_->running)
    throw_invalid_argument("get_output: the request is running; wait() for it first");
  if (impl_->outputs.empty())
    throw_invalid_argument("get_output: no run has completed yet; call infer() first");
  return impl_->outputs[index];
}

void InferRequest::infer() {
  {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    impl_->begin(lock, "infer");
  }
  // Idle again however the run ends, so a failed request stays usable.
  struct Done {
    InferRequest::Impl& impl;
    ~Done() {
      std::lock_guard<std::mutex> lock(impl.mutex);
      impl.running = false;
      impl.finished.notify_all();
    }
  } done{*impl_};
  impl_->execute();
}

void InferRequest::start_async() {
  {
    std::unique_lock<std::mutex> lock(impl_->mutex);
    impl_->begin(lock, "start_async");
  }
  impl_->compiled->streams.submit([impl = impl_] { impl->run_async(); });
}

void InferRequest::wait() {
  if (calling_back == impl_.get())
    throw_invalid_argument(
        "wait: called from the request's own callback, which the wait would wait for");
  std::unique_lock<std::mutex> lock(impl_->mutex);
  impl_->finished.wait(lock, [&] { return !impl_->running && impl_->in_callback == 0; });
  if (std::exception_ptr e = std::exchange(impl_->failure, nullptr)) std::rethrow_exception(e);
}

bool InferRequest::wait_for(std::chrono::milliseconds timeout) {
  if (calling_back == impl_.get())
    throw_invalid_argument(
        "wait_for: called from the request's own callback, which the wait would wait for");
  std::unique_lock<std::mutex> lock(impl_->mutex);
  if (!impl_->finished.wait_for(lock, timeout,
                                [&] { return !impl_->running && impl_->in_callback == 0; }))
    return false;
  if (std::exception_ptr e = std::exchange(impl_->failure, nullptr)) std::rethrow_exception(e);
  return true;
}

void InferRequest::set_callback(std::function<void(std::exception_ptr)> callback) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->callback = std::move(callback);
}

std::vector<ProfilingInfo> InferRequest::profiling_info() const {
  if (!impl_->compiled->config.profiling)
    throw_invalid_argument(
        "profiling_info: profiling is off; compile the model with Config::profiling = true");
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->running)
    throw_invalid_argument("profiling_info: the request is running; wait() for it first");
  return impl_->profile;
}

}  // namespace zenith

namespace zenith {

MemoryInfo InferRequest::memory_info() const {
  MemoryInfo info;
  if (const auto layout = impl_->arenas.latest()) {
    info.arena_bytes = layout->size;
    info.tensor_bytes = layout->total;
    info.tensors = static_cast<size_t>(
        std::count_if(layout->offsets.begin(), layout->offsets.end(),
                      [](size_t o) { return o != cpu::ArenaLayout::kOutside; }));
  }
  return info;
}

}  // namespace zenith
