#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::make_tensor;
using testing::run_node;
using testing::values_of;

TEST(RefReverseSequence, ReversesOnlyThePrefixOfEachBatch) {
  // time_axis 0, batch_axis 1: x[t][b].
  const ir::Tensor x = make_tensor<float>({3, 2}, {0, 10, 1, 11, 2, 12});
  auto out = run_node("ReverseSequence", {x, make_tensor<int64_t>({2}, {3, 2})});
  EXPECT_EQ(values_of<float>(out[0]), (std::vector<float>{2, 11, 1, 10, 0, 12}));
}

TEST(RefReverseSequence, LengthBeyondTheTimeAxisIsAnError) {
  const ir::Tensor x = make_tensor<float>({2, 1}, {0, 1});
  const std::string message = error_message(
      [&] {
        run_node("ReverseSequence", {x, make_tensor<int64_t>({1}, {3})});
      },
      Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("'sequence_lens'"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
