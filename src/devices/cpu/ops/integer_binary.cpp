// Integer Add / Sub / Mul / Div on the CPU device (integer_binary.h).
#include "devices/cpu/ops/integer_binary.h"

#include <algorithm>

#include "devices/cpu/ops/broadcast_map.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/plain_data.h"
#include "devices/reference/elementwise_util.h"

namespace zenith::cpu {
namespace {

bool is_i32_or_i64(ir::DType dtype) { return dtype == ir::DType::I64 || dtype == ir::DType::I32; }

template <typename T>
void compute(dnnl::algorithm op, const ir::Tensor& a, const ir::Tensor& b, ir::Tensor& y) {
  const T* pa = a.data<T>();
  const T* pb = b.data<T>();
  T* out = y.data<T>();
  auto map = [&](auto f) { map_broadcast(pa, a.dims(), pb, b.dims(), out, y.dims(), f); };
  switch (op) {
    case dnnl::algorithm::binary_add:
      return map([](T x, T z) { return ref::wrapping_add(x, z); });
    case dnnl::algorithm::binary_sub:
      return map([](T x, T z) { return ref::wrapping_sub(x, z); });
    case dnnl::algorithm::binary_mul:
      return map([](T x, T z) { return ref::wrapping_mul(x, z); });
    default:
      // Every divisor is checked before the parallel loop, which must not throw.
      std::for_each(pb, pb + b.numel(), [](T z) { ref::check_divisor(z); });
      return map([](T x, T z) { return ref::checked_divide(x, z); });
  }
}

}  // namespace

bool integer_operands(const std::vector<const CpuValue*>& in) {
  return in.size() == 2 && in[0] && in[1] && is_i32_or_i64(in[0]->dtype()) &&
         in[1]->dtype() == in[0]->dtype();
}

bool declared_integer_operands(const ir::Graph& graph, const ir::Node& node) {
  bool any = false;
  for (const std::string& name : node.inputs) {
    const ir::DType dtype = name.empty() ? ir::DType::Undefined : declared_dtype(graph, name);
    if (dtype != ir::DType::Undefined && !is_i32_or_i64(dtype)) return false;
    any |= is_i32_or_i64(dtype);
  }
  return any;
}

CpuValue integer_binary(dnnl::algorithm op, const std::vector<const CpuValue*>& in,
                        dnnl::stream& stream) {
  const ir::Tensor a = to_plain(*in[0], stream);
  const ir::Tensor b = to_plain(*in[1], stream);
  CpuValue y = allocate_plain(a.dtype(), ir::broadcast_dims(a.dims(), b.dims()));
  note_kernel("zenith:integer_binary");
  if (a.dtype() == ir::DType::I64)
    compute<int64_t>(op, a, b, y.plain);
  else
    compute<int32_t>(op, a, b, y.plain);
  return y;
}

}  // namespace zenith::cpu
