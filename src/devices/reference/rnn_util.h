// What the REF RNN, GRU and LSTM kernels share: activation functions, reading and checking the
// common inputs and attributes, the time loop over directions and batch rows, and the outputs.
// Everything is computed in double and kept in layout 0 internally.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "devices/reference/kernel_context.h"

namespace zenith::ref {

// One of the ONNX RNN activation functions with its alpha and beta.
struct RnnActivation {
  std::string name;  // lower case: "sigmoid", "tanh", "relu", "affine", ...
  double alpha = 0;
  double beta = 0;
  double operator()(double x) const;
};

// The inputs and attributes common to RNN, GRU and LSTM: X, W, R, B, sequence_lens,
// initial_h (inputs 0-5) and direction, layout, hidden_size, clip, activations.
struct RnnProblem {
  int64_t seq_length = 0;
  int64_t batch = 0;
  int64_t input_size = 0;
  int64_t hidden = 0;
  int64_t num_directions = 1;
  int64_t num_gates = 1;
  bool batch_first = false;          // layout 1
  std::vector<bool> reverse;         // per direction: runs from the last valid step to the first
  ir::DType dtype = ir::DType::F32;  // of X, and so of every output
  std::vector<double> x;             // [seq, batch, input]
  std::vector<double> w;             // [dirs, gates * hidden, input]
  std::vector<double> r;             // [dirs, gates * hidden, hidden]
  std::vector<double> b;             // [dirs, 2 * gates * hidden]: Wb then Rb; zeros if absent
  std::vector<int64_t> lengths;      // [batch]
  std::vector<double> initial_h;     // [dirs, batch, hidden]; zeros if absent
  std::optional<double> clip;
  std::vector<RnnActivation> activations;  // per direction, activations_per_direction each

  // Row `row` of direction `dir`'s W times x_t, plus Wb[row].
  double input_part(int64_t dir, int64_t row, const double* x_t) const;
  // Row `row` of direction `dir`'s R times h, plus Rb[row].
  double recurrent_part(int64_t dir, int64_t row, const double* h) const;
  // Clips a pre-activation to [-clip, clip] when the clip attribute is set.
  double clipped(double v) const;
  const RnnActivation& activation(int64_t dir, size_t k) const;
};

// Reads and validates inputs 0-5 and the common attributes; `default_activations` are those
// of one direction (e.g. {"Sigmoid", "Tanh", "Tanh"} for LSTM).
RnnProblem read_rnn_problem(const KernelContext& ctx, int64_t num_gates,
                            const std::vector<std::string>& default_activations);

// Reads optional state input `i` (initial_h or initial_c) of shape [dirs, batch, hidden] (layout
// 0) or [batch, dirs, hidden] (layout 1) into layout 0; zeros when absent.
std::vector<double> read_rnn_state(const KernelContext& ctx, size_t i, const RnnProblem& p,
                                   const char* name);

// The input as doubles, checked to have `dims` and the problem's dtype.
std::vector<double> read_rnn_input(const KernelContext& ctx, size_t i, const RnnProblem& p,
                                   const ir::Dims& dims, const char* name);

// One time step for direction `dir`: updates h (and c, for LSTM) in place from x_t.
using RnnStep = std::function<void(int64_t dir, const double* x_t, std::vector<double>& h,
                                   std::vector<double>& c)>;

// Runs `step` over the valid steps of each (direction, batch row) in processing order and
// writes Y (output 0), Y_h (output 1) and, when `initial_c` is given, Y_c (output 2), each where
// the node names it. Y is zero past a row's sequence length.
void run_rnn(KernelContext& ctx, const RnnProblem& p, const std::vector<double>* initial_c,
             const RnnStep& step);

}  // namespace zenith::ref
