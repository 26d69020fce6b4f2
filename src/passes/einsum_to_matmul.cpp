// Einsum lowering: an equation is a batched matrix product when, after the shared batch labels,
// the output keeps one free label of each operand and the operands share one contracted label.
// Only for known, consistent dims: MatMul broadcasts a batch of 1 against N, where Einsum must
// reject the mismatch.
#include "passes/einsum_to_matmul.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>

#include "ir/shape_inference.h"

namespace zenith::passes {
namespace {

// Whether each operand needs its last two axes swapped to be a [.., M, K] x [.., K, N] product.
struct Product {
  size_t rank = 0;
  bool transpose_a = false;
  bool transpose_b = false;
};

// The terms of "a,b->out" without spaces, or nullopt for any other form or a term with an
// ellipsis or a repeated label.
std::optional<std::vector<std::string>> parse(const std::string& equation) {
  std::string eq;
  for (char ch : equation)
    if (ch != ' ') eq.push_back(ch);
  const size_t arrow = eq.find("->");
  const size_t comma = eq.find(',');
  if (arrow == std::string::npos || comma == std::string::npos || comma > arrow ||
      eq.find(',', comma + 1) != std::string::npos)
    return std::nullopt;
  std::vector<std::string> terms = {eq.substr(0, comma), eq.substr(comma + 1, arrow - comma - 1),
                                    eq.substr(arrow + 2)};
  for (const std::string& term : terms) {
    if (!std::all_of(term.begin(), term.end(),
                     [](char ch) { return std::isalpha(static_cast<unsigned char>(ch)); }))
      return std::nullopt;
    std::string sorted = term;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) return std::nullopt;
  }
  return terms;
}

// `terms` as parse() gives them.
std::optional<Product> as_product(const std::vector<std::string>& terms) {
  const std::string& a = terms[0];
  const std::string& b = terms[1];
  const std::string& out = terms[2];
  const size_t rank = out.size();
  if (rank < 2 || a.size() != rank || b.size() != rank) return std::nullopt;
  const size_t batch = rank - 2;
  if (a.compare(0, batch, out, 0, batch) != 0 || b.compare(0, batch, out, 0, batch) != 0)
    return std::nullopt;
  const char i = out[batch], j = out[batch + 1];
  // The contracted label: a's last two labels other than i; no repeats, so it differs from i.
  Product product;
  product.rank = rank;
  char k;
  if (a[batch] == i) {
    k = a[batch + 1];
  } else if (a[batch + 1] == i) {
    k = a[batch];
    product.transpose_a = true;
  } else {
    return std::nullopt;
  }
  if (k == j) return std::nullopt;
  if (b[batch] == k && b[batch + 1] == j) return product;
  if (b[batch] == j && b[batch + 1] == k) {
    product.transpose_b = true;
    return product;
  }
  return std::nullopt;
}

// True if each label of `terms` (as parse() gives them) has one size in both operands' `dims`.
bool labels_agree(const std::vector<std::string>& terms, const ir::Dims& a, const ir::Dims& b) {
  std::map<char, int64_t> size;
  for (size_t operand = 0; operand < 2; ++operand) {
    const ir::Dims& dims = operand == 0 ? a : b;
    const std::string& labels = terms[operand];
    if (dims.size() != labels.size()) return false;
    for (size_t d = 0; d < dims.size(); ++d)
      if (size.emplace(labels[d], dims[d]).first->second != dims[d]) return false;
  }
  return true;
}

std::vector<int64_t> swap_last_two(size_t rank) {
  std::vector<int64_t> perm(rank);
  for (size_t d = 0; d < rank; ++d) perm[d] = static_cast<int64_t>(d);
  std::swap(perm[rank - 2], perm[rank - 1]);
  return perm;
}

// One sweep; an Einsum reading another's output waits for the next, which infers its dims from
// the MatMul this one made.
size_t lower_once(ir::Graph& graph) {
  if (std::none_of(graph.nodes.begin(), graph.nodes.end(),
                   [](const ir::Node& node) { return is_op(node, "Einsum"); }))
    return 0;
  NameGenerator names(graph);
  const std::map<std::string, ir::Dims> dims = ir::infer_shapes(graph);
  std::vector<ir::Node> nodes;
  size_t lowered = 0;
  for (ir::Node& node : graph.nodes) {
    std::optional<Product> product;
    std::optional<std::vector<std::string>> terms;
    if (is_op(node, "Einsum") && node.inputs.size() == 2 && node.outputs.size() == 1)
      terms = parse(node.attr<std::string>("equation", ""));
    if (terms) product = as_product(*terms);
    if (product) {
      const auto a = dims.find(node.inputs[0]), b = dims.find(node.inputs[1]);
      if (a == dims.end() || b == dims.end() || !labels_agree(*terms, a->second, b->second))
        product.reset();
    }
    if (!product) {
      nodes.push_back(std::move(node));
      continue;
    }
    ir::Node matmul;
    matmul.name = node.name;
    matmul.op_type = "MatMul";
    matmul.outputs = node.outputs;
    for (size_t operand = 0; operand < 2; ++operand) {
      const bool transpose = operand == 0 ? product->transpose_a : product->transpose_b;
      if (!transpose) {
        matmul.inputs.push_back(node.inputs[operand]);
        continue;
      }
      ir::Node t;
      t.name = names.make(node.name + (operand == 0 ? "/transpose_a" : "/transpose_b"));
      t.op_type = "Transpose";
      t.inputs = {node.inputs[operand]};
      t.outputs = {names.make(node.inputs[operand] + "_transposed")};
      t.attributes["perm"] = swap_last_two(product->rank);
      matmul.inputs.push_back(t.outputs[0]);
      nodes.push_back(std::move(t));
    }
    nodes.push_back(std::move(matmul));
    ++lowered;
  }
  graph.nodes = std::move(nodes);
  return lowered;
}

}  // namespace

ChangeCounts lower_einsums(ir::Graph& graph) {
  if (!all_inputs_concrete(graph)) return {};
  size_t lowered = 0;
  while (const size_t n = lower_once(graph)) lowered += n;
  if (lowered == 0) return {};
  return {{"Einsum", lowered}};
}

}  // namespace zenith::passes
