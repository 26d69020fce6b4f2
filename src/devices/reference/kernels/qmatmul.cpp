// zenith.QMatMul, which qmatmul_fusion makes of a MatMul or Gemm reading its X and W through
// DequantizeLinear: Y = ((X - X_zero_point) * X_scale) @ (W * W_scale) + B over X's last axis,
// W [K, N] ([N, K] with transB = 1), W_scale one value or one per output column. REF runs it as
// the graph it came from, with the oracle's kernels.
#include <array>

#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// zenith.QMatMul's inputs, by position; b and x_zero_point may be absent.
constexpr std::array<const char*, 6> kQMatMulInputs = {"x",       "x_scale", "w",
                                                       "w_scale", "b",       "x_zero_point"};

ir::Graph unfused_qmatmul(const KernelContext& ctx) {
  const bool trans_b = ctx.node().attr<int64_t>("transB", 0) != 0;
  std::vector<std::string> x = {"x", "x_scale"};
  if (ctx.has_input(5)) x.push_back("x_zero_point");
  ir::Graph g;
  for (size_t i = 0; i < kQMatMulInputs.size(); ++i)
    if (ctx.has_input(i)) g.inputs.push_back({kQMatMulInputs[i], {}});
  g.nodes.push_back(subgraph_node("qmatmul", "DequantizeLinear", x, "xf"));
  g.nodes.push_back(subgraph_node("qmatmul", "DequantizeLinear", {"w", "w_scale"}, "wf"));
  g.nodes.back().attributes["axis"] = int64_t{trans_b ? 0 : 1};
  if (trans_b) {
    g.nodes.push_back(subgraph_node("qmatmul", "Transpose", {"wf"}, "wt"));
    g.nodes.back().attributes["perm"] = std::vector<int64_t>{1, 0};
  }
  g.nodes.push_back(subgraph_node("qmatmul", "MatMul", {"xf", trans_b ? "wt" : "wf"}, "y"));
  if (ctx.has_input(4)) {
    g.nodes.back().outputs = {"product"};
    g.nodes.push_back(subgraph_node("qmatmul", "Add", {"product", "b"}, "y"));
  }
  g.outputs.push_back({"y", {}});
  return g;
}

void qmatmul(KernelContext& ctx) {
  std::vector<ir::Value> inputs;
  for (size_t i = 0; i < kQMatMulInputs.size(); ++i)
    if (ctx.has_input(i)) inputs.push_back(ctx.input_value(i));
  ctx.set_output(0, ctx.run_subgraph(unfused_qmatmul(ctx), inputs).at(0));
}

}  // namespace

void register_qmatmul(KernelRegistry& registry) { registry.add("zenith", "QMatMul", &qmatmul); }

}  // namespace zenith::ref
