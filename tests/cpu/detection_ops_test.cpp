// RoiAlign and ScatterElements, the ops of a detector's RoI pooler (torchvision's
// MultiScaleRoIAlign), on the CPU device against REF: boxes inside, across and outside the map,
// both modes and transforms, many regions (threads), every reduction and dtype; each test fails
// if a node runs on REF.
#include "cpu/inputs.h"

namespace zenith {
namespace {

using testing::after_conv;
using testing::as_dtype;
using testing::expect_cpu_error;
using testing::expect_cpu_matches_ref;
using testing::make_graph;
using testing::make_node;
using testing::random_tensor;
using testing::tensor_of;

// `count` boxes [x1, y1, x2, y2] over a map of `size` pixels scaled by 2 (spatial_scale 0.5):
// most inside, some across an edge or wholly outside, one with x2 < x1, and their images
// alternating between 0 and 1.
std::pair<ir::Tensor, ir::Tensor> boxes(int64_t count, float size) {
  ir::Tensor rois(ir::DType::F32, {count, 4});
  ir::Tensor batch(ir::DType::I64, {count});
  const ir::Tensor r = random_tensor({count, 4}, 7);  // in [-1, 1)
  for (int64_t i = 0; i < count; ++i) {
    float* b = rois.data<float>() + i * 4;
    const float* u = r.data<float>() + i * 4;
    const float x = (u[0] + 1) * size, y = (u[1] + 1) * size;  // 0 .. 2 size: a third outside
    b[0] = x;
    b[1] = y;
    b[2] = x + (u[2] + 1.2f) * size * 0.6f;
    b[3] = y + (u[3] + 1.2f) * size * 0.6f;
    batch.data<int64_t>()[i] = i % 2;
  }
  rois.data<float>()[2] = rois.data<float>()[0] - 3;  // box 0: x2 < x1
  return {rois, batch};
}

TEST(CpuRoiAlign, ModesTransformsAndSamplingAgainstRef) {
  const auto [rois, batch] = boxes(40, 10);
  for (const char* mode : {"avg", "max"})
    for (const char* transform : {"half_pixel", "output_half_pixel"})
      for (int64_t ratio : {0, 2}) {
        SCOPED_TRACE(::testing::Message() << mode << " " << transform << " ratio " << ratio);
        // The map comes out of a convolution, in channel blocks.
        const auto g =
            after_conv({make_node("RoiAlign", {"c", "R", "B"}, {"Y"},
                                  {{"mode", std::string(mode)},
                                   {"coordinate_transformation_mode", std::string(transform)},
                                   {"output_height", int64_t{7}},
                                   {"output_width", int64_t{5}},
                                   {"sampling_ratio", ratio},
                                   {"spatial_scale", 0.5f}})},
                       {{"R", rois}, {"B", batch}});
        expect_cpu_matches_ref(*g, {{"X", random_tensor({2, 16, 10, 10}, 1)}}, testing::kWinograd);
      }
}

TEST(CpuRoiAlign, PlainMapAndI32BatchIndices) {
  auto [rois, batch] = boxes(3, 6);
  const auto g = make_graph({make_node("RoiAlign", {"X", "R", "B"}, {"Y"},
                                       {{"output_height", int64_t{2}}, {"spatial_scale", 0.5f}})},
                            {"X", "R", "B"}, {"Y"});
  expect_cpu_matches_ref(*g,
                         {{"X", random_tensor({2, 3, 6, 7}, 1)},
                          {"R", rois},
                          {"B", as_dtype(tensor_of<float>({3}, {0, 0.01f, 0}), ir::DType::I32)}});
}

TEST(CpuRoiAlign, BadBatchIndexNamesTheNode) {
  const auto [rois, batch] = boxes(2, 6);
  const auto g =
      make_graph({make_node("RoiAlign", {"X", "R", "B"}, {"Y"})}, {"X", "R", "B"}, {"Y"});
  expect_cpu_error(
      *g,
      {{"X", random_tensor({2, 3, 6, 7}, 1)}, {"R", rois}, {"B", tensor_of<int64_t>({2}, {0, 2})}},
      {"n_RoiAlign", "batch_indices[1] = 2 is outside [0, 2)"});
}

// Indices along `axis` of [3, 4, 5] data with repeats, so that reductions and the last-wins order
// of "none" are exercised.
ir::Tensor repeated_indices(const ir::Dims& dims, int64_t extent) {
  ir::Tensor t(ir::DType::I64, dims);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.data<int64_t>()[i] = (i * 5 + i / 3) % extent - (i % 4 == 0 ? extent : 0);
  return t;
}

TEST(CpuScatterElements, EveryAxisReductionAndDtype) {
  const ir::Dims data_dims = {3, 4, 5};
  for (int64_t axis : {0, 1, -1})
    for (const char* reduction : {"none", "add", "mul", "max", "min"})
      for (ir::DType dtype : {ir::DType::F32, ir::DType::I64, ir::DType::I32}) {
        SCOPED_TRACE(::testing::Message()
                     << "axis " << axis << " " << reduction << " " << ir::dtype_name(dtype));
        const auto a = static_cast<size_t>(axis < 0 ? axis + 3 : axis);
        ir::Dims dims = {2, 3, 4};  // smaller than data off the axis
        dims[a] = 6;                // more updates than positions: repeats
        const auto g =
            make_graph({make_node("ScatterElements", {"D", "I", "U"}, {"Y"},
                                  {{"axis", axis}, {"reduction", std::string(reduction)}})},
                       {"D", "I", "U"}, {"Y"});
        expect_cpu_matches_ref(*g, {{"D", as_dtype(random_tensor(data_dims, 1), dtype, 10)},
                                    {"I", repeated_indices(dims, data_dims[a])},
                                    {"U", as_dtype(random_tensor(dims, 2), dtype, 10)}});
      }
}

TEST(CpuScatterElements, RoiPoolerRowsIntoAComputedTensor) {
  // MultiScaleRoIAlign's export: each level's rows scattered into [R, C, 7, 7] by an index
  // expanded to the rows' dims; large enough for threads. The data is computed (Relu), so the
  // scatter may write into it in place, unless a later node reads it (then it must not).
  const int64_t rows = 60, channels = 32;
  ir::Tensor order(ir::DType::I64, {rows / 2, 1, 1, 1});
  for (int64_t i = 0; i < rows / 2; ++i) order.data<int64_t>()[i] = (i * 7) % rows;
  for (bool read_later : {false, true}) {
    SCOPED_TRACE(read_later ? "data read after the scatter" : "data read by the scatter only");
    std::vector<ir::Node> nodes = {
        make_node("Relu", {"D"}, {"data"}), make_node("Shape", {"U"}, {"s"}),
        make_node("Expand", {"I", "s"}, {"i"}),
        make_node("ScatterElements", {"data", "i", "U"}, {"Y"}, {{"axis", int64_t{0}}})};
    std::vector<std::string> outputs = {"Y"};
    if (read_later) {
      nodes.push_back(make_node("Neg", {"data"}, {"Z"}));
      outputs.push_back("Z");
    }
    const auto g = make_graph(nodes, {"D", "I", "U"}, outputs);
    expect_cpu_matches_ref(*g,
                           {{"D", random_tensor({rows, channels, 7, 7}, 1)},
                            {"I", order},
                            {"U", random_tensor({rows / 2, channels, 7, 7}, 3)}},
                           {.rtol = 0, .atol = 0});
  }
}

TEST(CpuScatterElements, OutOfRangeIndexNamesTheNode) {
  const auto g =
      make_graph({make_node("ScatterElements", {"D", "I", "U"}, {"Y"})}, {"D", "I", "U"}, {"Y"});
  expect_cpu_error(*g,
                   {{"D", random_tensor({3, 2}, 1)},
                    {"I", tensor_of<int64_t>({1, 2}, {0, 3})},
                    {"U", random_tensor({1, 2}, 2)}},
                   {"n_ScatterElements", "input 'indices' holds index 3, out of range [-3, 2]"});
}

}  // namespace
}  // namespace zenith
