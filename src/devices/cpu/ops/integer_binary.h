// Add, Sub, Mul and Div on i64 and i32 operands, with numpy broadcasting and REF's semantics
// (wrapping overflow, truncating division, an error for a zero divisor): the index and shape
// arithmetic models do beside their f32 work. The binary op family runs them when its operands
// are integers; oneDNN's binary primitive has no i64.
#pragma once

#include <vector>

#include "devices/cpu/cpu_op.h"

namespace zenith::cpu {

// True if both operands are present and i64, or both i32.
bool integer_operands(const std::vector<const CpuValue*>& in);

// True if the graph declares every input of `node` i64 or i32 (or leaves it unknown) and at
// least one of them an integer.
bool declared_integer_operands(const ir::Graph& graph, const ir::Node& node);

// `op` (Add, Sub, Mul or Div) of two integer operands. REQUIRES: integer_operands(in).
CpuValue integer_binary(dnnl::algorithm op, const std::vector<const CpuValue*>& in,
                        dnnl::stream& stream);

}  // namespace zenith::cpu
