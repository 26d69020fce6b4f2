// Which oneDNN implementation a convolution layer runs, when there is a choice.
//
// oneDNN 2.6 takes the first implementation in its own list that accepts a layer. For 3x3
// stride-1 layers that is often not the fastest on this hardware: at batch 1 it picks Winograd
// F(2x2,3x3) where F(4x4,3x3) runs DenseNet's 56x56 layers in 0.70 ms instead of 1.18, and
// Winograd where direct convolution wins on 7x7 maps. So such a layer tries every
// implementation oneDNN offers for it (Winograd and direct), keeps the Winograd ones whose error
// on this layer's own weights is within tolerance of the direct result, and runs the fastest.
#pragma once

#include <string>

#include <oneapi/dnnl/dnnl.hpp>

namespace zenith::cpu {

struct ConvChoice {
  dnnl::convolution_forward::primitive_desc pd;
  std::string impl;  // oneDNN's implementation name, e.g. "jit_wino_4x3:avx512_core"
  std::string why;   // the candidates' times and any Winograd candidate dropped for its error
};

// Winograd's largest accepted error on a layer, relative to the largest magnitude of the
// direct result. Measured on the zoo models' 3x3 layers: at most 3.7e-6 for either Winograd
// kernel, so a layer above it has weights Winograd's transforms amplify.
inline constexpr float kWinogradTolerance = 1e-4f;

// The implementation for a layer described as `direct` and as `winograd` with `attr`.
// `weights` and `bias` are the layer's own, plain, with the dims the descriptors use (`bias`
// empty when there is none). Every candidate runs on one seeded input; a Winograd one whose
// result differs from the direct one by more than `winograd_tolerance` is dropped. The rest
// are timed, plus the time their packed weights take to stream in from memory (timed alone,
// they stay in cache; in the model they do not: F(4x4,3x3)'s weights are 4x the direct ones).
// Winograd must win by 5%. The timings of a layer shape are kept for the process, so each
// distinct shape is timed once; every layer's weights are still checked.
ConvChoice choose_conv(const dnnl::convolution_forward::desc& direct,
                       const dnnl::convolution_forward::desc& winograd,
                       const dnnl::primitive_attr& attr, const dnnl::memory& weights,
                       const dnnl::memory& bias, dnnl::stream& stream,
                       float winograd_tolerance = kWinogradTolerance);

}  // namespace zenith::cpu
