// GELU fusion: matches the erf or tanh core, then the product with x and 0.5 around it.
#include "passes/gelu_fusion.h"

#include <cmath>

#include "passes/pattern_util.h"

namespace zenith::passes {
namespace {

struct Match {
  std::string x;
  std::vector<const ir::Node*> nodes;  // the last one produces y
};

// `node` = c * v or v * c (Mul) with c a scalar constant near `c`: v, else "".
std::string scaled_operand(const PatternGraph& g, const ir::Node* node, double c) {
  if (!node || !is_op(*node, "Mul")) return "";
  for (size_t i = 0; i < 2; ++i)
    if (auto s = g.scalar(node->inputs[i]); s && nearly(*s, c)) return node->inputs[1 - i];
  return "";
}

// The erf core: x / sqrt(2) or x * (1 / sqrt(2)) feeding `erf`.
std::optional<Match> erf_core(const PatternGraph& g, const ir::Node& erf) {
  const std::string& in = erf.inputs[0];
  if (!g.sole_reader(in, "Erf")) return std::nullopt;
  if (const ir::Node* div = g.producer(in, "Div")) {
    if (auto s = g.scalar(div->inputs[1]); s && nearly(*s, std::sqrt(2.0)))
      return Match{div->inputs[0], {div, &erf}};
  }
  const ir::Node* mul = g.producer(in, "Mul");
  std::string x = scaled_operand(g, mul, 1.0 / std::sqrt(2.0));
  if (x.empty()) return std::nullopt;
  return Match{x, {mul, &erf}};
}

// x^3 as Pow(x, 3), x * (x * x) or (x * x) * x: the nodes, given x.
bool is_cube(const PatternGraph& g, const std::string& value, const std::string& x,
             std::vector<const ir::Node*>& nodes) {
  if (const ir::Node* pow = g.producer(value, "Pow")) {
    auto e = g.scalar(pow->inputs[1]);
    if (pow->inputs[0] != x || !e || *e != 3.0f) return false;
    nodes.push_back(pow);
    return true;
  }
  const ir::Node* mul = g.producer(value, "Mul");
  const std::string sq = mul ? other_input(*mul, x) : "";
  const ir::Node* square = sq.empty() ? nullptr : g.producer(sq, "Mul");
  if (!square || square->inputs[0] != x || square->inputs[1] != x || !g.sole_reader(sq, "Mul"))
    return false;
  nodes.push_back(square);
  nodes.push_back(mul);
  return true;
}

// The tanh core: sqrt(2/pi) * (x + 0.044715 * x^3) feeding `tanh`.
std::optional<Match> tanh_core(const PatternGraph& g, const ir::Node& tanh) {
  const std::string& in = tanh.inputs[0];
  if (!g.sole_reader(in, "Tanh")) return std::nullopt;
  const ir::Node* outer = g.producer(in, "Mul");
  const std::string sum = scaled_operand(g, outer, std::sqrt(2.0 / M_PI));
  const ir::Node* add =
      sum.empty() || !g.sole_reader(sum, "Mul") ? nullptr : g.producer(sum, "Add");
  if (!add) return std::nullopt;
  for (size_t i = 0; i < 2; ++i) {
    const std::string& x = add->inputs[i];
    const std::string& term = add->inputs[1 - i];
    const ir::Node* scale = g.sole_reader(term, "Add") ? g.producer(term, "Mul") : nullptr;
    const std::string cube = scaled_operand(g, scale, 0.044715);
    Match m{x, {}};
    if (cube.empty() || !g.sole_reader(cube, "Mul") || !is_cube(g, cube, x, m.nodes)) continue;
    m.nodes.insert(m.nodes.end(), {scale, add, outer, &tanh});
    return m;
  }
  return std::nullopt;
}

// 1 + core, then y = x * t * 0.5 in any order: completes `m` (whose last node is the core).
bool match_tail(const PatternGraph& g, Match& m) {
  const ir::Node* add = g.sole_reader(m.nodes.back()->outputs[0], "Add");
  if (!add) return false;
  auto one = g.scalar(other_input(*add, m.nodes.back()->outputs[0]));
  if (!one || *one != 1.0f) return false;
  const std::string& t = add->outputs[0];
  const ir::Node* m1 = g.sole_reader(t, "Mul");
  if (!m1) return false;
  const std::string o = other_input(*m1, t);
  m.nodes.push_back(add);
  if (o == m.x || (g.scalar(o) && *g.scalar(o) == 0.5f)) {  // (x * t) * 0.5 or (0.5 * t) * x
    const ir::Node* m2 = g.sole_reader(m1->outputs[0], "Mul");
    const std::string last = m2 ? other_input(*m2, m1->outputs[0]) : "";
    const bool ok = o == m.x ? g.scalar(last) && *g.scalar(last) == 0.5f : last == m.x;
    if (!ok) return false;
    m.nodes.insert(m.nodes.end(), {m1, m2});
    return true;
  }
  const ir::Node* half = g.sole_reader(o, "Mul") ? g.producer(o, "Mul") : nullptr;  // (x*0.5) * t
  if (scaled_operand(g, half, 0.5) != m.x) return false;
  m.nodes.insert(m.nodes.end(), {half, m1});
  return true;
}

}  // namespace

ChangeCounts fuse_gelus(ir::Graph& graph) {
  const PatternGraph g(graph);
  Fusions fusions(g);
  for (const ir::Node& node : graph.nodes) {
    std::optional<Match> m;
    if (is_op(node, "Erf")) m = erf_core(g, node);
    if (is_op(node, "Tanh")) m = tanh_core(g, node);
    if (!m || !match_tail(g, *m)) continue;
    ir::Node gelu = zenith_node("Gelu", m->nodes.back()->name, {m->x}, m->nodes.back()->outputs);
    gelu.attributes["approximate"] = std::string(is_op(node, "Erf") ? "none" : "tanh");
    fusions.add(m->nodes, std::move(gelu));
  }
  return fusions.apply(graph, "Gelu");
}

}  // namespace zenith::passes
