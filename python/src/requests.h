// The Python faces of CompiledModel and InferRequest: numpy in and out, the GIL released while
// Zenith works, and input arrays kept alive while a run reads them.
#pragma once

#include <pybind11/pybind11.h>

#include <memory>
#include <mutex>
#include <vector>

#include "zenith/zenith.h"

namespace zenith::python {

namespace py = pybind11;

// Inputs as a caller gives them: a dict name -> array, a list or tuple in input order, or one
// array for a model with one input. Bound to `request`; `keep` gets the arrays it must hold.
void bind_inputs(InferRequest& request, const std::vector<Port>& ports, const py::handle& inputs,
                 std::vector<py::object>& keep);

// The outputs of `request`'s last run, as a dict name -> array in output order.
py::dict outputs_of(const InferRequest& request, const std::vector<Port>& ports);

// A request with the arrays bound to it. Dropping it waits for its run, which reads them.
class Request {
 public:
  explicit Request(InferRequest request, std::vector<Port> inputs, std::vector<Port> outputs);
  ~Request();
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  void set_inputs(const py::handle& inputs);
  py::dict infer(const py::handle& inputs);  // binds (unless None), runs, returns the outputs
  void start_async(const py::handle& inputs);
  void wait();
  bool wait_for(int64_t milliseconds);
  // Called on a stream's thread when an asynchronous run ends, with None or the exception.
  void set_callback(py::object callback);
  py::dict outputs() const;
  py::list profiling_info() const;
  InferRequest& native() { return request_; }

 private:
  InferRequest request_;
  std::vector<Port> inputs_, outputs_;
  std::vector<py::object> keep_;
};

// A compiled model. Calling it takes a request from a pool (made on demand, kept for the next
// call), so any number of Python threads may call one model at once; runs go to the model's
// streams, whose threads are the only ones that compute.
class Compiled {
 public:
  explicit Compiled(CompiledModel model);
  ~Compiled();  // waits for the runs start() began
  Compiled(Compiled&&) = default;

  py::dict operator()(const py::handle& inputs);
  // Runs on a pooled request without waiting; done(outputs, None) or done(None, exception) is
  // called on a stream's thread when the run ends.
  void start(const py::handle& inputs, py::object done);
  std::unique_ptr<Request> create_infer_request() const;
  const CompiledModel& native() const { return model_; }

 private:
  // Requests are held by pointer: a run's callback keeps one, and the pool may grow meanwhile.
  struct Pool {
    std::mutex mutex;
    std::vector<std::unique_ptr<InferRequest>> all;
    std::vector<InferRequest*> idle;
    void give(InferRequest& request);
  };
  InferRequest& take();  // idle, its last run and callback finished

  CompiledModel model_;
  std::unique_ptr<Pool> pool_;
};

}  // namespace zenith::python
