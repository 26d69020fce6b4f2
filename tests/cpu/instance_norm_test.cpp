// InstanceNormalization on the CPU device (a loop of our own, devices/cpu/ops/instance_norm.cpp)
// against REF.
#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// Constant scale and B, X fed at run time; the CPU loop sums in double but normalizes in f32.
void check_instance_norm(const ir::Dims& x, float epsilon) {
  auto g = make_graph(
      {make_node("InstanceNormalization", {"X", "s", "b"}, {"Y"}, {{"epsilon", epsilon}})}, {"X"},
      {"Y"}, {{"s", random_tensor({x[1]}, 2)}, {"b", random_tensor({x[1]}, 3)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor(x, 1)}}, {.rtol = 1e-4, .atol = 1e-5});
}

TEST(CpuInstanceNorm, OneTwoAndThreeSpatialDims) {
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    check_instance_norm({batch, 5, 17}, 1e-5f);
    check_instance_norm({batch, 7, 9, 11}, 1e-3f);
    check_instance_norm({batch, 16, 8, 8}, 1e-5f);
    check_instance_norm({batch, 3, 4, 5, 6}, 1e-5f);
  }
}

TEST(CpuInstanceNorm, AfterABlockedConvolution) {
  // The convolution's output is in channel blocks; the normalization reads it through a reorder.
  auto g = make_graph({make_node("Conv", {"X", "W"}, {"c"}),
                       make_node("InstanceNormalization", {"c", "s", "b"}, {"Y"})},
                      {"X"}, {"Y"},
                      {{"W", random_tensor({32, 16, 1, 1}, 4)},
                       {"s", random_tensor({32}, 2)},
                       {"b", random_tensor({32}, 3)}});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 16, 6, 7}, 1)}},
                         {.rtol = 1e-4, .atol = 1e-5});
}

}  // namespace
}  // namespace zenith
