// Plain tensors of any fixed-size dtype on the CPU device (plain_data.h).
#include "devices/cpu/ops/plain_data.h"

#include <algorithm>

#include "devices/cpu/arena.h"
#include "devices/cpu/ops/op_util.h"

namespace zenith::cpu {

CpuValue allocate_plain(ir::DType dtype, const ir::Dims& dims) {
  const size_t bytes =
      static_cast<size_t>(ir::checked_numel(dims, "output")) * ir::dtype_size(dtype);
  std::shared_ptr<void> buffer = run_buffer(bytes);
  CpuValue value = wrap_in_run(ir::Tensor::view(dtype, dims, buffer.get(), buffer));
  value.owner = std::move(buffer);
  return value;
}

bool all_fixed_size(const std::vector<const CpuValue*>& inputs) {
  return std::all_of(inputs.begin(), inputs.end(), [](const CpuValue* v) {
    if (!v) return true;
    const ir::DType dtype = v->dtype();
    return dtype != ir::DType::String && dtype != ir::DType::Undefined;
  });
}

std::string require_fixed_size(const ir::Graph& graph, const ir::Node& node, size_t inputs) {
  for (size_t i = 0; i < node.inputs.size() && i < inputs; ++i)
    if (!node.inputs[i].empty() && declared_dtype(graph, node.inputs[i]) == ir::DType::String)
      return fmt::format("input '{}' is a string tensor; the CPU device moves fixed-size elements",
                         node.inputs[i]);
  return "";
}

ir::Dims int_values(const CpuValue& value, std::string_view what, dnnl::stream& stream) {
  return ir::to_int64_vector(to_plain(value, stream), what);
}

std::optional<ir::Dims> optional_int_values(const CpuValue* value, std::string_view what,
                                            dnnl::stream& stream) {
  if (!value) return std::nullopt;
  return int_values(*value, what, stream);
}

}  // namespace zenith::cpu
