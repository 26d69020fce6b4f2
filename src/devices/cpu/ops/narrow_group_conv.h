// Zenith's own kernel for grouped 2-D convolutions of 4 input and 4 output channels per group
// (ResNeXt-50 32x4d's first stage), in channel blocks.
//
// Without AVX-512, oneDNN 2.6 has no JIT kernel for such groups in any blocked layout: it runs
// them with its GEMM-based convolution in nchw, behind a reorder from the blocks the layers
// around it use and another back. In a block of 8 (or 16) channels lie 2 (or 4) whole groups,
// so one vector of a pixel's input block holds every input a vector of outputs needs: for input
// channel j of each group, the lanes of a group take that group's channel j (a shuffle within
// 128-bit lanes) times the weights of the group's outputs for it. Rows of up to 8 output pixels
// accumulate in registers; bias and post-ops are applied as they are stored.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "devices/cpu/ops/own_post_ops.h"

namespace zenith::cpu {

struct NarrowGroupGeometry {
  int64_t batch, channels;  // input and output channels alike, a multiple of the channel block
  int64_t height, width, out_height, out_width;
  int64_t kernel_h, kernel_w, stride_h, stride_w, pad_top, pad_left;
};

class NarrowGroupConv {
 public:
  static constexpr int64_t kGroupChannels = 4;

  // True if the instruction set oneDNN runs with has a build of this kernel whose vector is the
  // channel block (AVX2 with FMA: 8; AVX-512: 16).
  static bool available();

  // `weights` as ONNX's [channels][4][kernel_h][kernel_w]. Packs them.
  NarrowGroupConv(const NarrowGroupGeometry& geometry, std::span<const float> weights,
                  std::vector<OwnPostOp> post_ops);

  // `src` [batch][channels / block][height][width][block], `dst` likewise, both dense; `bias`
  // [channels] or nullptr. With a Sum post-op `dst` holds the addend. Thread-safe.
  void run(const float* src, const float* bias, float* dst) const;

  struct Plan {
    NarrowGroupGeometry g;
    int64_t lanes;
    std::vector<OwnPostOp> post_ops;
  };

 private:
  Plan plan_;
  std::vector<float> packed_;  // [block][kernel_h][kernel_w][4 inputs][block's outputs]
};

}  // namespace zenith::cpu
