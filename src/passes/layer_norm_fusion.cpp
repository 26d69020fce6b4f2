// LayerNorm fusion: matched forward from the first ReduceMean, which is the pattern's only
// reader of x.
#include "passes/layer_norm_fusion.h"

#include <algorithm>

#include "passes/pattern_util.h"

namespace zenith::passes {
namespace {

struct Match {
  std::string x;
  int64_t k = 0;  // normalized trailing axes
  float epsilon = 0;
  std::string gamma, beta;             // "" when absent
  std::vector<const ir::Node*> nodes;  // the last one produces y
};

// k if `mean` is ReduceMean(., axes, keepdims=1) over the last k axes of x, else 0.
int64_t trailing_axes(const PatternGraph& g, const ir::Node& mean, const std::string& x) {
  if (!is_op(mean, "ReduceMean") || mean.attr<int64_t>("keepdims", 1) != 1 || !mean.has_input(1))
    return 0;
  const ir::Tensor* t = constant_of(g.graph(), mean.inputs[1]);
  if (!t || t->dtype() != ir::DType::I64 || t->rank() != 1 || t->numel() == 0) return 0;
  std::vector<int64_t> axes(t->data<int64_t>(), t->data<int64_t>() + t->numel());
  if (std::any_of(axes.begin(), axes.end(), [](int64_t a) { return a >= 0; })) {
    // The variance's input has x's shape; only x's may be declared.
    const auto shape = declared_shape(g.graph(), x);
    if (!shape) return 0;
    for (int64_t& a : axes) a -= a >= 0 ? static_cast<int64_t>(shape->size()) : 0;
  }
  std::sort(axes.begin(), axes.end());
  const auto k = static_cast<int64_t>(axes.size());
  for (int64_t i = 0; i < k; ++i)
    if (axes[static_cast<size_t>(i)] != i - k) return 0;
  return k;
}

// The f32 constant operand of `node` (a two-input op reading `value`) if its rank is <= k.
std::string affine_param(const PatternGraph& g, const ir::Node* node, const std::string& value,
                         int64_t k) {
  if (!node) return "";
  const std::string p = other_input(*node, value);
  const ir::Tensor* t = p.empty() ? nullptr : constant_of(g.graph(), p);
  return t && t->dtype() == ir::DType::F32 && t->rank() <= k ? p : "";
}

std::optional<Match> match(const PatternGraph& g, const ir::Node& mean) {
  Match m{mean.inputs[0], trailing_axes(g, mean, mean.inputs[0])};
  if (m.k == 0) return std::nullopt;
  const ir::Node* sub = g.sole_reader(mean.outputs[0], "Sub");
  if (!sub || sub->inputs[0] != m.x || sub->inputs[1] != mean.outputs[0]) return std::nullopt;
  const std::string& d = sub->outputs[0];
  // d's readers: the square and the Div, nothing else.
  const std::vector<const ir::Node*> readers = g.readers(d);
  if (!g.internal(d) || readers.size() != 2) return std::nullopt;
  const ir::Node* square = is_op(*readers[0], "Div") ? readers[1] : readers[0];
  const ir::Node* div = square == readers[0] ? readers[1] : readers[0];
  const bool squared =
      (is_op(*square, "Pow") && square->inputs[0] == d && g.scalar(square->inputs[1]) == 2.0f) ||
      (is_op(*square, "Mul") && square->inputs[0] == d && square->inputs[1] == d);
  if (!squared || square->outputs.size() != 1) return std::nullopt;
  const ir::Node* var = g.sole_reader(square->outputs[0], "ReduceMean");
  if (!var || trailing_axes(g, *var, m.x) != m.k) return std::nullopt;
  const ir::Node* add = g.sole_reader(var->outputs[0], "Add");
  const auto eps = add ? g.scalar(other_input(*add, var->outputs[0])) : std::nullopt;
  const ir::Node* sqrt = eps ? g.sole_reader(add->outputs[0], "Sqrt") : nullptr;
  if (!sqrt || g.sole_reader(sqrt->outputs[0], "Div") != div || div->inputs[0] != d)
    return std::nullopt;
  m.epsilon = *eps;
  m.nodes = {&mean, sub, square, var, add, sqrt, div};
  const ir::Node* mul = g.sole_reader(div->outputs[0], "Mul");
  m.gamma = affine_param(g, mul, div->outputs[0], m.k);
  if (!m.gamma.empty()) m.nodes.push_back(mul);
  const std::string& n = m.nodes.back()->outputs[0];
  const ir::Node* bias = g.sole_reader(n, "Add");
  m.beta = affine_param(g, bias, n, m.k);
  if (!m.beta.empty()) m.nodes.push_back(bias);
  return m;
}

}  // namespace

ChangeCounts fuse_layer_norms(ir::Graph& graph) {
  NameGenerator names(graph);
  std::string ones;  // the scale of LayerNorms without gamma, shared
  ChangeCounts changes;
  {
    const PatternGraph g(graph);
    Fusions fusions(g);
    for (const ir::Node& node : graph.nodes) {
      std::optional<Match> m = is_op(node, "ReduceMean") ? match(g, node) : std::nullopt;
      if (!m) continue;
      if (m->gamma.empty() && ones.empty()) ones = names.make(node.name + "_scale");
      ir::Node ln;
      ln.name = node.name;
      ln.op_type = "LayerNormalization";
      ln.inputs = {m->x, m->gamma.empty() ? ones : m->gamma};
      if (!m->beta.empty()) ln.inputs.push_back(m->beta);
      ln.outputs = m->nodes.back()->outputs;
      ln.attributes["axis"] = -m->k;
      ln.attributes["epsilon"] = m->epsilon;
      fusions.add(m->nodes, std::move(ln));
    }
    changes = fusions.apply(graph, "LayerNormalization");
  }
  if (!ones.empty()) graph.initializers[ones] = ir::Tensor::scalar(1.0f).reshaped({1});
  return changes;
}

}  // namespace zenith::passes
