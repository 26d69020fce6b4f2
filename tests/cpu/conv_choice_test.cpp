// The choice among oneDNN's convolution implementations (devices/cpu/ops/conv_choice.h).
#include <gtest/gtest.h>

#include <random>

#include "devices/cpu/cpu_value.h"
#include "devices/cpu/ops/conv_choice.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;

// A 3x3, stride-1 layer that both Winograd kernels and direct convolution take, with its
// own seeded weights and bias, plain.
struct Layer {
  memory::desc src{{1, 32, 14, 14}, memory::data_type::f32, memory::format_tag::aBcd16b};
  memory::desc dst{{1, 32, 14, 14}, memory::data_type::f32, memory::format_tag::aBcd16b};
  memory weights{plain_desc({32, 32, 3, 3}), engine()};
  memory bias{plain_desc({32}), engine()};

  Layer() {
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 0.1f);
    for (memory* m : {&weights, &bias}) {
      float* p = static_cast<float*>(m->get_data_handle());
      for (size_t i = 0; i < m->get_desc().get_size() / sizeof(float); ++i) p[i] = normal(rng);
    }
  }

  dnnl::convolution_forward::desc desc(dnnl::algorithm alg) const {
    const memory::desc w({32, 32, 3, 3}, memory::data_type::f32, memory::format_tag::any);
    const memory::desc b({32}, memory::data_type::f32, memory::format_tag::any);
    return {dnnl::prop_kind::forward_inference, alg, src, w, b, dst, {1, 1}, {1, 1}, {1, 1}};
  }

  bool has_winograd() const {
    try {
      dnnl::convolution_forward::primitive_desc(desc(dnnl::algorithm::convolution_winograd), engine());
      return true;
    } catch (const dnnl::error&) {
      return false;  // no Winograd kernel on this machine (it needs AVX-512)
    }
  }

  // margin 0 ranks every Winograd candidate ahead of direct convolution, whatever the timings.
  ConvChoice choose(float tolerance, double margin = kWinogradMargin) const {
    dnnl::stream stream(engine());
    return choose_conv(desc(dnnl::algorithm::convolution_direct),
                       desc(dnnl::algorithm::convolution_winograd), dnnl::primitive_attr(), weights,
                       bias, stream, tolerance, margin);
  }
};

// Without a Winograd kernel (hosts without AVX-512) the choice is direct convolution, unchecked.
void expect_direct(const Layer& layer) {
  const ConvChoice choice = layer.choose(kWinogradTolerance, 0.0);
  EXPECT_EQ(choice.impl, choice.pd.impl_info_str());
  EXPECT_EQ(choice.impl.find("wino"), std::string::npos) << choice.why;
  EXPECT_FALSE(static_cast<bool>(choice.weights));
}

TEST(ConvChoice, TimesEveryCandidateAndChoosesTheFastest) {
  const Layer layer;
  if (!layer.has_winograd()) return expect_direct(layer);
  const ConvChoice choice = layer.choose(kWinogradTolerance);
  EXPECT_EQ(choice.impl, choice.pd.impl_info_str());
  EXPECT_NE(choice.why.find(choice.impl), std::string::npos) << choice.why;
  // Direct and Winograd kernels were timed; a Winograd choice was checked against direct.
  EXPECT_NE(choice.why.find("jit:"), std::string::npos) << choice.why;
  EXPECT_NE(choice.why.find("wino"), std::string::npos) << choice.why;
  const bool winograd = choice.impl.find("wino") != std::string::npos;
  EXPECT_EQ(choice.why.find("relative error") != std::string::npos, winograd) << choice.why;
  EXPECT_EQ(static_cast<bool>(choice.weights), winograd) << "a checked kernel keeps its packing";
}

TEST(ConvChoice, AWinogradKernelAheadIsCheckedAgainstDirectAndKeepsItsPackedWeights) {
  const Layer layer;
  if (!layer.has_winograd()) return expect_direct(layer);
  const ConvChoice choice = layer.choose(kWinogradTolerance, 0.0);
  EXPECT_NE(choice.impl.find("wino"), std::string::npos) << choice.why;
  EXPECT_NE(choice.why.find("relative error"), std::string::npos) << choice.why;
  EXPECT_EQ(choice.why.find("dropped"), std::string::npos) << choice.why;
  ASSERT_TRUE(static_cast<bool>(choice.weights));
  EXPECT_EQ(choice.weights.get_desc(), choice.pd.weights_desc());
}

TEST(ConvChoice, WinogradOverTheToleranceIsDropped) {
  // No Winograd result equals the direct one exactly, so a zero tolerance drops them all, even
  // when they rank ahead.
  const Layer layer;
  if (!layer.has_winograd()) return expect_direct(layer);
  const ConvChoice choice = layer.choose(0.0f, 0.0);
  EXPECT_EQ(choice.impl.find("wino"), std::string::npos) << choice.why;
  EXPECT_NE(choice.why.find("dropped"), std::string::npos) << choice.why;
  EXPECT_FALSE(static_cast<bool>(choice.weights));
}

}  // namespace
}  // namespace zenith::cpu
