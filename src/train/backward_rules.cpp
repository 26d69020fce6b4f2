// Backward rules for the dense and elementwise ops (Linear layers, activations, reshapes), in
// ONNX ops, so every device runs them as it runs any graph.
#include "train/backward_rules.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "ir/errors.h"
#include "train/backward_rule_groups.h"

namespace zenith::train {
namespace {

int64_t flag(bool b) { return b ? 1 : 0; }

// Y = alpha * op(A) @ op(B) + beta * C, op transposing when transA / transB say.
Grads gemm(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const std::string& dy = c.dy[0];
  const std::string &a = n.inputs[0], &w = n.inputs[1];
  const bool ta = n.attr<int64_t>("transA", 0) != 0, tb = n.attr<int64_t>("transB", 0) != 0;
  const float alpha = n.attr<float>("alpha", 1.0f), beta = n.attr<float>("beta", 1.0f);
  Grads dx(n.inputs.size());
  // d op(A) = dY op(B)^T, d op(B) = op(A)^T dY; a transposed operand's gradient is transposed.
  if (c.need[0])
    dx[0] = ta ? b.add("Gemm", {w, dy}, b.dims(a),
                       {{"transA", flag(tb)}, {"transB", int64_t{1}}, {"alpha", alpha}})
               : b.add("Gemm", {dy, w}, b.dims(a),
                       {{"transA", int64_t{0}}, {"transB", flag(!tb)}, {"alpha", alpha}});
  if (c.need[1])
    dx[1] = tb ? b.add("Gemm", {dy, a}, b.dims(w),
                       {{"transA", int64_t{1}}, {"transB", flag(ta)}, {"alpha", alpha}})
               : b.add("Gemm", {a, dy}, b.dims(w),
                       {{"transA", flag(!ta)}, {"transB", int64_t{0}}, {"alpha", alpha}});
  if (n.has_input(2) && c.need[2]) {
    std::string dc = b.unbroadcast(dy, b.dims(n.outputs[0]), b.dims(n.inputs[2]));
    if (beta != 1.0f) dc = b.add("Mul", {dc, b.scalar(beta)}, b.dims(n.inputs[2]));
    dx[2] = dc;
  }
  return dx;
}

// Y = A @ B with B a matrix [K, N] and A [..., M, K] (a Linear layer).
Grads matmul(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const std::string& dy = c.dy[0];
  const ir::Dims &da = b.dims(n.inputs[0]), &dw = b.dims(n.inputs[1]);
  if (dw.size() != 2 || da.size() < 2)
    throw_unsupported(
        "node '{}' (MatMul): training takes a matrix B and an A of rank >= 2; "
        "here A is rank {} and B rank {}",
        n.name, da.size(), dw.size());
  Grads dx(2);
  if (c.need[0]) {
    const std::string wt =
        b.add("Transpose", {n.inputs[1]}, {dw[1], dw[0]}, {{"perm", std::vector<int64_t>{1, 0}}});
    dx[0] = b.add("MatMul", {dy, wt}, da);
  }
  if (c.need[1]) {
    // Summed over every leading axis: A's rows against dY's.
    const int64_t rows = std::max<int64_t>(1, elements(da) / std::max<int64_t>(1, da.back()));
    const std::string a2 = b.reshape(n.inputs[0], {rows, da.back()});
    const std::string dy2 = b.reshape(dy, {rows, dw[1]});
    dx[1] = b.add("Gemm", {a2, dy2}, dw, {{"transA", int64_t{1}}});
  }
  return dx;
}

// The gradient of operand i of a broadcasting binary op, given the gradient it gets at the
// output's dims.
std::string operand_grad(const BackwardContext& c, size_t i, const std::string& at_output) {
  return c.b.unbroadcast(at_output, c.b.dims(c.node.outputs[0]), c.b.dims(c.node.inputs[i]));
}

Grads add_sub(const BackwardContext& c) {
  Grads dx(2);
  const ir::Dims& y = c.b.dims(c.node.outputs[0]);
  if (c.need[0]) dx[0] = operand_grad(c, 0, c.dy[0]);
  if (c.need[1])
    dx[1] = operand_grad(c, 1, c.node.op_type == "Sub" ? c.b.add("Neg", {c.dy[0]}, y) : c.dy[0]);
  return dx;
}

Grads mul(const BackwardContext& c) {
  Grads dx(2);
  const ir::Dims& y = c.b.dims(c.node.outputs[0]);
  for (size_t i = 0; i < 2; ++i)
    if (c.need[i]) dx[i] = operand_grad(c, i, c.b.add("Mul", {c.dy[0], c.node.inputs[1 - i]}, y));
  return dx;
}

// Y = A / B: dA = dY / B, dB = -dY * Y / B.
Grads div(const BackwardContext& c) {
  Grads dx(2);
  GradientBuilder& b = c.b;
  const ir::Dims& y = b.dims(c.node.outputs[0]);
  const std::string& w = c.node.inputs[1];
  if (c.need[0]) dx[0] = operand_grad(c, 0, b.add("Div", {c.dy[0], w}, y));
  if (c.need[1]) {
    const std::string ratio = b.add("Div", {c.node.outputs[0], w}, y);
    dx[1] = operand_grad(c, 1, b.add("Neg", {b.add("Mul", {c.dy[0], ratio}, y)}, y));
  }
  return dx;
}

// dX = dY where Y > 0 (as X > 0), else 0: zenith.ReluGrad. It reads Y rather than X, so X (a
// batch norm's output, say) need not stay alive until the backward pass.
Grads relu(const BackwardContext& c) {
  const std::string& y = c.node.outputs[0];
  return {c.b.add_zenith("ReluGrad", {y, c.dy[0]}, c.b.dims(y), {})};
}

// dX = dY * Y * (1 - Y).
Grads sigmoid(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const std::string& y = c.node.outputs[0];
  const ir::Dims& d = b.dims(y);
  const std::string slope = b.add("Mul", {y, b.add("Sub", {b.scalar(1.0f), y}, d)}, d);
  return {b.add("Mul", {c.dy[0], slope}, d)};
}

// dX = dY * (1 - Y^2).
Grads tanh(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const std::string& y = c.node.outputs[0];
  const ir::Dims& d = b.dims(y);
  const std::string slope = b.add("Sub", {b.scalar(1.0f), b.add("Mul", {y, y}, d)}, d);
  return {b.add("Mul", {c.dy[0], slope}, d)};
}

// Identity, and the ops that only reshape: the gradient reshaped back.
Grads reshape(const BackwardContext& c) {
  Grads dx(c.node.inputs.size());
  dx[0] = c.b.reshape(c.dy[0], c.b.dims(c.node.inputs[0]));
  return dx;
}

// The axes a per-channel statistic sums over: all but axis 1.
std::vector<int64_t> all_but_channels(size_t rank) {
  std::vector<int64_t> axes = {0};
  for (size_t a = 2; a < rank; ++a) axes.push_back(static_cast<int64_t>(a));
  return axes;
}

// The forward node's attributes plus `shape_attribute` = `shape`: what the gradient ops of
// Conv and AveragePool take.
std::map<std::string, ir::Attribute> attributes_with(const ir::Node& forward,
                                                     const char* shape_attribute,
                                                     const ir::Dims& shape) {
  std::map<std::string, ir::Attribute> a = forward.attributes;
  a[shape_attribute] = std::vector<int64_t>(shape.begin(), shape.end());
  return a;
}

// dX and dW by zenith.ConvGradInput / ConvGradWeight, dB summed over all but the channels.
Grads conv(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const std::string& dy = c.dy[0];
  const ir::Dims &x = b.dims(n.inputs[0]), &w = b.dims(n.inputs[1]);
  Grads dx(n.inputs.size());
  if (c.need[0])
    dx[0] =
        b.add_zenith("ConvGradInput", {dy, n.inputs[1]}, x, attributes_with(n, "input_shape", x));
  if (c.need[1])
    dx[1] =
        b.add_zenith("ConvGradWeight", {n.inputs[0], dy}, w, attributes_with(n, "weight_shape", w));
  if (n.has_input(2) && c.need[2])
    dx[2] = b.add("ReduceSum", {dy, b.integers(all_but_channels(x.size()))}, b.dims(n.inputs[2]),
                  {{"keepdims", int64_t{0}}});
  return dx;
}

// dX = dY / (the pooled elements), spread over them.
Grads global_average_pool(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const ir::Dims& x = b.dims(c.node.inputs[0]);
  const ir::Dims& y = b.dims(c.node.outputs[0]);
  const std::string mean =
      b.add("Div", {c.dy[0], b.scalar(static_cast<float>(elements(x) / elements(y)))}, y);
  return {b.add("Expand", {mean, b.integers(std::vector<int64_t>(x.begin(), x.end()))}, x)};
}

// Training-mode batch norm: dX, dscale and dB by zenith.BatchNormGrad, from X, scale, dY and
// the batch's mean and variance, which autograd has the forward save (its zenith.BatchNormTrain's
// outputs 3 and 4). The running statistics get no gradient.
Grads batch_norm(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  if (n.attr<int64_t>("training_mode", 0) == 0)
    throw_unsupported(
        "node '{}' (BatchNormalization) is in inference mode, its statistics "
        "constants: export the model in training form (PyTorch: "
        "torch.onnx.export(..., training=torch.onnx.TrainingMode.TRAINING))",
        n.name);
  const ir::Node& forward = b.producer(n.outputs[0]);
  if (forward.op_type != "BatchNormTrain" || !forward.has_output(4))
    throw make_error(Error::Kind::Internal, "node '{}': its forward saves no batch statistics",
                     n.name);
  const ir::Dims& channels = b.dims(n.inputs[1]);
  const std::vector<std::string> grads = b.add_zenith(
      "BatchNormGrad", {n.inputs[0], n.inputs[1], c.dy[0], forward.outputs[3], forward.outputs[4]},
      {b.dims(n.inputs[0]), channels, channels}, {{"epsilon", n.attr<float>("epsilon", 1e-5f)}});
  Grads dx(n.inputs.size());
  for (size_t i = 0; i < 3; ++i)
    if (c.need[i]) dx[i] = grads[i];
  return dx;
}

// dX by zenith.MaxPoolGrad: each output's gradient to its window's maximum.
Grads max_pool(const BackwardContext& c) {
  if (c.node.has_output(1))
    throw_unsupported("node '{}' (MaxPool): training takes MaxPool without its Indices output",
                      c.node.name);
  return {c.b.add_zenith("MaxPoolGrad", {c.node.inputs[0], c.dy[0]}, c.b.dims(c.node.inputs[0]),
                         c.node.attributes)};
}

// dX by zenith.AveragePoolGrad: each output's gradient spread over its window.
Grads average_pool(const BackwardContext& c) {
  const ir::Dims& x = c.b.dims(c.node.inputs[0]);
  return {
      c.b.add_zenith("AveragePoolGrad", {c.dy[0]}, x, attributes_with(c.node, "input_shape", x))};
}

// Constant-mode Pad (AveragePool's, as PyTorch exports it): dX is dY where X lies.
Grads pad(const BackwardContext& c) {
  const ir::Node& n = c.node;
  const ir::Dims& x = c.b.dims(n.inputs[0]);
  const ir::Tensor* pads = n.has_input(1) ? c.b.initializer(n.inputs[1]) : nullptr;
  if (n.attr<std::string>("mode", "constant") != "constant" || !pads ||
      pads->numel() != static_cast<int64_t>(2 * x.size()) || n.has_input(3))
    throw_unsupported(
        "node '{}' (Pad): training takes constant mode with constant pads over every axis", n.name);
  std::vector<int64_t> starts, ends;
  for (size_t a = 0; a < x.size(); ++a) {
    const int64_t begin = pads->as_int64(static_cast<int64_t>(a));
    const int64_t end = pads->as_int64(static_cast<int64_t>(a + x.size()));
    if (begin < 0 || end < 0)
      throw_unsupported("node '{}' (Pad): training takes no negative pads (cropping)", n.name);
    starts.push_back(begin);
    ends.push_back(begin + x[a]);
  }
  Grads dx(n.inputs.size());
  if (std::all_of(starts.begin(), starts.end(), [](int64_t v) { return v == 0; }) &&
      c.b.dims(n.outputs[0]) == x) {
    dx[0] = c.dy[0];
    return dx;
  }
  std::vector<int64_t> axes(x.size());
  std::iota(axes.begin(), axes.end(), int64_t{0});
  dx[0] =
      c.b.add("Slice", {c.dy[0], c.b.integers(starts), c.b.integers(ends), c.b.integers(axes)}, x);
  return dx;
}

// Each input's slice of dY along the axis, all by one Split (one pass over dY, where a Slice
// per input read it whole each time: a DenseNet concat has up to 33 inputs).
Grads concat(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const ir::Dims& y = b.dims(n.outputs[0]);
  int64_t axis = n.attr<int64_t>("axis");
  if (axis < 0) axis += static_cast<int64_t>(y.size());
  std::vector<int64_t> sizes;
  std::vector<ir::Dims> dims;
  for (const std::string& input : n.inputs) {
    dims.push_back(b.dims(input));
    sizes.push_back(dims.back()[static_cast<size_t>(axis)]);
  }
  const std::vector<std::string> parts =
      b.add_outputs("Split", {c.dy[0], b.integers(sizes)}, dims, {{"axis", axis}});
  Grads dx(n.inputs.size());
  for (size_t i = 0; i < n.inputs.size(); ++i)
    if (c.need[i]) dx[i] = parts[i];
  return dx;
}

// dX = Y * (dY - sum(dY * Y)) along the softmax axis.
Grads softmax(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const std::string& y = c.node.outputs[0];
  const ir::Dims& d = b.dims(y);
  int64_t axis = c.node.attr<int64_t>("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(d.size());
  ir::Dims kept = d;
  kept[static_cast<size_t>(axis)] = 1;
  const std::string dot = b.add("ReduceSum", {b.add("Mul", {c.dy[0], y}, d), b.integers({axis})},
                                kept, {{"keepdims", int64_t{1}}});
  return {b.add("Mul", {y, b.add("Sub", {c.dy[0], dot}, d)}, d)};
}

// dX = dY transposed back by the inverse permutation.
Grads transpose(const BackwardContext& c) {
  const ir::Dims& x = c.b.dims(c.node.inputs[0]);
  std::vector<int64_t> perm = c.node.attr<std::vector<int64_t>>("perm", {});
  if (perm.empty())  // ONNX's default: the axes reversed
    for (size_t a = x.size(); a-- > 0;) perm.push_back(static_cast<int64_t>(a));
  std::vector<int64_t> inverse(perm.size());
  for (size_t a = 0; a < perm.size(); ++a)
    inverse[static_cast<size_t>(perm[a])] = static_cast<int64_t>(a);
  return {c.b.add("Transpose", {c.dy[0]}, x, {{"perm", inverse}})};
}

// Every rule: this file's and each group's.
BackwardRules all_rules() {
  BackwardRules table = {
      {"Add", {{0, 1}, &add_sub}},     {"AveragePool", {{0}, &average_pool}},
      {"BatchNormalization", {{0, 1, 2}, &batch_norm}},
      {"Concat", {{}, &concat, true}}, {"Conv", {{0, 1, 2}, &conv}},
      {"Div", {{0, 1}, &div}},         {"Flatten", {{0}, &reshape}},
      {"Gemm", {{0, 1, 2}, &gemm}},    {"GlobalAveragePool", {{0}, &global_average_pool}},
      {"Identity", {{0}, &reshape}},   {"MatMul", {{0, 1}, &matmul}},
      {"MaxPool", {{0}, &max_pool}},   {"Mul", {{0, 1}, &mul}},
      {"Pad", {{0}, &pad}},
      {"Relu", {{0}, &relu}},          {"Reshape", {{0}, &reshape}},
      {"Sigmoid", {{0}, &sigmoid}},    {"Softmax", {{0}, &softmax}},
      {"Squeeze", {{0}, &reshape}},    {"Sub", {{0, 1}, &add_sub}},
      {"Tanh", {{0}, &tanh}},          {"Transpose", {{0}, &transpose}},
      {"Unsqueeze", {{0}, &reshape}},
  };
  for (BackwardRules group : {pointwise_backward_rules(), reduce_backward_rules(),
                              indexing_backward_rules(), recurrent_backward_rules()}) {
    table.merge(group);
    if (!group.empty())  // merge leaves behind what the table already had
      throw make_error(Error::Kind::Internal, "two backward rules for {}", group.begin()->first);
  }
  return table;
}

const BackwardRules& rules() {
  static const BackwardRules table = all_rules();
  return table;
}

}  // namespace

std::vector<int64_t> constant_integers(const BackwardContext& c, size_t input) {
  const ir::Tensor* t = c.b.constant_value(c.node.inputs[input]);
  if (!t)
    throw_unsupported("node '{}' ({}): training takes a constant input {} ('{}')", c.node.name,
                      c.node.op_type, input, c.node.inputs[input]);
  std::vector<int64_t> values;
  for (int64_t k = 0; k < t->numel(); ++k) values.push_back(t->as_int64(k));
  return values;
}

const BackwardRule* find_backward_rule(const ir::Node& node) {
  if (!node.domain.empty()) return nullptr;
  const auto it = rules().find(node.op_type);
  return it == rules().end() ? nullptr : &it->second;
}

}  // namespace zenith::train
