// The channel block of the blocked layouts (nChw16c, nChw8c) this host's oneDNN kernels use.
// It follows the instruction set oneDNN runs with (which ONEDNN_MAX_CPU_ISA may lower), so
// every place that forces or recognizes blocks asks here rather than assuming 16.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>

#include "ir/shape.h"

namespace zenith::cpu {

// 16 channels (one 512-bit register of f32) when oneDNN runs AVX-512 kernels, else 8 (AVX2,
// AVX and SSE4.1 kernels all block by 8).
int64_t channel_block();

// `dims` (rank 3 to 5, f32) with channels in blocks of channel_block(): nCw16c / nChw16c /
// nCdhw16c on AVX-512. Allocates nothing (runs call it).
dnnl::memory::desc blocked_desc(std::span<const int64_t> dims);
inline dnnl::memory::desc blocked_desc(std::initializer_list<int64_t> dims) {
  return blocked_desc(std::span(dims.begin(), dims.size()));
}

// For x in channel blocks whose images lie further apart than their size (a concat-chain view
// at batch > 1, concat_chains.h): the channels of the buffer it is a view of, or 0 for any other
// layout. Allocates nothing.
int64_t strided_blocked_channels(const dnnl::memory::desc& x);

}  // namespace zenith::cpu
