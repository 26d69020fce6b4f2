#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::run_node;
using testing::values_of;

void expect_near(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-6) << i;
}

const std::map<std::string, ir::Attribute> kDouble = {{"output_datatype", int64_t{11}}};

TEST(RefWindow, PeriodicHann) {
  auto out = run_node("HannWindow", {ir::Tensor::scalar<int64_t>(4)}, kDouble);
  expect_near(values_of<double>(out[0]), {0, 0.5, 1, 0.5});
}

TEST(RefWindow, SymmetricWindowsEndWhereTheyStart) {
  std::map<std::string, ir::Attribute> a = kDouble;
  a["periodic"] = int64_t{0};
  expect_near(values_of<double>(run_node("HannWindow", {ir::Tensor::scalar<int64_t>(3)}, a)[0]),
              {0, 1, 0});
  expect_near(values_of<double>(run_node("HammingWindow", {ir::Tensor::scalar<int64_t>(3)}, a)[0]),
              {4.0 / 46, 1, 4.0 / 46});
  expect_near(values_of<double>(run_node("BlackmanWindow", {ir::Tensor::scalar<int64_t>(3)}, a)[0]),
              {0, 1, 0});
  expect_near(values_of<double>(run_node("HannWindow", {ir::Tensor::scalar<int64_t>(1)}, a)[0]),
              {1});
}

TEST(RefWindow, DefaultsToFloat) {
  auto out = run_node("BlackmanWindow", {ir::Tensor::scalar<int32_t>(2)});
  EXPECT_EQ(out[0].tensor().dtype(), ir::DType::F32);
  EXPECT_NEAR(values_of<float>(out[0])[1], 1.0f, 1e-6);
}

TEST(RefWindow, NegativeSizeIsAnError) {
  const std::string message =
      error_message([] { run_node("HannWindow", {ir::Tensor::scalar<int64_t>(-1)}); },
                    Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("size"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
