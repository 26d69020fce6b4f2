// ModelBuilder: the layers' dims and parameters, the model it builds running alike on every
// device and after a round trip through ONNX, and its errors.
#include "zenith/model_builder.h"

#include <gtest/gtest.h>

#include "testing/expect_error.h"
#include "testing/temp_dir.h"
#include "zenith/zenith.h"

namespace zenith {
namespace {

using testing::expect_error;

// A residual block with a grouped convolution, a dense concatenation and a linear head.
ModelBuilder small_net(uint64_t seed) {
  ModelBuilder b("small", seed);
  const std::string x = b.input("image", {4, 9, 9});
  const std::string c = b.relu(b.batch_norm(b.conv(x, 8, 3, 2, 1, 2, true)));  // 5x5
  const std::string r = b.add(c, b.conv(c, 8, 3, 1, 1));
  const std::string joined = b.concat({r, b.max_pool(b.conv(x, 6, 1), 3, 2, 1)});
  EXPECT_EQ(b.shape(joined), (Shape{-1, 14, 5, 5}));
  const std::string pooled = b.average_pool(joined, 2, 2);
  EXPECT_EQ(b.shape(pooled), (Shape{-1, 14, 2, 2}));
  const std::string y = b.linear(b.flatten(b.global_average_pool(pooled)), 3);
  b.output(b.sigmoid(y), "probabilities");
  return b;
}

Tensor run(const Model& model, const std::string& device) {
  InferRequest request = Core().compile_model(model, device).create_infer_request();
  Tensor in(ElementType::f32, {2, 4, 9, 9});
  for (int64_t i = 0; i < 2 * 4 * 81; ++i) in.data<float>()[i] = static_cast<float>(i % 17) - 8;
  request.set_input("image", in);
  request.infer();
  return request.get_output("probabilities");
}

TEST(ModelBuilder, BuildsAModelThatRunsAlikeEverywhereAndThroughOnnx) {
  const ModelBuilder b = small_net(1);
  const Model model = b.build();
  EXPECT_EQ(model.input("image").shape, (Shape{-1, 4, 9, 9}));
  EXPECT_EQ(model.output("probabilities").shape, (Shape{-1, 3}));
  const Tensor ref = run(model, "REF");
  ASSERT_EQ(ref.shape(), (Shape{2, 3}));
  testing::TempDir dir("builder");
  b.save(dir / "small.onnx");
  const Model reread = Core().read_model(dir / "small.onnx");
  for (const Tensor& other : {run(model, "CPU"), run(reread, "REF")})
    for (int i = 0; i < 6; ++i)
      EXPECT_NEAR(other.data<float>()[i], ref.data<float>()[i], 1e-5) << i;
  // Outputs differ between samples and seeds: the parameters are not left at zero.
  EXPECT_NE(ref.data<float>()[0], ref.data<float>()[3]);
  const Tensor reseeded = run(small_net(2).build(), "REF");
  EXPECT_NE(reseeded.data<float>()[0], ref.data<float>()[0]);
}

TEST(ModelBuilder, ReportsWhatIsWrongWithALayer) {
  ModelBuilder b("bad");
  const std::string x = b.input("x", {6, 8, 8});
  expect_error([&] { b.conv("nothing", 4, 3); }, Error::Kind::InvalidArgument,
               "'nothing' is not a value of model 'bad'");
  expect_error([&] { b.conv(x, 4, 3, 1, 0, 4); }, Error::Kind::InvalidArgument,
               "6 input and 4 output channels do not split into 4 groups");
  expect_error([&] { b.max_pool(x, 9, 1); }, Error::Kind::InvalidArgument,
               "kernel 9 stride 1 padding 0 leave nothing of 'x' (8 x 8)");
  expect_error([&] { b.linear(x, 2); }, Error::Kind::InvalidArgument,
               "'x' has rank 4; the layer takes rank 2");
  expect_error([&] { b.add(x, b.conv(x, 6, 3)); }, Error::Kind::InvalidArgument, "differ in shape");
  expect_error([&] { b.build(); }, Error::Kind::InvalidArgument, "has no output");
}

}  // namespace
}  // namespace zenith
