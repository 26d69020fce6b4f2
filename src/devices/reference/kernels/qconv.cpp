// zenith.QConv, which qconv_fusion makes of a Conv reading its X and W through
// DequantizeLinear: Y = Conv(X * X_scale, W * W_scale, B), W_scale one value or one per output
// channel, zero points 0. REF runs it as the graph it came from, with the oracle's kernels.
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Inputs (x, x_scale, w, w_scale[, b]).
ir::Graph unfused(const ir::Node& qconv, bool bias) {
  ir::Graph g;
  for (const char* name : {"x", "x_scale", "w", "w_scale"}) g.inputs.push_back({name, {}});
  g.nodes.push_back(subgraph_node("qconv", "DequantizeLinear", {"x", "x_scale"}, "xf"));
  g.nodes.push_back(subgraph_node("qconv", "DequantizeLinear", {"w", "w_scale"}, "wf"));
  g.nodes.back().attributes["axis"] = int64_t{0};
  ir::Node conv = subgraph_node("qconv", "Conv", {"xf", "wf"}, "y");
  conv.attributes = qconv.attributes;
  if (bias) {
    g.inputs.push_back({"b", {}});
    conv.inputs.push_back("b");
  }
  g.nodes.push_back(std::move(conv));
  g.outputs.push_back({"y", {}});
  return g;
}

void qconv(KernelContext& ctx) {
  const bool bias = ctx.has_input(4);
  std::vector<ir::Value> inputs;
  for (size_t i = 0; i < (bias ? 5u : 4u); ++i) inputs.push_back(ctx.input_value(i));
  ctx.set_output(0, ctx.run_subgraph(unfused(ctx.node(), bias), inputs).at(0));
}

}  // namespace

void register_qconv(KernelRegistry& registry) { registry.add("zenith", "QConv", &qconv); }

}  // namespace zenith::ref
