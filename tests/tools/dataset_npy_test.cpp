// npy:DIR datasets: float samples taken as they are, uint8 pixels normalised, class ids and
// multi-label matrices, and each malformed input as an error naming the file.
#include <gtest/gtest.h>

#include "ir/tensor.h"
#include "testing/expect_error.h"
#include "testing/temp_dir.h"
#include "tools/dataset.h"
#include "tools/npy.h"

namespace zenith::tools {
namespace {

using testing::expect_error;

template <typename T>
ir::Tensor array(ir::DType dtype, ir::Dims dims, const std::vector<T>& values) {
  ir::Tensor t(dtype, std::move(dims));
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size());
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

class DatasetNpy : public ::testing::Test {
 protected:
  DatasetNpy() : dir_("npy") {}
  void write(const ir::Tensor& inputs, const ir::Tensor& labels) {
    write_npy(dir_ / "inputs.npy", inputs);
    write_npy(dir_ / "labels.npy", labels);
  }
  std::unique_ptr<Dataset> open(size_t limit = 0) {
    return open_dataset("npy:" + dir_.path().string(), limit);
  }
  static InputLayout layout(int64_t c, int64_t h, int64_t w) {
    InputLayout l;
    l.channels = c;
    l.height = h;
    l.width = w;
    l.mean = {10, 20, 30};
    l.scale = {2, 4, 5};
    return l;
  }
  testing::TempDir dir_;
};

TEST_F(DatasetNpy, TakesFloatSamplesAsTheyAre) {
  std::vector<float> values(3 * 1 * 2 * 2);
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.5f * static_cast<float>(i) - 1.0f;
  write(array(ir::DType::F32, {3, 1, 2, 2}, values),
        array<int64_t>(ir::DType::I64, {3}, {2, 0, 4}));
  const auto dataset = open();
  ASSERT_EQ(dataset->size(), 3u);
  EXPECT_FALSE(dataset->multi_label());
  EXPECT_EQ(dataset->classes(), (std::vector<std::string>{"0", "1", "2", "3", "4"}));
  EXPECT_EQ(dataset->labels(0), std::vector<int>{2});
  EXPECT_EQ(dataset->labels(2), std::vector<int>{4});
  // The layout's mean and scale do not apply to float samples.
  const Tensor sample = dataset->load(1, layout(1, 2, 2));
  ASSERT_EQ(sample.shape(), (Shape{1, 1, 2, 2}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(sample.data<float>()[i], values[4 + i]);
  EXPECT_EQ(open(2)->size(), 2u);
}

TEST_F(DatasetNpy, NormalisesPixelsAndDecodesThemAsImages) {
  // Two 3-channel 1x2 images: planes R, G, B.
  write(array<uint8_t>(ir::DType::U8, {2, 3, 1, 2}, {10, 12, 20, 24, 30, 35, 0, 0, 0, 0, 0, 255}),
        array<int32_t>(ir::DType::I32, {2}, {1, 0}));
  const auto dataset = open();
  EXPECT_EQ(dataset->classes(), (std::vector<std::string>{"0", "1"}));
  const Tensor sample = dataset->load(0, layout(3, 1, 2));
  // (pixel - mean) / scale per channel.
  const std::vector<float> expected = {0, 1, 0, 1, 0, 1};
  for (int i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(sample.data<float>()[i], expected[i]) << i;
  const Image image = dataset->image(1);
  EXPECT_EQ(image.width, 2);
  EXPECT_EQ(image.height, 1);
  EXPECT_EQ(image.rgb, (std::vector<uint8_t>{0, 0, 0, 0, 0, 255}));
}

TEST_F(DatasetNpy, ReadsMultiLabelMatrices) {
  write(array<float>(ir::DType::F32, {3, 1, 1, 1}, {1, 2, 3}),
        array<float>(ir::DType::F32, {3, 4}, {1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1}));
  auto dataset = open();
  EXPECT_TRUE(dataset->multi_label());
  EXPECT_EQ(dataset->classes().size(), 4u);
  EXPECT_EQ(dataset->labels(0), (std::vector<int>{0, 3}));
  EXPECT_EQ(dataset->labels(1), std::vector<int>{});
  EXPECT_EQ(dataset->labels(2), (std::vector<int>{1, 2, 3}));
  write(array<float>(ir::DType::F32, {1, 1, 1, 1}, {1}),
        array<uint8_t>(ir::DType::U8, {1, 3}, {0, 1, 1}));
  dataset = open();
  EXPECT_EQ(dataset->labels(0), (std::vector<int>{1, 2}));
}

TEST_F(DatasetNpy, RefusesMalformedArraysNamingTheFile) {
  const std::string inputs = (dir_ / "inputs.npy").string();
  const std::string labels = (dir_ / "labels.npy").string();
  const ir::Tensor two = array<float>(ir::DType::F32, {2, 1, 1, 2}, {1, 2, 3, 4});
  write(two, array<int64_t>(ir::DType::I64, {2}, {0, 1}));
  expect_error([&] { open()->load(0, layout(3, 1, 2)); }, Error::Kind::InvalidArgument,
               inputs + ": the samples are [1,1,2], but the model input takes [3,1,2]");
  expect_error([&] { open()->load(0, layout(1, 2, 1)); }, Error::Kind::InvalidArgument,
               inputs + ": the samples are [1,1,2], but the model input takes [1,2,1]");
  expect_error([&] { open()->image(0); }, Error::Kind::InvalidArgument,
               inputs + ": f32[2,1,1,2] holds no images to augment");
  write(two, array<int64_t>(ir::DType::I64, {3}, {0, 1, 2}));
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               labels + ": shape [3], but inputs.npy holds 2 samples");
  write(two, array<int64_t>(ir::DType::I64, {2}, {0, -1}));
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               labels + ": sample 1 has class id -1");
  write(two, array<float>(ir::DType::F32, {2}, {0, 1}));
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               labels + ": f32[2]; expected [N] int64 or int32 class ids");
  write(two, array<float>(ir::DType::F32, {2, 2}, {0, 1, 0.5f, 1}));
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               labels + ": sample 1 class 0 is 0.5; a multi-label matrix holds 0 or 1");
  write(array<double>(ir::DType::F64, {1, 1, 1, 1}, {1}), array<int64_t>(ir::DType::I64, {1}, {0}));
  expect_error([&] { open(); }, Error::Kind::InvalidArgument,
               inputs + ": f64[1,1,1,1]; expected a non-empty [N, C, H, W] array");
  expect_error([&] { open_dataset("npy:" + (dir_ / "none").string()); },
               Error::Kind::InvalidArgument, "no such folder");
}

}  // namespace
}  // namespace zenith::tools
