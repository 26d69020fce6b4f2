// zenith.QConv, which qconv_fusion makes of a Conv reading its X and W through
// DequantizeLinear: Y = Conv((X - X_zero_point) * X_scale, W * W_scale, B), W_scale one value or
// one per output channel. REF runs it as the graph it came from, with the oracle's kernels.
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Inputs (x, x_scale, w, w_scale[, b][, x_zero_point]).
ir::Graph unfused(const ir::Node& qconv, bool bias, bool zero_point) {
  ir::Graph g;
  for (const char* name : {"x", "x_scale", "w", "w_scale"}) g.inputs.push_back({name, {}});
  std::vector<std::string> dq_x = {"x", "x_scale"};
  if (zero_point) {
    g.inputs.push_back({"x_zero_point", {}});
    dq_x.push_back("x_zero_point");
  }
  g.nodes.push_back(subgraph_node("qconv", "DequantizeLinear", dq_x, "xf"));
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
  const bool bias = ctx.has_input(4), zero_point = ctx.has_input(5);
  std::vector<ir::Value> inputs;
  for (size_t i = 0; i < 4; ++i) inputs.push_back(ctx.input_value(i));
  if (zero_point) inputs.push_back(ctx.input_value(5));
  if (bias) inputs.push_back(ctx.input_value(4));
  ctx.set_output(0, ctx.run_subgraph(unfused(ctx.node(), bias, zero_point), inputs).at(0));
}

}  // namespace

void register_qconv(KernelRegistry& registry) { registry.add("zenith", "QConv", &qconv); }

}  // namespace zenith::ref
