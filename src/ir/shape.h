// Dims (concrete sizes) and Shape (possibly symbolic dimensions) with their arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ir/dims.h"

namespace zenith::ir {

// One dimension of a static shape: a known size, a named symbol ("batch"), or unknown.
struct Dim {
  int64_t value = -1;  // >= 0 when known
  std::string symbol;  // set when symbolic

  Dim() = default;
  Dim(int64_t v) : value(v) {}  // NOLINT(google-explicit-constructor)
  static Dim named(std::string name) {
    Dim d;
    d.symbol = std::move(name);
    return d;
  }
  bool is_known() const { return value >= 0; }
  bool operator==(const Dim& other) const = default;
};

using Shape = std::vector<Dim>;

// "[1,3,224,224]", "[batch,1000]", "[?,3]".
std::string to_string(const Dims& dims);
std::string to_string(const Shape& shape);
Shape to_shape(const Dims& dims);
// The concrete dims if every dimension is known.
std::optional<Dims> to_dims(const Shape& shape);

// Product of dims. Throws InvalidArgument (naming `what`) if a dim is negative or the product
// would overflow int64.
int64_t checked_numel(const Dims& dims, std::string_view what = "tensor");

// Row-major strides (in elements) for dims.
Dims strides_of(const Dims& dims);

// Normalizes a possibly negative axis against `rank`; throws InvalidArgument naming `what`.
int64_t normalize_axis(int64_t axis, int64_t rank, std::string_view what = "axis");

// Numpy-style broadcast of two shapes; throws InvalidArgument if incompatible.
Dims broadcast_dims(const Dims& a, const Dims& b);

}  // namespace zenith::ir
