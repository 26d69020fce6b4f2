#include <gtest/gtest.h>

#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::make_tensor;
using testing::run_node;

TEST(RefRelu, ClampsNegativesToZero) {
  auto out = run_node("Relu", {make_tensor<float>({3}, {-1.0f, 0.0f, 2.5f})});
  const ir::Tensor& y = out[0].tensor();
  EXPECT_EQ(y.data<float>()[0], 0.0f);
  EXPECT_EQ(y.data<float>()[2], 2.5f);
}

TEST(RefRelu, MissingInputNamesNodeAndOp) {
  try {
    run_node("Relu", {ir::Tensor()});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'n' (Relu)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace zenith
