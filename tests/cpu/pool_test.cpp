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

// A convolution's output (in channel blocks) reduced over every spatial axis, which the CPU
// reads in place (PointNet's max over points); 1-D, 2-D and 3-D maps, with and without keepdims,
// and a channel count that is no whole number of blocks (which takes the plain path).
TEST(CpuReduce, SpatialAxesOfAMapInChannelBlocks) {
  for (const Ints& dims :
       {Ints{2, 16, 37}, Ints{2, 16, 5, 7}, Ints{1, 16, 3, 4, 5}, Ints{2, 12, 5, 7}})
    for (const char* op : {"ReduceMax", "ReduceMean", "ReduceSumSquare"})
      for (int64_t keepdims : {0, 1}) {
        SCOPED_TRACE(::testing::Message() << op << " rank " << dims.size() << " channels "
                                          << dims[1] << " keepdims " << keepdims);
        Ints axes;
        for (size_t i = 2; i < dims.size(); ++i) axes.push_back(static_cast<int64_t>(i));
        Ints kernel(dims.size() - 2, 1);
        Ints weights = {dims[1], 4};
        weights.insert(weights.end(), kernel.begin(), kernel.end());
        auto g = make_graph(
            {make_node("Conv", {"X", "W"}, {"c"}),
             make_node(op, {"c", "axes"}, {"Y"}, {{"keepdims", keepdims}})},
            {"X"}, {"Y"},
            {{"W", random_tensor(weights, 2)}, {"axes", ir::Tensor::vector_of<int64_t>(axes)}});
        Ints x = dims;
        x[1] = 4;
        expect_cpu_matches_ref(*g, {{"X", random_tensor(x, 1)}}, {.rtol = 1e-5, .atol = 1e-5});
      }
}

}  // namespace
}  // namespace zenith
