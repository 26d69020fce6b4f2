// Backward rules for the pointwise ops a Linear or transformer block uses besides those of
// backward_rules.cpp: activations (LeakyRelu, GELU's Erf), the math ops exported layer norms
// are made of (Pow, Sqrt, ...) and Dropout, in ONNX ops.
#include <numbers>
#include <optional>

#include "ir/errors.h"
#include "train/backward_rule_groups.h"

namespace zenith::train {
namespace {

// dX = dY * slope, the slope a value of the forward's dims.
std::string times(const BackwardContext& c, const std::string& slope) {
  return c.b.add("Mul", {c.dy[0], slope}, c.b.dims(c.node.inputs[0]));
}

// dX = dY where X > 0, alpha dY elsewhere (PyTorch's slope at 0 too).
Grads leaky_relu(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const std::string& x = c.node.inputs[0];
  const ir::Dims& d = b.dims(x);
  const std::string positive = b.add("Greater", {x, b.scalar(0.0f)}, d);
  const std::string scaled =
      b.add("Mul", {c.dy[0], b.scalar(c.node.attr<float>("alpha", 0.01f))}, d);
  return {b.add("Where", {positive, c.dy[0], scaled}, d)};
}

// d erf(x) = 2 / sqrt(pi) exp(-x^2): what GELU as PyTorch exports it, x (1 + erf(x / sqrt 2)) / 2,
// needs besides Mul, Add and Div.
Grads erf(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const std::string& x = c.node.inputs[0];
  const ir::Dims& d = b.dims(x);
  const std::string gauss = b.add("Exp", {b.add("Neg", {b.add("Mul", {x, x}, d)}, d)}, d);
  const auto two_over_root_pi = static_cast<float>(2.0 * std::numbers::inv_sqrtpi);
  return {times(c, b.add("Mul", {gauss, b.scalar(two_over_root_pi)}, d))};
}

Grads exp(const BackwardContext& c) { return {times(c, c.node.outputs[0])}; }

Grads log(const BackwardContext& c) {
  return {c.b.add("Div", {c.dy[0], c.node.inputs[0]}, c.b.dims(c.node.inputs[0]))};
}

// dX = dY / (2 Y).
Grads sqrt(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const ir::Dims& d = b.dims(c.node.inputs[0]);
  return {b.add("Div", {c.dy[0], b.add("Mul", {c.node.outputs[0], b.scalar(2.0f)}, d)}, d)};
}

// Y = X^E: dX = dY E X^(E - 1), summed over the axes E broadcast X along. The exponent gets no
// gradient (layer norm's square, a constant 2, is what exported models raise to a power).
Grads pow(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const std::string &x = c.node.inputs[0], &e = c.node.inputs[1];
  const ir::Dims& y = b.dims(c.node.outputs[0]);
  const std::string lowered = b.add("Pow", {x, b.add("Sub", {e, b.scalar(1.0f)}, b.dims(e))}, y);
  const std::string slope = b.add("Mul", {e, lowered}, y);
  return {b.unbroadcast(b.add("Mul", {c.dy[0], slope}, y), y, b.dims(x)), ""};
}

Grads neg(const BackwardContext& c) {
  return {c.b.add("Neg", {c.dy[0]}, c.b.dims(c.node.inputs[0]))};
}

// dX = dY sign(X) (0 at 0, as PyTorch).
Grads abs(const BackwardContext& c) {
  return {times(c, c.b.add("Sign", {c.node.inputs[0]}, c.b.dims(c.node.inputs[0])))};
}

// A scalar input's constant value, or nullopt where it is not a constant.
std::optional<double> constant_scalar(const BackwardContext& c, size_t input) {
  const ir::Tensor* t = c.b.constant_value(c.node.inputs[input]);
  if (!t || t->numel() != 1) return std::nullopt;
  return t->as_double(0);
}

// Training-mode Dropout: dX = dY mask / (1 - ratio), the mask the one the forward drew this step
// (autograd gives every Dropout that may train a mask output). In inference mode, or with a ratio
// of 0, it is the identity.
Grads dropout(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const ir::Dims& d = b.dims(n.inputs[0]);
  const std::optional<double> mode = n.has_input(2) ? constant_scalar(c, 2) : 0.0;
  const std::optional<double> ratio = n.has_input(1) ? constant_scalar(c, 1) : 0.5;
  Grads dx(n.inputs.size());
  if (mode == 0.0 || ratio == 0.0) {
    dx[0] = c.dy[0];
    return dx;
  }
  if (!n.has_output(1))
    throw make_error(Error::Kind::Internal, "node '{}' (Dropout): training left it no mask output",
                     n.name);
  // 1 / (1 - ratio), folded where the ratio is a constant; 1 where the mode turns out false.
  std::string scale =
      ratio ? b.scalar(static_cast<float>(1.0 / (1.0 - *ratio)))
            : b.add("Div", {b.scalar(1.0f), b.add("Sub", {b.scalar(1.0f), n.inputs[1]}, {})}, {});
  if (!mode) scale = b.add("Where", {n.inputs[2], scale, b.scalar(1.0f)}, {});
  dx[0] = b.add("Where", {n.outputs[1], b.add("Mul", {c.dy[0], scale}, d), b.scalar(0.0f)}, d);
  return dx;
}

}  // namespace

BackwardRules pointwise_backward_rules() {
  return {
      {"Abs", {{0}, &abs}},
      {"Dropout", {{0}, &dropout}},
      {"Erf", {{0}, &erf}},
      {"Exp", {{0}, &exp}},
      {"LeakyRelu", {{0}, &leaky_relu}},
      {"Log", {{0}, &log}},
      {"Neg", {{0}, &neg}},
      {"Pow", {{0}, &pow}},
      {"Sqrt", {{0}, &sqrt}},
  };
}

}  // namespace zenith::train
