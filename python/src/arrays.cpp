// numpy <-> Tensor: a table of element types, a contiguity check, and a capsule that keeps an
// output's storage alive for as long as numpy holds the array.
#include "arrays.h"

#include <utility>

namespace zenith::python {
namespace {

// numpy's name for each element type ("" for bf16, which numpy lacks).
const char* numpy_format(ElementType type) {
  switch (type) {
    case ElementType::f32:
      return "float32";
    case ElementType::f64:
      return "float64";
    case ElementType::f16:
      return "float16";
    case ElementType::i8:
      return "int8";
    case ElementType::u8:
      return "uint8";
    case ElementType::i16:
      return "int16";
    case ElementType::u16:
      return "uint16";
    case ElementType::i32:
      return "int32";
    case ElementType::u32:
      return "uint32";
    case ElementType::i64:
      return "int64";
    case ElementType::u64:
      return "uint64";
    case ElementType::boolean:
      return "bool";
    case ElementType::bf16:
      break;
  }
  return "";
}

std::string name_of(const py::dtype& dtype) { return py::str(py::handle(dtype)); }

std::string shape_text(const Shape& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace

py::dtype dtype_of(ElementType type) {
  const char* format = numpy_format(type);
  if (*format == 0)
    throw Error(Error::Kind::Unsupported,
                std::string("numpy has no ") + to_string(type) + " element type");
  return py::dtype(format);
}

Tensor tensor_of(const py::handle& value, const Port& port, const std::string& what,
                 py::object& keep) {
  if (!py::isinstance<py::array>(value))
    throw Error(Error::Kind::InvalidArgument,
                what + ": expected a numpy array, got " +
                    std::string(py::str(value.get_type().attr("__name__"))));
  auto array = py::reinterpret_borrow<py::array>(value);
  const py::dtype want = dtype_of(port.element_type);
  if (!array.dtype().equal(want))
    throw Error(Error::Kind::InvalidArgument,
                what + ": the array is " + name_of(array.dtype()) + ", the model takes " +
                    name_of(want) + " (" + to_string(port) + "); convert it with .astype(numpy." +
                    name_of(want) + ")");
  Shape shape(array.shape(), array.shape() + array.ndim());
  if (port.has_shape && shape.size() != port.shape.size())
    throw Error(Error::Kind::InvalidArgument, what + ": the array's shape is " + shape_text(shape) +
                                                  ", the model takes " + to_string(port));
  // One copy, only when numpy's strides are not row-major.
  if (!(array.flags() & py::array::c_style))
    array = py::array::ensure(array, py::array::c_style | py::array::forcecast);
  keep = array;
  return Tensor(port.element_type, std::move(shape), const_cast<void*>(array.data()));
}

py::array array_of(const Tensor& tensor) {
  auto* held = new Tensor(tensor);
  py::capsule owner(held, [](void* p) { delete static_cast<Tensor*>(p); });
  std::vector<py::ssize_t> shape(tensor.shape().begin(), tensor.shape().end());
  return py::array(dtype_of(tensor.element_type()), shape, held->data(), owner);
}

}  // namespace zenith::python
