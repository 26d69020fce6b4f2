// Backward rules for reductions and the normalization built on them: ReduceMean and ReduceSum
// (mean pooling, layer norm as exported before opset 17) and LayerNormalization, in ONNX ops.
#include "ir/errors.h"
#include "train/backward_rule_groups.h"

namespace zenith::train {
namespace {

// The axes Reduce* reduces X of rank `rank` over (normalized), from its axes input: every axis
// where there is none or it is empty (unless noop_with_empty_axes).
std::vector<int64_t> reduced_axes(const BackwardContext& c, size_t rank) {
  const ir::Node& n = c.node;
  std::vector<int64_t> axes;
  if (n.has_input(1))
    for (int64_t a : constant_integers(c, 1))
      axes.push_back(a < 0 ? a + static_cast<int64_t>(rank) : a);
  if (axes.empty() && n.attr<int64_t>("noop_with_empty_axes", 0) == 0)
    for (size_t a = 0; a < rank; ++a) axes.push_back(static_cast<int64_t>(a));
  return axes;
}

// Y = sum (or mean) of X over some axes: dX = dY (/ the count) spread back over them.
Grads reduce(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const ir::Node& n = c.node;
  const ir::Dims& x = b.dims(n.inputs[0]);
  const ir::Dims& y = b.dims(n.outputs[0]);
  ir::Dims kept = x;
  for (int64_t a : reduced_axes(c, x.size())) kept[static_cast<size_t>(a)] = 1;
  std::string dy = b.reshape(c.dy[0], kept);
  if (n.op_type == "ReduceMean" && elements(y) > 0)
    dy = b.add("Div", {dy, b.scalar(static_cast<float>(elements(x) / elements(y)))}, kept);
  Grads dx(n.inputs.size());
  dx[0] = kept == x ? dy : b.add("Expand", {dy, b.integers(x)}, x);
  return dx;
}

// LayerNormalization over the axes from `axis` on, with x^ = (x - mean) / sqrt(var + eps):
// dX = (dx^ - mean(dx^) - x^ mean(dx^ x^)) / sqrt(var + eps) where dx^ = dY scale, and scale's
// and B's gradients dY x^ and dY summed over the axes they broadcast along.
Grads layer_norm(const BackwardContext& c) {
  GradientBuilder& b = c.b;
  const ir::Node& n = c.node;
  if (n.has_output(1) || n.has_output(2))
    throw_unsupported(
        "node '{}' (LayerNormalization): training takes it without its Mean and "
        "InvStdDev outputs",
        n.name);
  const std::string &x = n.inputs[0], &dy = c.dy[0];
  const ir::Dims& d = b.dims(x);
  int64_t axis = n.attr<int64_t>("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(d.size());
  std::vector<int64_t> axes;
  ir::Dims per_group = d;
  for (size_t a = static_cast<size_t>(axis); a < d.size(); ++a) {
    axes.push_back(static_cast<int64_t>(a));
    per_group[a] = 1;
  }
  const std::string axes_value = b.integers(axes);
  const auto mean = [&](const std::string& v) {
    return b.add("ReduceMean", {v, axes_value}, per_group, {{"keepdims", int64_t{1}}});
  };
  const std::string centered = b.add("Sub", {x, mean(x)}, d);
  const std::string variance = mean(b.add("Mul", {centered, centered}, d));
  const std::string eps = b.scalar(n.attr<float>("epsilon", 1e-5f));
  const std::string inv_std = b.add(
      "Div", {b.scalar(1.0f), b.add("Sqrt", {b.add("Add", {variance, eps}, per_group)}, per_group)},
      per_group);
  const std::string normalized = b.add("Mul", {centered, inv_std}, d);
  Grads dx(n.inputs.size());
  if (c.need[0]) {
    const std::string dnormalized = b.add("Mul", {dy, n.inputs[1]}, d);
    const std::string projection =
        b.add("Mul", {normalized, mean(b.add("Mul", {dnormalized, normalized}, d))}, d);
    const std::string shifted =
        b.add("Sub", {b.add("Sub", {dnormalized, mean(dnormalized)}, d), projection}, d);
    dx[0] = b.add("Mul", {shifted, inv_std}, d);
  }
  if (c.need[1]) dx[1] = b.unbroadcast(b.add("Mul", {dy, normalized}, d), d, b.dims(n.inputs[1]));
  if (n.has_input(2) && c.need[2]) dx[2] = b.unbroadcast(dy, d, b.dims(n.inputs[2]));
  return dx;
}

}  // namespace

BackwardRules reduce_backward_rules() {
  return {
      {"LayerNormalization", {{0, 1, 2}, &layer_norm}},
      {"ReduceMean", {{0}, &reduce}},
      {"ReduceSum", {{0}, &reduce}},
  };
}

}  // namespace zenith::train
