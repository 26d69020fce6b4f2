// numpy arrays and zenith::Tensor, both ways, without copying where the layout allows.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>

#include "zenith/zenith.h"

namespace zenith::python {

namespace py = pybind11;

// The numpy dtype of an element type. bf16 has none: Error (Unsupported).
py::dtype dtype_of(ElementType type);

// An input for `port`, named in errors as `what` ("input 'x'"): `array` must have the port's
// element type (nothing is converted: a float64 array for an f32 input is an error naming
// both) and the port's rank. A C-contiguous array is wrapped, not copied; `keep` then holds
// the array that owns the data, which must outlive the run that reads it.
Tensor tensor_of(const py::handle& array, const Port& port, const std::string& what,
                 py::object& keep);

// A numpy array sharing `tensor`'s storage (it keeps the storage alive); writable, since a
// request's later runs write new tensors rather than this one.
py::array array_of(const Tensor& tensor);

}  // namespace zenith::python
