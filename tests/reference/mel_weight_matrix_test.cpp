#include <gtest/gtest.h>

#include "reference/elementwise_test_util.h"
#include "reference/run_node.h"

namespace zenith {
namespace {

using testing::error_message;
using testing::run_node;
using testing::values_of;

std::vector<ir::Tensor> inputs(int64_t mel_bins, float upper_hz) {
  return {ir::Tensor::scalar<int64_t>(mel_bins), ir::Tensor::scalar<int64_t>(16),
          ir::Tensor::scalar<int64_t>(8000), ir::Tensor::scalar<float>(0),
          ir::Tensor::scalar<float>(upper_hz)};
}

TEST(RefMelWeightMatrix, TriangularFiltersPeakAtOne) {
  auto out = run_node("MelWeightMatrix", inputs(3, 4000));
  const ir::Tensor& w = out[0].tensor();
  EXPECT_EQ(w.dims(), (ir::Dims{9, 3}));
  // Mel edges 0, 0, 1, 3, 5 as spectrum bins: filter 0 is a spike at bin 0, filter 1 rises over
  // bins 0..1 and falls to bin 3, filter 2 rises over bins 1..3 and falls to bin 5.
  const std::vector<float> v = values_of<float>(out[0]);
  const auto at = [&](int bin, int mel) { return v[static_cast<size_t>(bin * 3 + mel)]; };
  EXPECT_EQ(at(0, 0), 1);
  EXPECT_EQ(at(1, 0), 0);
  EXPECT_EQ(at(0, 1), 0);
  EXPECT_EQ(at(1, 1), 1);
  EXPECT_EQ(at(2, 1), 0.5f);
  EXPECT_EQ(at(2, 2), 0.5f);
  EXPECT_EQ(at(3, 2), 1);
  EXPECT_EQ(at(4, 2), 0.5f);
  EXPECT_EQ(at(5, 2), 0);
}

TEST(RefMelWeightMatrix, UpperEdgeBeyondNyquistIsAnError) {
  const std::string message = error_message([] { run_node("MelWeightMatrix", inputs(3, 100000)); },
                                            Error::Kind::InvalidArgument);
  EXPECT_NE(message.find("upper_edge_hertz"), std::string::npos) << message;
}

}  // namespace
}  // namespace zenith
