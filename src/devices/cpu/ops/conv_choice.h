// Which oneDNN implementation a convolution layer runs, when there is a choice.
//
// oneDNN 2.6 takes the first implementation in its own list that accepts a layer. For 3x3
// stride-1 layers that is often not the fastest on this hardware: at batch 1 it picks Winograd
// F(2x2,3x3) where F(4x4,3x3) runs DenseNet's 56x56 layers in 0.70 ms instead of 1.18, and
// Winograd where direct convolution wins on 7x7 maps. So such a layer tries every
// implementation oneDNN offers for it (Winograd and direct), keeps the Winograd ones whose error
// on this layer's own weights is within tolerance of the direct result, and runs the fastest.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <string>

#include "devices/cpu/ops/winograd.h"

namespace zenith::cpu {

struct ConvChoice {
  dnnl::convolution_forward::primitive_desc pd;
  std::string impl;  // oneDNN's implementation name, e.g. "jit_wino_4x3:avx512_core"
  std::string why;   // the candidates' times and any Winograd candidate dropped for its error
  // The layer's weights packed for `pd` when checking a Winograd kernel packed them; else empty.
  dnnl::memory weights;
};

// Winograd's largest accepted error on a layer, relative to the largest magnitude of the
// direct result. Measured on the zoo models' 3x3 layers: at most 3.7e-6 for either Winograd
// kernel, so a layer above it has weights Winograd's transforms amplify.
inline constexpr float kWinogradTolerance = 1e-4f;
// Winograd must beat direct convolution by this factor: its results are further from exact.
inline constexpr double kWinogradMargin = 1.05;

// The implementation for a layer described as `direct` and as `winograd` with `attr`.
// `weights` and `bias` are the layer's own, plain, with the dims the descriptors use (`bias`
// empty when there is none). Each candidate is timed on one seeded input and zero weights in
// its own layout, plus the time its packed weights take to stream in from memory (timed alone,
// they stay in cache; in the model they do not: F(4x4,3x3)'s weights are 4x the direct ones);
// a Winograd candidate's score is multiplied by `winograd_margin`. The timings of a layer shape
// are kept for the process, so each distinct shape is timed once. The best-scoring candidate
// wins if it is direct; a Winograd one only if, on this layer's own weights, its result is within
// `winograd_tolerance` of the direct one, else the next in line is considered.
ConvChoice choose_conv(const dnnl::convolution_forward::desc& direct,
                       const dnnl::convolution_forward::desc& winograd,
                       const dnnl::primitive_attr& attr, const dnnl::memory& weights,
                       const dnnl::memory& bias, dnnl::stream& stream,
                       float winograd_tolerance = kWinogradTolerance,
                       double winograd_margin = kWinogradMargin);

// True if `own` (Zenith's Winograd F(4x4,3x3) for the layer) scores better than `pd` (oneDNN's
// pick for `direct` with `attr`), times and weights counted as choose_conv counts them, with
// `winograd_margin`, and on the layer's own `weights` and `bias` (plain; `bias` may be empty) its
// result is within `winograd_tolerance` of `pd`'s. Timings are kept per layer shape as there.
// `why` gets the times and the error.
bool own_winograd_wins(const dnnl::convolution_forward::primitive_desc& pd,
                       const dnnl::convolution_forward::desc& direct,
                       const dnnl::primitive_attr& attr, const WinogradConv& own,
                       const dnnl::memory& weights, const dnnl::memory& bias, dnnl::stream& stream,
                       std::string& why, float winograd_tolerance = kWinogradTolerance,
                       double winograd_margin = kWinogradMargin);

}  // namespace zenith::cpu
