// The post-ops the CPU device's own convolution kernels (ops/winograd.h, ops/narrow_group_conv.h)
// apply to each output in the same pass: those of oneDNN's a fused Conv step has most often.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "devices/cpu/cpu_op.h"
#include "devices/cpu/ops/vector_lanes.h"

namespace zenith::cpu {

struct OwnPostOp {
  enum class Kind { Sum, Relu, Clip, Swish, Sigmoid };
  Kind kind;
  // Sum: the addend's scale; Relu: the slope below 0; Clip: the lower bound; Swish: the factor
  // in y * sigmoid(a y) (SiLU: 1)
  float a = 0.0f;
  float b = 0.0f;  // Clip: the upper bound
};

// `ops` as the own kernels apply them, or nullopt if they have not all of them.
std::optional<std::vector<OwnPostOp>> own_post_ops(const std::vector<PostOp>& ops);

// `y` after `ops`, in order; `out` is where y goes, which holds a Sum's addend.
template <typename V>
[[gnu::always_inline]] inline V apply_post_ops(V y, std::span<const OwnPostOp> ops,
                                               const float* out) {
  for (const OwnPostOp& op : ops) {
    switch (op.kind) {
      case OwnPostOp::Kind::Sum:
        y += op.a * simd::load<V>(out);
        break;
      case OwnPostOp::Kind::Relu:
        y = y > 0.0f ? y : op.a * y;
        break;
      case OwnPostOp::Kind::Clip:
        y = y < op.a ? simd::splat<V>(op.a) : y;
        y = y > op.b ? simd::splat<V>(op.b) : y;
        break;
      case OwnPostOp::Kind::Swish:
        y = y / (1.0f + simd::exp(-op.a * y));
        break;
      case OwnPostOp::Kind::Sigmoid:
        y = 1.0f / (1.0f + simd::exp(-y));
        break;
    }
  }
  return y;
}

}  // namespace zenith::cpu
