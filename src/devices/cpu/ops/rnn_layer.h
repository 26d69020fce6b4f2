// Zenith's own LSTM and GRU layers (forward inference, GRU with linear_before_reset=1, as
// PyTorch's), the alternative to oneDNN's RNN primitives that rnn.cpp times them against.
//
// Without AVX-512, oneDNN 2.6 runs a cell's recurrent product, [batch, hidden] x [hidden,
// gates x hidden] per time step, with its no-copy AVX GEMM (no FMA): a 2-layer LSTM of 128
// units at batch 8 took 6.2 ms against ONNX Runtime's 3.4. Here the input's product for every
// step is one oneDNN matmul (its weights packed once), and each step's recurrent product runs on
// R packed in panels of 16 hidden units for all the gates, in registers, followed by the cell's
// arithmetic on the same panel, so a step is one pass over R and one barrier between threads.
#pragma once

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <vector>

namespace zenith::cpu {

// One run's tensors, in the layouts oneDNN's RNN primitives take (so rnn.cpp feeds either).
struct RnnIo {
  const float* x;   // [steps, batch, inputs], or [batch, steps, inputs] batch-first
  const float* h0;  // [dirs, batch, hidden], or nullptr for zeros
  const float* c0;  // the same (LSTM)
  float* y;         // [steps, batch, dirs * hidden], or [batch, steps, dirs * hidden]
  float* h_n;       // [dirs, batch, hidden], or nullptr when not wanted
  float* c_n;       // the same (LSTM)
};

struct RnnShape {
  bool gru;  // else LSTM
  int64_t dirs, inputs, hidden, steps, batch;
  bool reverse;      // one direction, run from the last step (two: the second is reversed)
  bool batch_first;  // x and y batch-major (oneDNN's ntc)
  int64_t gates() const { return gru ? 3 : 4; }
};

class RnnLayer {
 public:
  // `w` and `r` as oneDNN's ldigo, [dirs, inputs (or hidden), gates, hidden], gates in oneDNN's
  // order (LSTM i, f, c, o; GRU z, r, h); `bias` [dirs, 4, hidden], oneDNN's: LSTM the W and R
  // biases added per gate; GRU z's and r's added, then h's W bias, then h's R bias. Builds the
  // projection's primitive and packs the weights.
  RnnLayer(const RnnShape& shape, std::span<const float> w, std::span<const float> r,
           std::span<const float> bias, dnnl::stream& stream);
  // Thread-safe; its scratch comes from the run's buffers.
  void run(const RnnIo& io, dnnl::stream& stream) const;

 private:
  RnnShape shape_;
  int64_t padded_;  // hidden rounded up to whole panels
  dnnl::primitive projection_;
  dnnl::memory::desc projection_src_, projection_dst_, bias_desc_;
  std::vector<dnnl::memory> projection_weights_;    // per direction, packed for projection_
  std::vector<std::vector<float>> bias_;            // per direction, [gates, padded_]
  std::vector<std::vector<float>> recurrent_bias_;  // per direction, GRU h's R bias [padded_]
  std::vector<std::vector<float>> panels_;          // per direction: R as [panel][gate][k][16]
};

}  // namespace zenith::cpu
