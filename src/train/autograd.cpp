// build_training_graph: the loss, then each node's backward rule in reverse graph order, the
// gradients of a value read several times summed.
#include "train/autograd.h"

#include <algorithm>
#include <map>
#include <set>

#include "ir/errors.h"
#include "ir/shape_inference.h"
#include "train/backward_rules.h"
#include "train/batch_norm_relu_fusion.h"

namespace zenith::train {
namespace {

struct LossOutputs {
  std::string loss;
  std::string dlogits;  // d loss / d logits
};

// Appends the loss of `logits` against `labels` and its gradient.
LossOutputs add_loss(Loss loss, const std::string& logits, const std::string& labels,
                     const std::vector<float>& positive_weights, GradientBuilder& b) {
  const ir::Dims d = b.dims(logits);
  const ir::Dims scalar{};
  if (loss == Loss::CrossEntropy) {
    const std::string value = b.add("SoftmaxCrossEntropyLoss", {logits, labels}, scalar,
                                    {{"reduction", std::string("mean")}}, "loss");
    // (softmax - one_hot(labels)) / N
    const std::string p = b.add("Softmax", {logits}, d, {{"axis", int64_t{1}}});
    ir::Tensor off_on(ir::DType::F32, {2});
    off_on.data<float>()[0] = 0.0f;
    off_on.data<float>()[1] = 1.0f;
    const std::string one_hot =
        b.add("OneHot", {labels, b.integers({d[1]}), b.constant(std::move(off_on))}, d,
              {{"axis", int64_t{-1}}});
    const std::string diff = b.add("Sub", {p, one_hot}, d);
    return {value, b.add("Div", {diff, b.scalar(static_cast<float>(d[0]))}, d)};
  }
  const auto n = static_cast<float>(elements(d));
  if (loss == Loss::MeanSquaredError) {
    const std::string diff = b.add("Sub", {logits, labels}, d);
    const std::string value = b.add("ReduceMean", {b.add("Mul", {diff, diff}, d)}, scalar,
                                    {{"keepdims", int64_t{0}}}, "loss");
    return {value, b.add("Mul", {diff, b.scalar(2.0f / n)}, d)};
  }
  // (1 - t) x + w softplus(-x), w = 1 + (p - 1) t weighing the positives by p (as
  // torch.nn.BCEWithLogitsLoss's pos_weight); softplus(-x) = max(-x, 0) + log(1 + exp(-|x|))
  // does not overflow for large |x|. Gradient: (1 - t) - w sigmoid(-x).
  const std::string x = logits, t = labels;
  const std::string negated = b.add("Neg", {x}, d);
  const std::string softplus = b.add(
      "Add",
      {b.add("Relu", {negated}, d),
       b.add(
           "Log",
           {b.add("Add",
                  {b.scalar(1.0f), b.add("Exp", {b.add("Neg", {b.add("Abs", {x}, d)}, d)}, d)}, d)},
           d)},
      d);
  const std::string negatives = b.add("Sub", {b.scalar(1.0f), t}, d);
  std::string weight;  // w, or "" for 1
  if (!positive_weights.empty()) {
    if (static_cast<int64_t>(positive_weights.size()) != d.back())
      throw_invalid_argument("{} positive weights for {} classes (output '{}' is {})",
                             positive_weights.size(), d.back(), logits, ir::to_string(d));
    ir::Tensor p(ir::DType::F32, {d.back()});
    for (size_t c = 0; c < positive_weights.size(); ++c)
      p.data<float>()[c] = positive_weights[c] - 1.0f;
    weight = b.add("Add", {b.scalar(1.0f), b.add("Mul", {b.constant(std::move(p)), t}, d)}, d);
  }
  const auto weighed = [&](const std::string& v) {
    return weight.empty() ? v : b.add("Mul", {weight, v}, d);
  };
  const std::string terms = b.add("Add", {b.add("Mul", {negatives, x}, d), weighed(softplus)}, d);
  const std::string value =
      b.add("ReduceMean", {terms}, scalar, {{"keepdims", int64_t{0}}}, "loss");
  const std::string diff = b.add("Sub", {negatives, weighed(b.add("Sigmoid", {negated}, d))}, d);
  return {value, b.add("Div", {diff, b.scalar(n)}, d)};
}

// Each training-mode BatchNormalization as PyTorch trains it, zenith.BatchNormTrain: its
// running_var moves towards the batch's unbiased variance (ONNX's towards the population
// variance), and it saves the batch's mean and variance (outputs 3 and 4) for the backward rule.
void train_batch_norms(ir::Graph& g, GradientBuilder& b) {
  for (ir::Node& n : g.nodes) {
    if (!n.domain.empty() || n.op_type != "BatchNormalization" ||
        n.attr<int64_t>("training_mode", 0) == 0)
      continue;
    n.domain = "zenith";
    n.op_type = "BatchNormTrain";
    n.attributes.erase("training_mode");
    n.outputs.resize(3);
    for (const char* saved : {"saved_mean", "saved_var"}) {
      n.outputs.push_back(passes::NameGenerator(g).make(n.outputs[0] + "/" + saved));
      b.declare(n.outputs.back(), b.dims(n.inputs[1]));
    }
  }
}

bool is_parameter(const ir::Graph& g, const std::string& name) {
  const auto it = g.initializers.find(name);
  return it != g.initializers.end() && it->second.dtype() == ir::DType::F32 &&
         it->second.rank() > 0;
}

// Gives each Dropout that may train a mask output if it has none: its backward rule scales
// the gradient by the mask the forward drew.
void expose_dropout_masks(ir::Graph& g) {
  passes::NameGenerator names(g);
  for (ir::Node& n : g.nodes)
    if (passes::may_train(g, n) && !n.has_output(1)) {
      n.outputs.resize(2);
      n.outputs[1] = names.make(n.outputs[0] + "/mask");
    }
}

}  // namespace

Loss parse_loss(const std::string& text, const std::string& option) {
  if (text == "cross-entropy") return Loss::CrossEntropy;
  if (text == "bce") return Loss::BinaryCrossEntropy;
  if (text == "mse") return Loss::MeanSquaredError;
  throw_invalid_argument("{} '{}': expected cross-entropy, bce or mse", option, text);
}

TrainingGraph build_training_graph(const ir::Graph& model, Loss loss,
                                   const std::vector<float>& positive_weights) {
  if (!positive_weights.empty() && loss != Loss::BinaryCrossEntropy)
    throw_invalid_argument("positive weights are for binary cross-entropy (multi-label) only");
  if (model.outputs.size() != 1)
    throw_invalid_argument("training needs a model with one output, its logits; this one has {}",
                           model.outputs.size());
  TrainingGraph t;
  t.graph = model;
  ir::Graph& g = t.graph;
  expose_dropout_masks(g);
  // The forward's nodes, which the rules read while they append to g.nodes.
  const std::vector<ir::Node> forward = g.nodes;
  const std::map<std::string, ir::Dims> dims = ir::infer_shapes(g);
  const std::string& logits = model.outputs[0].name;
  if (!dims.count(logits))
    throw_invalid_argument(
        "training: the dims of output '{}' do not follow from the inputs' "
        "shapes; fix every input's shape",
        logits);

  // Which values a parameter influences. An initializer a node without a backward rule reads
  // counts too, so that backward stops there with an error rather than leave it untrained.
  std::set<std::string> influenced;
  for (const ir::Node& n : forward) {
    const BackwardRule* rule = find_backward_rule(n);
    bool any = false;
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (!n.has_input(i)) continue;
      const bool differentiable = rule && rule->differentiates(i);
      const bool parameter = is_parameter(g, n.inputs[i]);
      if (parameter && differentiable &&
          std::find(t.parameters.begin(), t.parameters.end(), n.inputs[i]) == t.parameters.end())
        t.parameters.push_back(n.inputs[i]);
      any = any || influenced.count(n.inputs[i]) || (parameter && (differentiable || !rule));
    }
    if (any) influenced.insert(n.outputs.begin(), n.outputs.end());
  }

  GradientBuilder b(g, dims);
  train_batch_norms(g, b);
  t.labels = passes::NameGenerator(g).make("labels");
  const ir::Dims& d = b.dims(logits);
  if (loss == Loss::CrossEntropy && d.size() != 2)
    throw_invalid_argument("cross-entropy takes logits [N, C]; output '{}' has rank {}", logits,
                           d.size());
  const bool class_ids = loss == Loss::CrossEntropy;
  g.inputs.push_back(
      {t.labels, ir::TypeInfo::tensor(class_ids ? ir::DType::I64 : ir::DType::F32,
                                      ir::to_shape(class_ids ? ir::Dims{d[0]} : d))});
  b.declare(t.labels, class_ids ? ir::Dims{d[0]} : d);
  const LossOutputs l = add_loss(loss, logits, t.labels, positive_weights, b);
  t.loss = l.loss;

  std::map<std::string, std::string> grads = {{logits, l.dlogits}};
  for (size_t k = forward.size(); k-- > 0;) {
    const ir::Node& n = forward[k];
    std::vector<std::string> dy;
    for (const std::string& out : n.outputs) {
      const auto it = grads.find(out);
      dy.push_back(it == grads.end() ? "" : it->second);
    }
    if (std::all_of(dy.begin(), dy.end(), [](const std::string& s) { return s.empty(); })) continue;
    const BackwardRule* rule = find_backward_rule(n);
    std::vector<bool> need(n.inputs.size(), false);
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      const bool flows =
          n.has_input(i) && (influenced.count(n.inputs[i]) || is_parameter(g, n.inputs[i]));
      if (flows && !rule)
        throw_unsupported(
            "node '{}' ({}) has no backward rule: training cannot pass the "
            "gradient to its input '{}'",
            n.name, n.op_type, n.inputs[i]);
      need[i] = flows && rule->differentiates(i);
    }
    if (std::none_of(need.begin(), need.end(), [](bool x) { return x; })) continue;
    const std::vector<std::string> dx = rule->fn({n, dy, need, b});
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (!need[i]) continue;
      auto [it, fresh] = grads.emplace(n.inputs[i], dx[i]);
      if (!fresh) it->second = b.add("Add", {it->second, dx[i]}, b.dims(n.inputs[i]));
    }
  }

  g.outputs = {{t.loss, ir::TypeInfo::tensor(ir::DType::F32, ir::Shape{})}, model.outputs[0]};
  for (const std::string& p : t.parameters) {
    const auto it = grads.find(p);
    if (it == grads.end()) continue;
    t.gradients.push_back(it->second);
    g.outputs.push_back(
        {it->second, ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape(b.dims(p)))});
    g.inputs.push_back({p, ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape(b.dims(p)))});
  }
  std::erase_if(t.parameters, [&](const std::string& p) { return !grads.count(p); });
  // Batch norm's running statistics: the outputs PyTorch's training export gives them.
  for (const ir::Node& n : model.nodes) {
    if (n.op_type != "BatchNormalization" || n.attr<int64_t>("training_mode", 0) == 0) continue;
    for (size_t k = 1; k <= 2; ++k) {
      const std::string& stat = n.inputs[k + 2];
      if (!n.has_output(k) || !g.initializers.count(stat)) continue;
      t.state.push_back({stat, n.outputs[k]});
      const auto type = ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape(b.dims(stat)));
      g.inputs.push_back({stat, type});
      g.outputs.push_back({n.outputs[k], type});
    }
  }
  fuse_batch_norm_relus(g);
  return t;
}

}  // namespace zenith::train
