// Training-mode batch norm, forward and backward, on tensors in channel blocks (blocked_desc),
// by our own loops: each channel block is one thread's whole, so the threads never wait on one
// another. oneDNN 2.6's batch-norm kernels share a block's reductions among threads behind
// spinning barriers; when the machine has more runnable threads than cores (other jobs), a
// thread spins out its time slice waiting for one that is not running, and ResNet-50's
// training step took 3x longer than with one thread. (A synchronized run, sync below, waits
// once: the replicas' sum needs every block's reductions.)
#pragma once

#include <cstdint>

namespace zenith::cpu {

// [batch, blocks * block, pixels...] in blocks of `block` channels (channel_block()). X's images
// lie x_blocks blocks apart (more than `blocks` for a concat-chain view, concat_chains.h); every
// other tensor's are dense.
struct BlockedShape {
  int64_t batch = 0, blocks = 0, pixels = 0, block = 0, x_blocks = 0;
};

// y = (x - mean) / sqrt(var + epsilon) * scale + shift with the batch's mean and population
// variance per channel, which it writes to `mean` and `var`; `relu`: y = max(0, that). `sync`:
// the batch is every replica's together (devices/reference/replica_sums.h): a parallel pass
// for the local sums, their sum over the replicas on the calling thread, then one that writes
// y. Returns the elements per channel the statistics are over.
double batch_norm_forward_blocked(const BlockedShape& s, const float* x, const float* scale,
                                  const float* shift, float epsilon, bool relu, bool sync, float* y,
                                  float* mean, float* var);

// The gradients given the forward's statistics: dshift = sum dy, dscale = sum dy x^,
// dx = scale / sqrt(var + epsilon) (dy - dshift / M - x^ dscale / M). With `relu_y` (the
// output of a forward with relu; nullptr for none) dy counts only where relu_y > 0. `sync`: dx
// reads sum dy, sum dy x^ and M summed over the replicas as the forward's statistics are, while
// dscale and dshift stay this replica's.
void batch_norm_backward_blocked(const BlockedShape& s, const float* x, const float* dy,
                                 const float* relu_y, const float* scale, const float* mean,
                                 const float* var, float epsilon, bool sync, float* dx,
                                 float* dscale, float* dshift);

}  // namespace zenith::cpu
