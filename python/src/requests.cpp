// Requests from Python. Every run goes through start_async + wait, so it computes on the
// compiled model's stream threads: Python threads calling at once queue for the streams instead
// of each starting its own OpenMP team on the same cores.
#include "requests.h"

#include <utility>

#include "arrays.h"

namespace zenith::python {
namespace {

// A Python object that a stream's thread may hold: dropped with the GIL held.
std::shared_ptr<py::object> held(py::object object) {
  return std::shared_ptr<py::object>(new py::object(std::move(object)), [](py::object* p) {
    py::gil_scoped_acquire gil;
    delete p;
  });
}

// The exception a failed run raises in Python (None for success); with the GIL held.
py::object exception_of(std::exception_ptr failure) {
  if (!failure) return py::none();
  try {
    std::rethrow_exception(failure);
  } catch (py::error_already_set& e) {
    return e.value();
  } catch (const Error& e) {
    // The exception the synchronous calls raise (module.cpp's translation).
    py::object error = py::module_::import("zenith._zenith").attr("Error")(e.what());
    error.attr("kind") = to_string(e.kind());
    return error;
  } catch (const std::exception& e) {
    return py::module_::import("builtins").attr("RuntimeError")(e.what());
  }
}

void run(InferRequest& request) {
  py::gil_scoped_release free;
  request.start_async();
  request.wait();
}

// A run in flight reads the arrays a request keeps; its failure, if any, has nobody left to hear.
void wait_quietly(InferRequest& request) {
  try {
    if (request.wait_for(std::chrono::milliseconds(0))) return;
    py::gil_scoped_release free;  // its callback may need the GIL
    request.wait();
  } catch (...) {
  }
}

}  // namespace

void bind_inputs(InferRequest& request, const std::vector<Port>& ports, const py::handle& inputs,
                 std::vector<py::object>& keep) {
  keep.assign(ports.size(), py::object());
  if (py::isinstance<py::dict>(inputs)) {
    const auto given = py::reinterpret_borrow<py::dict>(inputs);
    for (const auto& [key, value] : given) {
      const std::string name = py::str(key);
      size_t i = 0;
      while (i < ports.size() && ports[i].name != name) ++i;
      if (i == ports.size()) {
        std::string names;
        for (const Port& p : ports) names += (names.empty() ? "'" : ", '") + p.name + "'";
        throw Error(Error::Kind::InvalidArgument,
                    "no input named '" + name + "'; the model's inputs are " + names);
      }
      request.set_input(i, tensor_of(value, ports[i], "input '" + name + "'", keep[i]));
    }
    if (given.size() != ports.size())
      for (size_t i = 0; i < ports.size(); ++i)
        if (!given.contains(ports[i].name))
          throw Error(Error::Kind::InvalidArgument,
                      "input '" + ports[i].name + "' (" + to_string(ports[i]) + ") is missing");
    return;
  }
  if (py::isinstance<py::list>(inputs) || py::isinstance<py::tuple>(inputs)) {
    const auto given = py::reinterpret_borrow<py::sequence>(inputs);
    if (given.size() != ports.size())
      throw Error(Error::Kind::InvalidArgument, "the model takes " + std::to_string(ports.size()) +
                                                    " inputs, " + std::to_string(given.size()) +
                                                    " were given");
    for (size_t i = 0; i < ports.size(); ++i)
      request.set_input(i, tensor_of(given[i], ports[i], "input '" + ports[i].name + "'", keep[i]));
    return;
  }
  if (ports.size() != 1)
    throw Error(Error::Kind::InvalidArgument,
                "the model takes " + std::to_string(ports.size()) +
                    " inputs: give a dict name -> array or a list in input order");
  request.set_input(0, tensor_of(inputs, ports[0], "input '" + ports[0].name + "'", keep[0]));
}

py::dict outputs_of(const InferRequest& request, const std::vector<Port>& ports) {
  py::dict out;
  for (size_t i = 0; i < ports.size(); ++i)
    out[py::str(ports[i].name)] = array_of(request.get_output(i));
  return out;
}

Request::Request(InferRequest request, std::vector<Port> inputs, std::vector<Port> outputs)
    : request_(std::move(request)), inputs_(std::move(inputs)), outputs_(std::move(outputs)) {}

Request::~Request() { wait_quietly(request_); }

void Request::set_inputs(const py::handle& inputs) {
  bind_inputs(request_, inputs_, inputs, keep_);
}

py::dict Request::infer(const py::handle& inputs) {
  if (!inputs.is_none()) set_inputs(inputs);
  run(request_);
  return outputs();
}

void Request::start_async(const py::handle& inputs) {
  if (!inputs.is_none()) set_inputs(inputs);
  request_.start_async();
}

void Request::wait() {
  py::gil_scoped_release free;
  request_.wait();
}

bool Request::wait_for(int64_t milliseconds) {
  py::gil_scoped_release free;
  return request_.wait_for(std::chrono::milliseconds(milliseconds));
}

void Request::set_callback(py::object callback) {
  if (callback.is_none()) {
    request_.set_callback(nullptr);
    return;
  }
  request_.set_callback([callable = held(std::move(callback))](std::exception_ptr failure) {
    py::gil_scoped_acquire gil;
    (*callable)(exception_of(failure));  // what it raises, wait() raises
  });
}

py::dict Request::outputs() const { return outputs_of(request_, outputs_); }

py::list Request::profiling_info() const {
  py::list steps;
  for (const ProfilingInfo& s : request_.profiling_info()) {
    py::dict step;
    step["node"] = s.node;
    step["op"] = s.op;
    step["device"] = s.device;
    step["implementation"] = s.implementation;
    step["layout"] = s.layout;
    step["ms"] = s.ms;
    steps.append(step);
  }
  return steps;
}

Compiled::Compiled(CompiledModel model)
    : model_(std::move(model)), pool_(std::make_unique<Pool>()) {}

Compiled::~Compiled() {
  if (!pool_) return;  // moved from
  for (const auto& request : pool_->all) wait_quietly(*request);
}

py::dict Compiled::operator()(const py::handle& inputs) {
  InferRequest& request = take();
  // Back to the pool however the call ends; a request stays usable after any error.
  struct Give {
    Compiled& self;
    InferRequest& request;
    ~Give() { self.pool_->give(request); }
  } give{*this, request};
  request.set_callback(nullptr);
  std::vector<py::object> keep;
  bind_inputs(request, model_.inputs(), inputs, keep);
  run(request);
  return outputs_of(request, model_.outputs());
}

void Compiled::start(const py::handle& inputs, py::object done) {
  InferRequest& request = take();
  try {
    auto keep = std::make_shared<std::vector<py::object>>();
    bind_inputs(request, model_.inputs(), inputs, *keep);
    request.set_callback([pool = pool_.get(), model = model_, &request, keep,
                          callable = held(std::move(done))](std::exception_ptr failure) {
      py::gil_scoped_acquire gil;
      keep->clear();
      py::object outputs = py::none(), error = exception_of(failure);
      if (!failure) try {
          outputs = outputs_of(request, model.outputs());
        } catch (...) {
          error = exception_of(std::current_exception());
        }
      pool->give(request);  // taken again only after this callback returns (take waits)
      try {
        (*callable)(outputs, error);
      } catch (py::error_already_set& e) {
        e.discard_as_unraisable("zenith: the callback of an asynchronous run");
      }
      // The pooled request keeps this function until its next run: not what `done` holds.
      *callable = py::none();
    });
    request.start_async();
  } catch (...) {
    request.set_callback(nullptr);
    pool_->give(request);
    throw;
  }
}

std::unique_ptr<Request> Compiled::create_infer_request() const {
  return std::make_unique<Request>(model_.create_infer_request(), model_.inputs(),
                                   model_.outputs());
}

InferRequest& Compiled::take() {
  InferRequest* request = nullptr;
  {
    std::lock_guard<std::mutex> lock(pool_->mutex);
    if (!pool_->idle.empty()) {
      request = pool_->idle.back();
      pool_->idle.pop_back();
    } else {
      pool_->all.push_back(std::make_unique<InferRequest>(model_.create_infer_request()));
      return *pool_->all.back();
    }
  }
  // Given back from its callback, which may not have returned yet.
  py::gil_scoped_release free;
  request->wait();
  return *request;
}

void Compiled::Pool::give(InferRequest& request) {
  std::lock_guard<std::mutex> lock(mutex);
  idle.push_back(&request);
}

}  // namespace zenith::python
