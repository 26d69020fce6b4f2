// Seeded random input tensors: SplitMix64, so values are the same on every platform.
#include "tools/random_fill.h"

#include <fmt/format.h>

#include <type_traits>

#include "ir/errors.h"

namespace zenith::tools {
namespace {

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ull;
  return h;
}

}  // namespace

ir::Dims concrete_dims(const ir::Shape& shape, std::vector<std::string>& notes) {
  ir::Dims dims;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i].is_known()) {
      dims.push_back(shape[i].value);
      continue;
    }
    dims.push_back(1);
    notes.push_back(shape[i].symbol.empty()
                        ? fmt::format("unknown dimension {} set to 1", i)
                        : fmt::format("dimension {} '{}' set to 1", i, shape[i].symbol));
  }
  return dims;
}

ir::Tensor random_tensor(ir::DType dtype, const ir::Dims& dims, uint64_t seed,
                         std::string_view name) {
  ir::Tensor tensor;
  try {
    tensor = ir::Tensor(dtype, dims);
  } catch (const Error& e) {
    rethrow_with_context(e, fmt::format("input '{}': ", name));
  }
  uint64_t state = seed ^ fnv1a(name);
  ir::visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, std::string>) {
      T* data = tensor.data<T>();
      for (int64_t i = 0; i < tensor.numel(); ++i) {
        const uint64_t bits = splitmix64(state);
        if constexpr (std::is_same_v<T, bool>) {
          data[i] = (bits >> 63) != 0;
        } else if constexpr (std::is_integral_v<T>) {
          data[i] = static_cast<T>((bits >> 32) % 10);
        } else {
          // 53 random bits give a double uniform in [0, 1).
          const double u = static_cast<double>(bits >> 11) * 0x1.0p-53;
          data[i] = T(static_cast<float>(2.0 * u - 1.0));
        }
      }
    }
  });
  return tensor;
}

}  // namespace zenith::tools
