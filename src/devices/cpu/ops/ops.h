// The CPU device's op families; cpu_op.cpp lists them in one sorted table.
#pragma once

#include <memory>
#include <string>

#include "devices/cpu/cpu_op.h"

namespace zenith::cpu {

#define ZENITH_CPU_OP_FAMILY(name)                                                 \
  std::string supports_##name(const ir::Graph& graph, const ir::Node& node);       \
  std::unique_ptr<CpuOp> build_##name(const ir::Graph& graph, const StepSpec& spec);

ZENITH_CPU_OP_FAMILY(attention)
ZENITH_CPU_OP_FAMILY(batch_norm)
ZENITH_CPU_OP_FAMILY(binary)
ZENITH_CPU_OP_FAMILY(cast)
ZENITH_CPU_OP_FAMILY(compare)
ZENITH_CPU_OP_FAMILY(concat)
ZENITH_CPU_OP_FAMILY(constant_of_shape)
ZENITH_CPU_OP_FAMILY(conv)
ZENITH_CPU_OP_FAMILY(conv_transpose)
ZENITH_CPU_OP_FAMILY(eltwise)
ZENITH_CPU_OP_FAMILY(erf)
ZENITH_CPU_OP_FAMILY(expand)
ZENITH_CPU_OP_FAMILY(gather)
ZENITH_CPU_OP_FAMILY(instance_norm)
ZENITH_CPU_OP_FAMILY(layer_norm)
ZENITH_CPU_OP_FAMILY(lrn)
ZENITH_CPU_OP_FAMILY(matmul)
ZENITH_CPU_OP_FAMILY(pad)
ZENITH_CPU_OP_FAMILY(pool)
ZENITH_CPU_OP_FAMILY(reduce)
ZENITH_CPU_OP_FAMILY(reshape)
ZENITH_CPU_OP_FAMILY(resize)
ZENITH_CPU_OP_FAMILY(rnn)
ZENITH_CPU_OP_FAMILY(shape)
ZENITH_CPU_OP_FAMILY(slice)
ZENITH_CPU_OP_FAMILY(softmax)
ZENITH_CPU_OP_FAMILY(transpose)
ZENITH_CPU_OP_FAMILY(where)

#undef ZENITH_CPU_OP_FAMILY

}  // namespace zenith::cpu
