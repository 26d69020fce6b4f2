// Add / Sub / Mul / Div of a full [N, C, spatial...] tensor by one value per (image, channel):
// the excitation of squeeze-and-excitation blocks. oneDNN 2.6 runs it with its reference kernel
// when the full operand is channel-blocked and the other plain (142 of RegNetY-400MF's 388 ms),
// so this loop reads the full operand's layout from its descriptor and keeps it.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <optional>
#include <vector>

#include "devices/cpu/cpu_op.h"
#include "ir/shape.h"

namespace zenith::cpu {

// Where the elements of a layout the loop takes lie: element (n, c, pixel p) is at
// n * image + (c / run) * block + p * pixel + c % run, for a run of `run` channels that are
// contiguous (1: plain nchw, C: nhwc, the block: nChw8c / nChw16c).
struct ChannelLayout {
  int64_t images = 0, channels = 0, padded_channels = 0, pixels = 0;
  int64_t image = 0, block = 0, pixel = 0, run = 0;
};

// The layout of `desc` if it is one of those, rank 3 or more, with no offset; else nullopt.
std::optional<ChannelLayout> channel_layout(const dnnl::memory::desc& desc);

// True if `other`, left-padded with 1s to the rank of `full`, is [N or 1, C, 1, ..., 1].
bool broadcasts_over_pixels(const ir::Dims& full, const ir::Dims& other);

// dst = full (op) values, where values holds C floats per image (or C for all images when
// `per_image` is false); dst has full's layout. Padded channels of dst are left zero.
// `full` may be `dst`.
void channel_broadcast(dnnl::algorithm op, const ChannelLayout& layout, const float* full,
                       const float* values, bool per_image, float* dst);

// The eltwise post-ops of a step whose loop computes without them, as primitives over `desc`
// that run_in_place applies in turn.
std::vector<dnnl::eltwise_forward> in_place_eltwises(const std::vector<PostOp>& post_ops,
                                                     const dnnl::memory::desc& desc);
void run_in_place(const std::vector<dnnl::eltwise_forward>& eltwises, const dnnl::memory& mem,
                  dnnl::stream& stream);

}  // namespace zenith::cpu
