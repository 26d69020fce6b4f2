// Reshape, Flatten and Transpose on the CPU device, from blocked and plain inputs.
#include "cpu/inputs.h"

namespace zenith {
namespace {

using testing::after_conv;
using testing::expect_cpu_error;
using testing::expect_cpu_matches_ref;
using testing::ints;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

TEST(CpuReshape, FlattenReshapeAndTransposeOfABlockedTensor) {
  const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({2, 16, 5, 7}, 1)}};
  expect_cpu_matches_ref(*after_conv({make_node("Flatten", {"c"}, {"Y"})}), feeds, testing::kWinograd);
  expect_cpu_matches_ref(*after_conv({make_node("Flatten", {"c"}, {"Y"}, {{"axis", int64_t{-2}}})}), feeds,
                         testing::kWinograd);
  expect_cpu_matches_ref(
      *after_conv({make_node("Reshape", {"c", "shape"}, {"r"}), make_node("Relu", {"r"}, {"Y"})},
                  {{"shape", ints({0, 8, -1})}}),
      feeds, testing::kWinograd);
  expect_cpu_matches_ref(*after_conv({make_node("Transpose", {"c"}, {"Y"}, {{"perm", std::vector<int64_t>{0, 2, 3, 1}}})}),
                         feeds, testing::kWinograd);
  expect_cpu_matches_ref(*after_conv({make_node("Transpose", {"c"}, {"Y"})}), feeds, testing::kWinograd);
}

TEST(CpuReshape, PlainInputsAndErrorsAsOnRef) {
  const auto t = make_graph({make_node("Transpose", {"X"}, {"Y"}, {{"perm", std::vector<int64_t>{2, 0, 1}}})},
                            {"X"}, {"Y"}, {});
  expect_cpu_matches_ref(*t, {{"X", random_tensor({3, 4, 5}, 1)}});
  const auto r = make_graph({make_node("Reshape", {"X", "shape"}, {"Y"})}, {"X"}, {"Y"},
                            {{"shape", ints({-1, 6})}});
  expect_cpu_matches_ref(*r, {{"X", random_tensor({4, 3}, 1)}});
  // A shape that does not fit: REF's message, from the CPU step.
  expect_cpu_error(*r, {{"X", random_tensor({5, 5}, 1)}}, {"cannot infer the -1 dim", "Reshape"});
}

}  // namespace
}  // namespace zenith
