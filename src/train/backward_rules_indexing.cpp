// Backward rules for the ops that pick parts of a tensor: Gather, an embedding (a parameter's
// rows by ids) or positions of a sequence, by ScatterND with reduction add (ONNX, opset 16), so
// an id that occurs several times gets its slices' sum; Slice (PyTorch's LSTM export reorders
// the gates of its weights with Slice and Concat), by Pad.
#include <algorithm>

#include "ir/errors.h"
#include "train/backward_rule_groups.h"

namespace zenith::train {
namespace {

// Y = data[ids] along `axis`: dData = zeros of data's dims with each dY slice added at its id.
// Along another axis than 0 (taking one token of a sequence) the axis is moved to the front for
// the scatter and back after it.
Grads gather(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const ir::Dims& data = b.dims(n.inputs[0]);
  const ir::Dims& ids = b.dims(n.inputs[1]);
  const ir::Dims& y = b.dims(n.outputs[0]);
  int64_t axis = n.attr<int64_t>("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(data.size());
  const auto a = static_cast<size_t>(axis);
  // dY with the ids' axes first: [ids..., data[:axis]..., data[axis+1:]...].
  std::vector<int64_t> ids_first;
  for (size_t k = a; k < a + ids.size(); ++k) ids_first.push_back(static_cast<int64_t>(k));
  for (size_t k = 0; k < y.size(); ++k)
    if (k < a || k >= a + ids.size()) ids_first.push_back(static_cast<int64_t>(k));
  ir::Dims moved_dy;
  for (int64_t k : ids_first) moved_dy.push_back(y[static_cast<size_t>(k)]);
  const std::string dy =
      a == 0 ? c.dy[0] : b.add("Transpose", {c.dy[0]}, moved_dy, {{"perm", ids_first}});
  // ScatterND's indices: every id a row of [count, 1] (int64, which ScatterND takes: PyTorch
  // exports int64 ids, other exporters may not); its updates: dY as [count, slice...].
  const int64_t count = elements(ids);
  const std::string indices =
      b.reshape(b.add("Cast", {n.inputs[1]}, ids, {{"to", int64_t{7}}}), ir::Dims{count, 1});
  ir::Dims moved_data = {data[a]};  // data with `axis` first
  for (size_t k = 0; k < data.size(); ++k)
    if (k != a) moved_data.push_back(data[k]);
  ir::Dims updates = moved_data;
  updates[0] = count;
  const std::string zeros = b.add("Expand", {b.scalar(0.0f), b.integers(moved_data)}, moved_data);
  const std::string scattered = b.add("ScatterND", {zeros, indices, b.reshape(dy, updates)},
                                      moved_data, {{"reduction", std::string("add")}});
  Grads dx(n.inputs.size());
  if (a == 0) {
    dx[0] = scattered;
    return dx;
  }
  std::vector<int64_t> back;  // `axis` from the front to its place
  for (size_t k = 0; k < data.size(); ++k)
    back.push_back(k < a ? static_cast<int64_t>(k + 1) : k == a ? 0 : static_cast<int64_t>(k));
  dx[0] = b.add("Transpose", {scattered}, data, {{"perm", back}});
  return dx;
}

// Y = X[starts:ends] along some axes with step 1: dX = dY padded with zeros back to X's dims.
Grads slice(const BackwardContext& c) {
  const ir::Node& n = c.node;
  GradientBuilder& b = c.b;
  const ir::Dims& x = b.dims(n.inputs[0]);
  const std::vector<int64_t> starts = constant_integers(c, 1), ends = constant_integers(c, 2);
  std::vector<int64_t> axes;
  if (n.has_input(3)) {
    axes = constant_integers(c, 3);
  } else {
    for (size_t a = 0; a < starts.size(); ++a) axes.push_back(static_cast<int64_t>(a));
  }
  if (n.has_input(4)) {
    const std::vector<int64_t> steps = constant_integers(c, 4);
    if (std::any_of(steps.begin(), steps.end(), [](int64_t s) { return s != 1; }))
      throw_unsupported("node '{}' (Slice): training takes slices of step 1", n.name);
  }
  const auto rank = static_cast<int64_t>(x.size());
  std::vector<int64_t> pads(2 * x.size(), 0);  // ONNX's: every axis' begin, then every end
  for (size_t k = 0; k < axes.size(); ++k) {
    const int64_t a = axes[k] < 0 ? axes[k] + rank : axes[k];
    const int64_t dim = x[static_cast<size_t>(a)];
    const auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + dim : v, int64_t{0}, dim); };
    const int64_t begin = clamp(starts[k]);
    pads[static_cast<size_t>(a)] = begin;
    pads[static_cast<size_t>(a + rank)] = dim - std::max(begin, clamp(ends[k]));
  }
  Grads dx(n.inputs.size());
  dx[0] = b.add("Pad", {c.dy[0], b.integers(pads), b.scalar(0.0f)}, x);
  return dx;
}

}  // namespace

BackwardRules indexing_backward_rules() {
  return {{"Gather", {{0}, &gather}}, {"Slice", {{0}, &slice}}};
}

}  // namespace zenith::train
