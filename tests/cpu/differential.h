// Differential tests of the CPU device: run a small graph on REF and on CPU and compare.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "runtime/plan.h"
#include "passes/freeze_input_shapes.h"
#include "reference/graph_builder.h"
#include "testing/outputs.h"

namespace zenith::testing {

// How a CPU run is expected to go.
struct CpuExpectation {
  double rtol = 1e-4;
  double atol = 1e-5;
  double scale = 0;  // a fraction of the output's largest magnitude (testing/outputs.h)
  bool on_cpu = true;  // every node assigned to CPU and no step fell back to REF at run time
};

// For graphs with 3x3 stride-1 convolutions, which may run as Winograd (devices/cpu/ops/
// conv_choice.h): the model tolerance, plus 1e-5 of the output's largest magnitude (a layer
// errs by up to about 2e-6 of it in these tests, and errors add up over layers).
inline constexpr CpuExpectation kWinograd = {.rtol = 1e-3, .atol = 1e-4, .scale = 1e-5};

// `graph` with its inputs fixed to the shapes of `feeds`, as the runtime compiles it for them
// (runtime/session.h): for passes that act only on concrete shapes.
inline ir::Graph frozen_for(ir::Graph graph, const std::map<std::string, ir::Value>& feeds) {
  std::map<std::string, ir::Dims> shapes;
  for (const auto& [name, value] : feeds) shapes[name] = value.tensor(name).dims();
  passes::freeze_input_shapes(graph, shapes);
  return graph;
}

// Runs `graph` on REF and on CPU with `feeds`; every output must agree within the tolerances.
inline void expect_cpu_matches_ref(const ir::Graph& graph,
                                   const std::map<std::string, ir::Value>& feeds,
                                   CpuExpectation expect = {}) {
  const auto expected = ref::Interpreter().run(graph, feeds);
  const runtime::Plan plan(graph, {"CPU", "REF"});
  const auto actual = plan.run(feeds, 0);
  if (expect.on_cpu) {
    for (const hetero::Assignment& a : plan.assignments())
      EXPECT_EQ(a.device, "CPU") << a.op_type << " '" << a.node << "': " << a.reason;
    EXPECT_EQ(plan.ref_fallbacks(), 0u) << "a CPU step fell back to REF";
  }
  expect_outputs_near(actual, expected, expect.rtol, expect.atol, expect.scale);
}

}  // namespace zenith::testing
