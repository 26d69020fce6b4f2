// Pass test helpers: seeded random inputs, op counts, and REF outputs compared before and after.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "devices/reference/interpreter.h"
#include "ir/graph.h"
#include "testing/outputs.h"

namespace zenith::testing {

// The folding passes reorder float arithmetic, so they compare within these; removal passes
// compare exactly.
inline constexpr double kFoldRtol = 1e-5;
inline constexpr double kFoldAtol = 1e-6;

inline size_t count_ops(const ir::Graph& graph, const std::string& op_type) {
  size_t count = 0;
  for (const ir::Node& node : graph.nodes) count += node.op_type == op_type ? 1 : 0;
  return count;
}

// Runs both graphs on REF with `feeds` and expects every output tensor to agree within
// atol + rtol * |expected| (0, 0: exactly).
inline void expect_same_outputs(const ir::Graph& before, const ir::Graph& after,
                                const std::map<std::string, ir::Value>& feeds, double rtol = 0,
                                double atol = 0) {
  expect_outputs_near(ref::Interpreter().run(after, feeds), ref::Interpreter().run(before, feeds),
                      rtol, atol);
}

}  // namespace zenith::testing
