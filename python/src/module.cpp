// zenith._zenith: the C++ API for Python. The package's __init__.py adds what is easier said
// in Python (AsyncInferQueue, asyncio).
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <map>
#include <string>

#include "arrays.h"
#include "requests.h"

namespace zenith::python {
namespace {

// "batch" for a named free dimension, None for an unnamed one, else the size.
py::list shape_of(const Port& port) {
  py::list shape;
  for (size_t i = 0; i < port.shape.size(); ++i) {
    if (port.shape[i] >= 0)
      shape.append(port.shape[i]);
    else if (i < port.dim_names.size() && !port.dim_names[i].empty())
      shape.append(port.dim_names[i]);
    else
      shape.append(py::none());
  }
  return shape;
}

// Config from a dict with the C++ field names; strings for the enumerations.
Config config_of(const py::dict& given) {
  Config config;
  for (const auto& [key, value] : given) {
    const std::string name = py::str(key);
    if (name == "hint") {
      const std::string hint = py::str(value);
      if (hint == "LATENCY" || hint == "latency")
        config.hint = PerformanceHint::latency;
      else if (hint == "THROUGHPUT" || hint == "throughput")
        config.hint = PerformanceHint::throughput;
      else
        throw Error(Error::Kind::InvalidArgument,
                    "config 'hint': '" + hint + "'; expected LATENCY or THROUGHPUT");
    } else if (name == "num_streams") {
      config.num_streams = value.cast<int>();
    } else if (name == "num_threads") {
      config.num_threads = value.cast<int>();
    } else if (name == "profiling") {
      config.profiling = value.cast<bool>();
    } else if (name == "random_seed") {
      config.random_seed = value.cast<uint64_t>();
    } else if (name == "inference_precision") {
      config.inference_precision = parse_inference_precision(py::str(value));
    } else {
      throw Error(Error::Kind::InvalidArgument,
                  "unknown config key '" + name +
                      "'; the keys are hint, num_streams, num_threads, profiling, random_seed "
                      "and inference_precision");
    }
  }
  return config;
}

py::dict config_dict(const Config& config) {
  py::dict d;
  d["hint"] = to_string(config.hint);
  d["num_streams"] = config.num_streams;
  d["num_threads"] = config.num_threads;
  d["profiling"] = config.profiling;
  d["random_seed"] = config.random_seed;
  d["inference_precision"] = to_string(config.inference_precision);
  return d;
}

Compiled compile(const Core& core, const py::object& model, const std::string& device,
                 const py::dict& config) {
  const Config resolved = config_of(config);
  if (py::isinstance<Model>(model)) {
    const Model& m = model.cast<const Model&>();
    py::gil_scoped_release free;
    return Compiled(core.compile_model(m, device, resolved));
  }
  const auto path = model.cast<std::filesystem::path>();
  py::gil_scoped_release free;
  return Compiled(core.compile_model(path, device, resolved));
}

}  // namespace
}  // namespace zenith::python

PYBIND11_MODULE(_zenith, m) {
  using namespace zenith;
  using namespace zenith::python;
  m.doc() = "Zenith's inference engine (the C++ API; see the zenith package)";
  static py::exception<Error> error(m, "Error", PyExc_RuntimeError);
  // The message is the C++ one; `kind` says which of Error::Kind it is.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      py::object instance = static_cast<py::object&>(error)(e.what());
      instance.attr("kind") = to_string(e.kind());
      PyErr_SetObject(error.ptr(), instance.ptr());
    }
  });

  py::class_<Port>(m, "Port", "A model input or output")
      .def_readonly("name", &Port::name)
      .def_property_readonly("element_type",
                             [](const Port& p) { return to_string(p.element_type); })
      .def_property_readonly("dtype", [](const Port& p) { return dtype_of(p.element_type); })
      .def_property_readonly("shape", &shape_of)
      .def("__repr__", [](const Port& p) { return "<Port " + p.name + " " + to_string(p) + ">"; });

  py::class_<Model>(m, "Model", "A model read from a file, before it is compiled")
      .def_property_readonly("source", &Model::source)
      .def_property_readonly("inputs", &Model::inputs)
      .def_property_readonly("outputs", &Model::outputs)
      .def(
          "reshape",
          [](Model& model, const py::object& shapes) {
            if (py::isinstance<py::dict>(shapes))
              model.reshape(shapes.cast<std::map<std::string, Shape>>());
            else
              model.reshape(shapes.cast<Shape>());
          },
          py::arg("shapes"),
          "Fixes input shapes: a dict name -> shape, or one shape for a one-input model");

  py::class_<Request>(m, "InferRequest",
                      "One set of inputs and outputs, run synchronously or asynchronously; used "
                      "by one thread at a time")
      .def("set_inputs", &Request::set_inputs, py::arg("inputs"))
      .def("infer", &Request::infer, py::arg("inputs") = py::none(),
           "Runs (binding `inputs` first, if given) and returns the outputs as a dict")
      .def("start_async", &Request::start_async, py::arg("inputs") = py::none())
      .def("wait", &Request::wait)
      .def("wait_for", &Request::wait_for, py::arg("milliseconds"))
      .def("set_callback", &Request::set_callback, py::arg("callback"),
           "callback(error) on a stream's thread when an asynchronous run ends; error is None "
           "or the exception")
      .def_property_readonly("outputs", &Request::outputs)
      .def("profiling_info", &Request::profiling_info);

  py::class_<Compiled>(m, "CompiledModel", "A model compiled for a device; callable")
      .def("__call__", &Compiled::operator(), py::arg("inputs"),
           "Runs once: inputs as a dict name -> array, a list in input order, or one array; "
           "returns a dict name -> array. Safe from any number of threads at once.")
      .def("_start", &Compiled::start, py::arg("inputs"), py::arg("done"),
           "Runs on a pooled request without waiting: done(outputs, None) or done(None, error) "
           "on a stream's thread (zenith.infer_async builds on it)")
      .def("create_infer_request", &Compiled::create_infer_request)
      .def_property_readonly(
          "optimal_number_of_requests",
          [](const Compiled& c) { return c.native().optimal_number_of_requests(); })
      .def_property_readonly("config",
                             [](const Compiled& c) { return config_dict(c.native().config()); })
      .def_property_readonly("device", [](const Compiled& c) { return c.native().device(); })
      .def_property_readonly("inputs", [](const Compiled& c) { return c.native().inputs(); })
      .def_property_readonly("outputs", [](const Compiled& c) { return c.native().outputs(); })
      .def_property_readonly("placement", [](const Compiled& c) {
        py::list nodes;
        for (const NodePlacement& n : c.native().placement()) {
          py::dict node;
          node["node"] = n.node;
          node["op"] = n.op;
          node["device"] = n.device;
          node["reason"] = n.reason;
          node["fused_into"] = n.fused_into;
          node["precision"] = n.precision;
          nodes.append(node);
        }
        return nodes;
      });

  py::class_<Core>(m, "Core", "Reads models and compiles them for devices")
      .def(py::init<>())
      .def("read_model", &Core::read_model, py::arg("path"),
           py::call_guard<py::gil_scoped_release>())
      .def("compile_model", &compile, py::arg("model"), py::arg("device") = "CPU",
           py::arg("config") = py::dict(),
           "model: a Model or a path; device: CPU, REF or HETERO:CPU,REF")
      .def_property_readonly("available_devices", &Core::available_devices);
}
