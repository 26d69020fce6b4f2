// Zenith's own LSTM layer (forward inference), the alternative to oneDNN's lstm_forward that
// rnn.cpp times it against.
//
// Without AVX-512, oneDNN 2.6 runs an LSTM's recurrent product, [batch, hidden] x [hidden,
// 4 hidden] per time step, with its no-copy AVX GEMM (no FMA): a 2-layer LSTM of 128 units at
// batch 8 took 6.2 ms against ONNX Runtime's 3.4. Here the input's product for every step is one
// oneDNN matmul (its weights packed once), and each step's recurrent product runs on R packed in
// panels of 16 hidden units for all four gates, in registers, followed by the cell's arithmetic
// on the same panel, so a step is one pass over R and one barrier between threads.
#pragma once

#include <cstdint>
#include <oneapi/dnnl/dnnl.hpp>
#include <span>
#include <vector>

namespace zenith::cpu {

// One run's tensors, in the layouts oneDNN's lstm_forward takes (so rnn.cpp feeds either).
struct LstmIo {
  const float* x;   // [steps, batch, inputs], or [batch, steps, inputs] batch-first
  const float* h0;  // [dirs, batch, hidden], or nullptr for zeros
  const float* c0;  // the same
  float* y;         // [steps, batch, dirs * hidden], or [batch, steps, dirs * hidden]
  float* h_n;       // [dirs, batch, hidden], or nullptr when not wanted
  float* c_n;       // the same
};

struct LstmShape {
  int64_t dirs, inputs, hidden, steps, batch;
  bool reverse;      // one direction, run from the last step (two: the second is reversed)
  bool batch_first;  // x and y batch-major (oneDNN's ntc)
};

class LstmLayer {
 public:
  // `w` and `r` as oneDNN's ldigo, [dirs, inputs (or hidden), 4, hidden], gates i, f, c, o;
  // `bias` [dirs, 4, hidden] (W's and R's biases added). Builds the projection's primitive and
  // packs the weights.
  LstmLayer(const LstmShape& shape, std::span<const float> w, std::span<const float> r,
            std::span<const float> bias, dnnl::stream& stream);
  // Thread-safe; its scratch comes from the run's buffers.
  void run(const LstmIo& io, dnnl::stream& stream) const;

 private:
  LstmShape shape_;
  int64_t padded_;  // hidden rounded up to whole panels
  dnnl::primitive projection_;
  dnnl::memory::desc projection_src_, projection_dst_, bias_desc_;
  std::vector<dnnl::memory> projection_weights_;  // per direction, packed for projection_
  std::vector<std::vector<float>> bias_;          // per direction, [4, padded_]
  std::vector<std::vector<float>> panels_;        // per direction: R as [panel][gate][k][16]
};

}  // namespace zenith::cpu
