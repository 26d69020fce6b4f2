#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using Attrs = std::map<std::string, ir::Attribute>;
using Ints = std::vector<int64_t>;

void check_pool(const std::string& op, ir::Dims x, Attrs attrs) {
  auto g = make_graph({make_node(op, {"X"}, {"Y"}, std::move(attrs))}, {"X"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor(std::move(x), 1)}});
}

TEST(CpuPool, MaxPoolPaddedStridedCeilDilated) {
  check_pool("MaxPool", {5, 3, 11, 13},
             {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}});
  check_pool("MaxPool", {1, 17, 10, 9},
             {{"kernel_shape", Ints{3, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}});
  check_pool("MaxPool", {1, 4, 12, 12}, {{"kernel_shape", Ints{2, 2}}, {"dilations", Ints{2, 2}}});
}

TEST(CpuPool, AveragePoolWithAndWithoutPadCounting) {
  const Attrs base = {{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}}, {"pads", Ints{1, 1, 1, 1}}};
  check_pool("AveragePool", {2, 5, 9, 11}, base);
  Attrs counting = base;
  counting["count_include_pad"] = int64_t{1};
  check_pool("AveragePool", {2, 5, 9, 11}, counting);
  check_pool("AveragePool", {1, 3, 10, 9},
             {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}, {"ceil_mode", int64_t{1}}});
}

TEST(CpuPool, GlobalPools) {
  check_pool("GlobalAveragePool", {5, 19, 7, 3}, {});
  check_pool("GlobalMaxPool", {1, 3, 5, 5, 2}, {});
}

TEST(CpuPool, OneAndThreeDimensionalWindows) {
  for (int64_t batch : {1, 3}) {
    SCOPED_TRACE("batch " + std::to_string(batch));
    check_pool("MaxPool", {batch, 5, 6, 7, 9},
               {{"kernel_shape", Ints{2, 3, 2}},
                {"strides", Ints{2, 2, 2}},
                {"pads", Ints{0, 1, 1, 0, 1, 0}}});
    check_pool("AveragePool", {batch, 16, 5, 7, 8},
               {{"kernel_shape", Ints{3, 3, 3}}, {"strides", Ints{1, 2, 2}}});
    check_pool("AveragePool", {batch, 3, 5, 6, 7},
               {{"kernel_shape", Ints{2, 2, 2}},
                {"pads", Ints{1, 1, 1, 1, 1, 1}},
                {"count_include_pad", int64_t{1}}});
    check_pool("MaxPool", {batch, 7, 19},
               {{"kernel_shape", Ints{3}}, {"strides", Ints{2}}, {"pads", Ints{1, 1}}});
    check_pool("AveragePool", {batch, 7, 19}, {{"kernel_shape", Ints{4}}, {"strides", Ints{3}}});
    check_pool("GlobalAveragePool", {batch, 7, 4, 5, 6}, {});
  }
}

TEST(CpuPool, AveragePoolCountingPadStretchedByCeilModeRunsOnRef) {
  auto g = make_graph({make_node("AveragePool", {"X"}, {"Y"},
                                 {{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}},
                                  {"ceil_mode", int64_t{1}}, {"count_include_pad", int64_t{1}}})},
                      {"X"}, {"Y"});
  expect_cpu_matches_ref(*g, {{"X", random_tensor({1, 3, 5, 5}, 1)}}, {.on_cpu = false});
}

}  // namespace
}  // namespace zenith
