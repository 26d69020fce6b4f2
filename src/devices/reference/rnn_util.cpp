// Shared machinery of the REF RNN, GRU and LSTM kernels.
#include "devices/reference/rnn_util.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include "ir/errors.h"

namespace zenith::ref {
namespace {

struct ActivationSpec {
  const char* name;
  bool uses_alpha;
  bool uses_beta;
  double default_alpha;  // the defaults of the ONNX operator of the same name
  double default_beta;
};

constexpr ActivationSpec kActivations[] = {
    {"relu", false, false, 0, 0},         {"tanh", false, false, 0, 0},
    {"sigmoid", false, false, 0, 0},      {"affine", true, true, 1.0, 0.0},
    {"leakyrelu", true, false, 0.01, 0},  {"thresholdedrelu", true, false, 1.0, 0},
    {"scaledtanh", true, true, 1.0, 1.0}, {"hardsigmoid", true, true, 0.2, 0.5},
    {"elu", true, false, 1.0, 0},         {"softsign", false, false, 0, 0},
    {"softplus", false, false, 0, 0},
};

// activation_alpha / activation_beta values are consumed in order, each only by the
// activations that take that parameter (as ONNX Runtime reads them).
std::vector<RnnActivation> parse_activations(const KernelContext& ctx, int64_t num_directions,
                                             const std::vector<std::string>& defaults) {
  std::vector<std::string> names = ctx.attr<std::vector<std::string>>("activations", {});
  const size_t per_direction = defaults.size();
  if (names.empty()) {
    for (int64_t d = 0; d < num_directions; ++d)
      names.insert(names.end(), defaults.begin(), defaults.end());
  } else if (names.size() == per_direction && num_directions == 2) {
    names.insert(names.end(), names.begin(), names.end());
  } else if (names.size() != per_direction * static_cast<size_t>(num_directions)) {
    throw_invalid_model(
        "attribute 'activations' lists {} functions, expected {} per direction "
        "for {} direction(s)",
        names.size(), per_direction, num_directions);
  }
  const auto alphas = ctx.attr<std::vector<float>>("activation_alpha", {});
  const auto betas = ctx.attr<std::vector<float>>("activation_beta", {});
  size_t next_alpha = 0, next_beta = 0;
  std::vector<RnnActivation> result;
  for (const std::string& name : names) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    const ActivationSpec* spec = nullptr;
    for (const ActivationSpec& s : kActivations)
      if (lower == s.name) spec = &s;
    if (!spec)
      throw_invalid_model(
          "attribute 'activations' names '{}', expected one of Relu, Tanh, "
          "Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, "
          "Elu, Softsign, Softplus",
          name);
    RnnActivation a{lower, spec->default_alpha, spec->default_beta};
    if (spec->uses_alpha && next_alpha < alphas.size()) a.alpha = alphas[next_alpha++];
    if (spec->uses_beta && next_beta < betas.size()) a.beta = betas[next_beta++];
    result.push_back(a);
  }
  return result;
}

std::vector<double> to_doubles(const ir::Tensor& t) {
  std::vector<double> values(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) values[static_cast<size_t>(i)] = t.as_double(i);
  return values;
}

// Converts [batch, dirs, hidden] (layout 1) to or from [dirs, batch, hidden].
std::vector<double> swap_leading(const std::vector<double>& v, int64_t a, int64_t b,
                                 int64_t inner) {
  std::vector<double> out(v.size());
  for (int64_t i = 0; i < a; ++i)
    for (int64_t j = 0; j < b; ++j)
      std::copy_n(v.begin() + (i * b + j) * inner, inner, out.begin() + (j * a + i) * inner);
  return out;
}

void write_output(KernelContext& ctx, size_t i, const RnnProblem& p, ir::Dims dims,
                  const std::vector<double>& values) {
  ir::Tensor& out = ctx.allocate_output(i, p.dtype, std::move(dims));
  ir::visit_numeric(p.dtype, "RNN output", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* data = out.data<T>();
    for (size_t k = 0; k < values.size(); ++k) data[k] = T(values[k]);
  });
}

}  // namespace

double RnnActivation::operator()(double x) const {
  if (name == "sigmoid") return 1.0 / (1.0 + std::exp(-x));
  if (name == "tanh") return std::tanh(x);
  if (name == "relu") return std::max(x, 0.0);
  if (name == "affine") return alpha * x + beta;
  if (name == "leakyrelu") return x >= 0 ? x : alpha * x;
  if (name == "thresholdedrelu") return x >= alpha ? x : 0.0;
  if (name == "scaledtanh") return alpha * std::tanh(beta * x);
  if (name == "hardsigmoid") return std::clamp(alpha * x + beta, 0.0, 1.0);
  if (name == "elu") return x >= 0 ? x : alpha * (std::exp(x) - 1);
  if (name == "softsign") return x / (1 + std::fabs(x));
  ZENITH_ASSERT(name == "softplus");
  return std::log1p(std::exp(x));
}

double RnnProblem::input_part(int64_t dir, int64_t row, const double* x_t) const {
  const int64_t rows = num_gates * hidden;
  const double* wr = w.data() + (dir * rows + row) * input_size;
  double sum = b[static_cast<size_t>(dir * 2 * rows + row)];
  for (int64_t k = 0; k < input_size; ++k) sum += wr[k] * x_t[k];
  return sum;
}

double RnnProblem::recurrent_part(int64_t dir, int64_t row, const double* h) const {
  const int64_t rows = num_gates * hidden;
  const double* rr = r.data() + (dir * rows + row) * hidden;
  double sum = b[static_cast<size_t>(dir * 2 * rows + rows + row)];
  for (int64_t k = 0; k < hidden; ++k) sum += rr[k] * h[k];
  return sum;
}

double RnnProblem::clipped(double v) const { return clip ? std::clamp(v, -*clip, *clip) : v; }

const RnnActivation& RnnProblem::activation(int64_t dir, size_t k) const {
  const size_t per_direction = activations.size() / static_cast<size_t>(num_directions);
  return activations[static_cast<size_t>(dir) * per_direction + k];
}

std::vector<double> read_rnn_input(const KernelContext& ctx, size_t i, const RnnProblem& p,
                                   const ir::Dims& dims, const char* name) {
  const ir::Tensor& t = ctx.input(i);
  if (t.dtype() != p.dtype || t.dims() != dims)
    throw_invalid_argument("input '{}' is {}{}, expected {}{}", name, ir::dtype_name(t.dtype()),
                           ir::to_string(t.dims()), ir::dtype_name(p.dtype), ir::to_string(dims));
  return to_doubles(t);
}

std::vector<double> read_rnn_state(const KernelContext& ctx, size_t i, const RnnProblem& p,
                                   const char* name) {
  if (!ctx.has_input(i))
    return std::vector<double>(static_cast<size_t>(p.num_directions * p.batch * p.hidden), 0.0);
  if (!p.batch_first) return read_rnn_input(ctx, i, p, {p.num_directions, p.batch, p.hidden}, name);
  return swap_leading(read_rnn_input(ctx, i, p, {p.batch, p.num_directions, p.hidden}, name),
                      p.batch, p.num_directions, p.hidden);
}

RnnProblem read_rnn_problem(const KernelContext& ctx, int64_t num_gates,
                            const std::vector<std::string>& default_activations) {
  RnnProblem p;
  p.num_gates = num_gates;
  const std::string direction = ctx.attr<std::string>("direction", "forward");
  if (direction == "forward")
    p.reverse = {false};
  else if (direction == "reverse")
    p.reverse = {true};
  else if (direction == "bidirectional")
    p.reverse = {false, true};
  else
    throw_invalid_model(
        "attribute 'direction' is '{}', expected forward, reverse or "
        "bidirectional",
        direction);
  p.num_directions = static_cast<int64_t>(p.reverse.size());
  const int64_t layout = ctx.attr<int64_t>("layout", 0);
  if (layout != 0 && layout != 1)
    throw_invalid_model("attribute 'layout' is {}, expected 0 or 1", layout);
  p.batch_first = layout == 1;

  const ir::Tensor& x = ctx.input(0);
  if (x.rank() != 3 || !ir::is_floating(x.dtype()))
    throw_invalid_argument("input 'X' is {}{}, expected a 3-D floating-point tensor",
                           ir::dtype_name(x.dtype()), ir::to_string(x.dims()));
  p.dtype = x.dtype();
  p.seq_length = x.dims()[p.batch_first ? 1 : 0];
  p.batch = x.dims()[p.batch_first ? 0 : 1];
  p.input_size = x.dims()[2];
  const ir::Tensor& r = ctx.input(2);
  if (r.rank() != 3)
    throw_invalid_argument(
        "input 'R' has shape {}, expected [num_directions, {} * hidden_size, "
        "hidden_size]",
        ir::to_string(r.dims()), num_gates);
  p.hidden = ctx.attr<int64_t>("hidden_size", r.dims()[2]);
  if (p.hidden <= 0)
    throw_invalid_model("attribute 'hidden_size' is {}, expected a positive size", p.hidden);
  const int64_t rows = num_gates * p.hidden;
  p.x = read_rnn_input(ctx, 0, p, x.dims(), "X");
  if (p.batch_first) p.x = swap_leading(p.x, p.batch, p.seq_length, p.input_size);
  p.w = read_rnn_input(ctx, 1, p, {p.num_directions, rows, p.input_size}, "W");
  p.r = read_rnn_input(ctx, 2, p, {p.num_directions, rows, p.hidden}, "R");
  p.b = ctx.has_input(3) ? read_rnn_input(ctx, 3, p, {p.num_directions, 2 * rows}, "B")
                         : std::vector<double>(static_cast<size_t>(p.num_directions * 2 * rows));
  p.lengths.assign(static_cast<size_t>(p.batch), p.seq_length);
  if (ctx.has_input(4)) {
    const ir::Tensor& lens = ctx.input(4);
    if (lens.dims() != ir::Dims{p.batch} ||
        (lens.dtype() != ir::DType::I32 && lens.dtype() != ir::DType::I64))
      throw_invalid_argument("input 'sequence_lens' is {}{}, expected i32[{}]",
                             ir::dtype_name(lens.dtype()), ir::to_string(lens.dims()), p.batch);
    for (int64_t i = 0; i < p.batch; ++i) {
      p.lengths[static_cast<size_t>(i)] = lens.as_int64(i);
      if (p.lengths[static_cast<size_t>(i)] < 0 || p.lengths[static_cast<size_t>(i)] > p.seq_length)
        throw_invalid_argument("input 'sequence_lens' holds {} for batch row {}, expected 0 to {}",
                               p.lengths[static_cast<size_t>(i)], i, p.seq_length);
    }
  }
  p.initial_h = read_rnn_state(ctx, 5, p, "initial_h");
  if (ctx.node().has_attr("clip")) {
    const float clip = ctx.attr<float>("clip");
    if (!(clip > 0)) throw_invalid_model("attribute 'clip' is {}, expected a positive value", clip);
    p.clip = clip;
  }
  p.activations = parse_activations(ctx, p.num_directions, default_activations);
  return p;
}

void run_rnn(KernelContext& ctx, const RnnProblem& p, const std::vector<double>* initial_c,
             const RnnStep& step) {
  const int64_t dirs = p.num_directions;
  const size_t state_size = static_cast<size_t>(dirs * p.batch * p.hidden);
  if (static_cast<double>(p.seq_length) * static_cast<double>(state_size) * sizeof(double) >
      static_cast<double>(ir::kMaxTensorBytes))
    throw_invalid_argument("output 'Y' of {} steps x {} states is too large", p.seq_length,
                           state_size);
  std::vector<double> y(static_cast<size_t>(p.seq_length) * state_size, 0.0);
  std::vector<double> y_h(state_size), y_c(initial_c ? state_size : 0);
  for (int64_t d = 0; d < dirs; ++d) {
    for (int64_t b = 0; b < p.batch; ++b) {
      const size_t state_at = static_cast<size_t>((d * p.batch + b) * p.hidden);
      std::vector<double> h(p.initial_h.begin() + state_at,
                            p.initial_h.begin() + state_at + p.hidden);
      std::vector<double> c;
      if (initial_c)
        c.assign(initial_c->begin() + state_at, initial_c->begin() + state_at + p.hidden);
      const int64_t length = p.lengths[static_cast<size_t>(b)];
      for (int64_t s = 0; s < length; ++s) {
        const int64_t t = p.reverse[static_cast<size_t>(d)] ? length - 1 - s : s;
        step(d, p.x.data() + (t * p.batch + b) * p.input_size, h, c);
        std::copy(h.begin(), h.end(), y.begin() + ((t * dirs + d) * p.batch + b) * p.hidden);
      }
      std::copy(h.begin(), h.end(), y_h.begin() + state_at);
      if (initial_c) std::copy(c.begin(), c.end(), y_c.begin() + state_at);
    }
  }
  const int64_t seq = p.seq_length, batch = p.batch, hidden = p.hidden;
  if (ctx.has_output(0)) {
    if (p.batch_first)  // [seq, dirs, batch, hidden] -> [batch, seq, dirs, hidden]
      write_output(ctx, 0, p, {batch, seq, dirs, hidden},
                   swap_leading(y, seq * dirs, batch, hidden));
    else
      write_output(ctx, 0, p, {seq, dirs, batch, hidden}, y);
  }
  for (size_t i = 1; i <= (initial_c ? 2u : 1u); ++i) {
    if (!ctx.has_output(i)) continue;
    const std::vector<double>& state = i == 1 ? y_h : y_c;
    if (p.batch_first)
      write_output(ctx, i, p, {batch, dirs, hidden}, swap_leading(state, dirs, batch, hidden));
    else
      write_output(ctx, i, p, {dirs, batch, hidden}, state);
  }
}

}  // namespace zenith::ref
