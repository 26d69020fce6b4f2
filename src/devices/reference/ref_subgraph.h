// REF's part of a plan: each step runs its nodes with the interpreter's kernels, which read
// their inputs by name from a scope. REF also adopts every other device's steps, to run when
// that device declines one.
#pragma once

#include <memory>

#include "devices/subgraph.h"

namespace zenith::ref {

std::unique_ptr<devices::Subgraph> compile_subgraph(const devices::CompileContext& context);

}  // namespace zenith::ref
