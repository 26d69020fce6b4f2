// The backward rule of LSTM as PyTorch exports nn.LSTM (one forward direction, the default
// activations, no peepholes): backpropagation through time unrolled into ONNX ops, the forward's
// gates recomputed step by step (the LSTM node outputs only h and the last c). The initial h and
// c get no gradient: PyTorch's export computes them from a zeros constant (Expand), which
// training cannot tell from a parameter.
#include "ir/errors.h"
#include "train/backward_rule_groups.h"

namespace zenith::train {
namespace {

// One time step's forward values the backward reads.
struct Step {
  std::string h_prev, c_prev, i, o, f, g, tanh_c;
};

void check_trainable_lstm(const ir::Node& n) {
  const auto refuse = [&](const char* what) {
    throw_unsupported("node '{}' (LSTM): training takes {}", n.name, what);
  };
  if (n.attr<std::string>("direction", "forward") != "forward")
    refuse("one forward direction (as nn.LSTM exports a unidirectional layer)");
  if (n.has_attr("activations") && n.attr<std::vector<std::string>>("activations") !=
                                       std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"})
    refuse("the default activations (Sigmoid, Tanh, Tanh)");
  if (n.has_attr("clip") || n.attr<int64_t>("input_forget", 0) != 0)
    refuse("no clip and no coupled input and forget gates");
  if (n.attr<int64_t>("layout", 0) != 0) refuse("layout 0 ([seq, batch, ...], as PyTorch exports)");
  if (n.has_input(4) || n.has_input(7)) refuse("no sequence_lens and no peepholes");
}

Grads lstm(const BackwardContext& c) {
  const ir::Node& n = c.node;
  check_trainable_lstm(n);
  GradientBuilder& b = c.b;
  const ir::Dims& xd = b.dims(n.inputs[0]);
  const int64_t steps = xd[0], batch = xd[1], in = xd[2];
  const int64_t hidden = n.attr<int64_t>("hidden_size");
  const ir::Dims state = {batch, hidden}, gates = {batch, 4 * hidden};
  const auto sigmoid_slope = [&](const std::string& s) {  // s (1 - s)
    return b.add("Mul", {s, b.add("Sub", {b.scalar(1.0f), s}, state)}, state);
  };
  const auto tanh_slope = [&](const std::string& t) {  // 1 - t^2
    return b.add("Sub", {b.scalar(1.0f), b.add("Mul", {t, t}, state)}, state);
  };
  const auto mul = [&](const std::string& x, const std::string& y) {
    return b.add("Mul", {x, y}, state);
  };
  const auto add = [&](const std::string& x, const std::string& y) {
    return b.add("Add", {x, y}, state);
  };
  const auto rows = [&](const std::string& v, int64_t from, int64_t count, const ir::Dims& d) {
    return b.add("Slice", {v, b.integers({from}), b.integers({from + count}), b.integers({0})}, d);
  };
  const std::string zeros = b.add("Expand", {b.scalar(0.0f), b.integers(state)}, state);
  const auto initial = [&](size_t input) {
    return n.has_input(input) ? b.reshape(n.inputs[input], state) : zeros;
  };

  // The forward again: every step's input projection (with both biases) in one Gemm, then the
  // recurrence. ONNX's gate order is i, o, f, c.
  const std::string w = b.reshape(n.inputs[1], {4 * hidden, in});
  const std::string r = b.reshape(n.inputs[2], {4 * hidden, hidden});
  const std::string x = b.reshape(n.inputs[0], {steps * batch, in});
  std::vector<std::string> projection_inputs = {x, w};
  if (n.has_input(3))
    projection_inputs.push_back(b.add("ReduceSum",
                                      {b.reshape(n.inputs[3], {2, 4 * hidden}), b.integers({0})},
                                      {4 * hidden}, {{"keepdims", int64_t{0}}}));
  const std::string projected =
      b.add("Gemm", projection_inputs, {steps * batch, 4 * hidden}, {{"transB", int64_t{1}}});
  std::vector<Step> forward;
  std::string h = initial(5), cell = initial(6);
  for (int64_t t = 0; t < steps; ++t) {
    const std::string a = b.add("Add",
                                {rows(projected, t * batch, batch, gates),
                                 b.add("Gemm", {h, r}, gates, {{"transB", int64_t{1}}})},
                                gates);
    const auto gate = [&](int64_t k, const char* activation) {
      const std::string part = b.add(
          "Slice", {a, b.integers({k * hidden}), b.integers({(k + 1) * hidden}), b.integers({1})},
          state);
      return b.add(activation, {part}, state);
    };
    Step s{h, cell, gate(0, "Sigmoid"), gate(1, "Sigmoid"), gate(2, "Sigmoid"), gate(3, "Tanh"),
           ""};
    cell = add(mul(s.f, cell), mul(s.i, s.g));
    s.tanh_c = b.add("Tanh", {cell}, state);
    h = mul(s.o, s.tanh_c);
    forward.push_back(s);
  }

  // Backward through time: dh and dc flow from step t to t - 1, dY's row t joins dh at t.
  const std::string dy_all = c.dy[0].empty() ? "" : b.reshape(c.dy[0], {steps * batch, hidden});
  std::string dh = n.has_output(1) && !c.dy[1].empty() ? b.reshape(c.dy[1], state) : zeros;
  std::string dc = n.has_output(2) && !c.dy[2].empty() ? b.reshape(c.dy[2], state) : zeros;
  std::vector<std::string> dgates(static_cast<size_t>(steps)), h_prev(static_cast<size_t>(steps));
  for (int64_t t = steps; t-- > 0;) {  // (step 0's dh and dc would only reach the initial state)
    const Step& s = forward[static_cast<size_t>(t)];
    if (!dy_all.empty()) dh = add(dh, rows(dy_all, t * batch, batch, state));
    dc = add(dc, mul(mul(dh, s.o), tanh_slope(s.tanh_c)));
    const std::string da_i = mul(mul(dc, s.g), sigmoid_slope(s.i));
    const std::string da_o = mul(mul(dh, s.tanh_c), sigmoid_slope(s.o));
    const std::string da_f = mul(mul(dc, s.c_prev), sigmoid_slope(s.f));
    const std::string da_g = mul(mul(dc, s.i), tanh_slope(s.g));
    const std::string da = b.add("Concat", {da_i, da_o, da_f, da_g}, gates, {{"axis", int64_t{1}}});
    dgates[static_cast<size_t>(t)] = da;
    h_prev[static_cast<size_t>(t)] = s.h_prev;
    if (t == 0) break;
    dh = b.add("MatMul", {da, r}, state);
    dc = mul(dc, s.f);
  }
  const ir::Dims all_gates = {steps * batch, 4 * hidden};
  const std::string da_all = b.add("Concat", dgates, all_gates, {{"axis", int64_t{0}}});
  Grads dx(n.inputs.size());
  if (c.need[0]) dx[0] = b.reshape(b.add("MatMul", {da_all, w}, {steps * batch, in}), xd);
  if (c.need[1])
    dx[1] = b.reshape(b.add("Gemm", {da_all, x}, {4 * hidden, in}, {{"transA", int64_t{1}}}),
                      b.dims(n.inputs[1]));
  if (c.need[2]) {
    const std::string hs = b.add("Concat", h_prev, {steps * batch, hidden}, {{"axis", int64_t{0}}});
    dx[2] = b.reshape(b.add("Gemm", {da_all, hs}, {4 * hidden, hidden}, {{"transA", int64_t{1}}}),
                      b.dims(n.inputs[2]));
  }
  if (n.has_input(3) && c.need[3]) {
    // Both halves of B (the input's and the recurrence's bias) get the same gradient.
    const std::string db =
        b.add("ReduceSum", {da_all, b.integers({0})}, {4 * hidden}, {{"keepdims", int64_t{0}}});
    dx[3] = b.reshape(b.add("Concat", {db, db}, {8 * hidden}, {{"axis", int64_t{0}}}),
                      b.dims(n.inputs[3]));
  }
  return dx;
}

}  // namespace

BackwardRules recurrent_backward_rules() { return {{"LSTM", {{0, 1, 2, 3}, &lstm}}}; }

}  // namespace zenith::train
