// Zenith's own Winograd F(4x4,3x3) convolution, for 3x3 stride-1 f32 layers in channel blocks,
// the alternative to oneDNN's direct kernel that conv.cpp times it against.
//
// oneDNN 2.6 has f32 Winograd kernels for AVX-512 only. Without them a 3x3 layer runs direct
// convolution at about the machine's FMA peak, as ONNX Runtime does, and neither engine can be
// faster on it. F(4x4,3x3) computes a 4x4 output tile from a 6x6 input tile with 36 products
// per channel pair instead of 144: the input tile and the weights are transformed (B^T d B,
// G g G^T), multiplied point by point and summed over channels (36 matrix products, tiles x
// channels times channels x outputs), and transformed back (A^T m A). The products run in
// registers of our own, 6 tiles by 2 vectors of outputs; the transforms, bias and post-ops run
// on a chunk of tiles that stays in cache. Its results differ from direct convolution's by the
// rounding of the transforms, so conv.cpp checks each layer's error as it does for oneDNN's
// Winograd kernels.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "devices/cpu/ops/own_post_ops.h"

namespace zenith::cpu {

struct WinogradGeometry {
  int64_t batch, channels, outputs;  // C and K, multiples of the channel block
  int64_t height, width;             // the input's
  int64_t out_height, out_width;
  int64_t pad_top, pad_left;  // the bottom and right padding follow from the output's size
};

class WinogradConv {
 public:
  // True if the instruction set oneDNN runs with has a build of this kernel whose vector is the
  // channel block (AVX2 with FMA: 8; AVX-512: 16).
  static bool available();

  // `weights` as [outputs][channels][3][3]. Transforms and packs them.
  WinogradConv(const WinogradGeometry& geometry, std::span<const float> weights,
               std::vector<OwnPostOp> post_ops);

  // `src` [batch][channels / block][height][width][block] and `dst` likewise with outputs, both
  // dense; `bias` [outputs] or nullptr. With a Sum post-op `dst` holds the addend. Thread-safe:
  // its scratch comes from the run's buffers (or the heap outside a run).
  void run(const float* src, const float* bias, float* dst) const;

  // The transformed weights' size, which each run streams in (4x the plain weights' and more).
  int64_t weight_bytes() const { return static_cast<int64_t>(u_.size() * sizeof(float)); }

  struct Plan {
    WinogradGeometry g;
    int64_t lanes, panel, panels;  // outputs per product panel (2 vectors), panels of outputs
    int64_t tiles_h, tiles_w, tiles, chunk;  // tiles of 4x4 outputs; per chunk at most
    std::vector<OwnPostOp> post_ops;
  };

 private:
  Plan plan_;
  std::vector<float> u_;  // transformed weights, [panel][36 points][channels][panel outputs]
};

}  // namespace zenith::cpu
