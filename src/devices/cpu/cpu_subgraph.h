// The CPU's part of a plan: the CPU nodes grouped into steps (fusion.h), each a CpuOp, with the
// Concat chains computed in place (concat_chains.h). Consecutive CPU steps pass oneDNN memory in
// the layouts their primitives chose; a value is reordered to plain only when another device or
// the caller reads it.
#pragma once

#include <memory>

#include "devices/subgraph.h"

namespace zenith::cpu {

std::unique_ptr<devices::Subgraph> compile_subgraph(const devices::CompileContext& context);

}  // namespace zenith::cpu
