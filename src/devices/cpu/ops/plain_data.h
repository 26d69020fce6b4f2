// What the CPU steps that move, select or convert elements of any fixed-size dtype (f32, i64,
// i32, bool, ...) share: they read and write plain row-major tensors, so a blocked input is
// reordered to plain first and values oneDNN has no type for (i64, bool) need no oneDNN memory.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "devices/cpu/cpu_op.h"
#include "devices/reference/element_util.h"
#include "ir/errors.h"

namespace zenith::cpu {

// Calls f(ir::TypeTag<U>{}) with U the unsigned integer of `size` bytes (1, 2, 4 or 8): loops
// that only move elements move them as such, one instantiation per size instead of per dtype.
template <typename F>
void visit_element_size(size_t size, F&& f) {
  switch (size) {
    case 1:
      return f(ir::TypeTag<uint8_t>{});
    case 2:
      return f(ir::TypeTag<uint16_t>{});
    case 4:
      return f(ir::TypeTag<uint32_t>{});
    case 8:
      return f(ir::TypeTag<uint64_t>{});
    default:
      throw Error(Error::Kind::Internal, fmt::format("no element loop for {}-byte elements", size));
  }
}

// Fresh plain `dims` of `dtype` from the run's buffers, with oneDNN memory when oneDNN has the
// dtype (so an f32 output feeds the next oneDNN step as is).
CpuValue allocate_plain(ir::DType dtype, const ir::Dims& dims);

// True if every present input holds fixed-size elements: anything but strings, whose elements
// are objects (REF copies them).
bool all_fixed_size(const std::vector<const CpuValue*>& inputs);

// "" unless the graph declares input i (i < `inputs`) of `node` a string, else the reason.
std::string require_fixed_size(const ir::Graph& graph, const ir::Node& node,
                               size_t inputs = std::numeric_limits<size_t>::max());

// The elements of an integer input (Slice's starts, Pad's pads, ...), widened to i64; `what`
// names it in errors, which are REF's. In Dims, which hold short lists in place.
ir::Dims int_values(const CpuValue& value, std::string_view what, dnnl::stream& stream);
// The same for an optional input: nullopt when absent.
std::optional<ir::Dims> optional_int_values(const CpuValue* value, std::string_view what,
                                            dnnl::stream& stream);

// True for an i64 or i32 value: what index inputs (Gather's, Scatter's) take.
inline bool is_index(const CpuValue* v) {
  return v && (v->dtype() == ir::DType::I64 || v->dtype() == ir::DType::I32);
}

// Checks each of the i32 or i64 `indices` against `extent` (REF's errors), then calls fn(at),
// where at(j) is index j made non-negative: the indices are read in place, never copied.
template <class Fn>
void with_checked_indices(const ir::Tensor& indices, int64_t extent, Fn&& fn) {
  ir::visit_dtype(indices.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>) {
      const T* p = indices.data<T>();
      for (int64_t i = 0; i < indices.numel(); ++i)
        ref::checked_index(p[i], extent, "input 'indices'");
      fn([p, extent](int64_t j) {
        const auto k = static_cast<int64_t>(p[j]);
        return k < 0 ? k + extent : k;
      });
    }
  });
}

}  // namespace zenith::cpu
