// Which layout a matrix product's constant B is stored in.
//
// oneDNN 2.6's f32 matmul (gemm:jit) packs B on every run, and how fast it runs depends on the
// layout it packs from. Given format_tag::any it takes B row-major, [K, N]. Reading B's
// transpose instead ([N, K] rows, how Gemm with transB and PyTorch's Linear store weights) was
// 19% faster on Faster R-CNN's box head ([150, 12544] x [12544, 1024]: 55.3 ms against 68.5),
// 19% on ViT's 768 -> 3072 layers at batch 1 (13.6 against 16.8 ms), and 25% slower on VGG's
// 25088 -> 4096 layer at batch 8 (54.3 against 43.5 ms), on this project's AVX2 host. So a
// product with enough work times both layouts and keeps the faster.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

namespace zenith::cpu {

// The layout of B [K, N] (f32), row-major or with the strides of its transpose, for the product of
// `a` [M, K] with it into `dst` [M, N], with `bias` (empty when none) and `attr` (its post-ops; a
// user scratchpad). Products of fewer than 2^24 multiply-adds take row-major B untimed. Timings are
// kept per shape, post-ops and thread count for the process, so each distinct layer is timed once.
// ZENITH_MATMUL_WEIGHTS set to "rows" or "transposed" fixes the layout of every product (the tests
// run both).
dnnl::memory::desc choose_weights_layout(const dnnl::memory::desc& a,
                                         const dnnl::memory::dims& b_dims,
                                         const dnnl::memory::desc& bias,
                                         const dnnl::memory::desc& dst,
                                         const dnnl::primitive_attr& attr, dnnl::stream& stream);

}  // namespace zenith::cpu
