// zenith.QConv, which qconv_fusion makes of a Conv reading its X and W through
// DequantizeLinear: Y = Conv((X - X_zero_point) * X_scale, W * W_scale, B), W_scale one value or
// one per output channel, plus (Z - Z_zero_point) * Z_scale for a residual Add it took in. REF
// runs it as the graph it came from, with the oracle's kernels.
#include <array>

#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// zenith.QConv's inputs, by position; all but x, x_scale, w and w_scale may be absent.
constexpr std::array<const char*, 9> kQConvInputs = {
    "x", "x_scale", "w", "w_scale", "b", "x_zero_point", "z", "z_scale", "z_zero_point"};

// The QDQ graph a QConv node came from; its inputs are the node's present ones, in order.
ir::Graph unfused_qconv(const KernelContext& ctx) {
  const auto present = [&](size_t i) { return ctx.has_input(i); };
  const auto named = [&](std::initializer_list<size_t> inputs) {
    std::vector<std::string> names;
    for (size_t i : inputs)
      if (present(i)) names.push_back(kQConvInputs[i]);
    return names;
  };
  ir::Graph g;
  for (size_t i = 0; i < kQConvInputs.size(); ++i)
    if (present(i)) g.inputs.push_back({kQConvInputs[i], {}});
  g.nodes.push_back(subgraph_node("qconv", "DequantizeLinear", named({0, 1, 5}), "xf"));
  g.nodes.push_back(subgraph_node("qconv", "DequantizeLinear", named({2, 3}), "wf"));
  g.nodes.back().attributes["axis"] = int64_t{0};
  ir::Node conv = subgraph_node("qconv", "Conv", {"xf", "wf"}, "y");
  conv.attributes = ctx.node().attributes;
  if (present(4)) conv.inputs.push_back("b");
  g.nodes.push_back(std::move(conv));
  if (present(6)) {
    g.nodes.back().outputs = {"conv"};
    g.nodes.push_back(subgraph_node("qconv", "DequantizeLinear", named({6, 7, 8}), "zf"));
    g.nodes.push_back(subgraph_node("qconv", "Add", {"conv", "zf"}, "y"));
  }
  g.outputs.push_back({"y", {}});
  return g;
}

void qconv(KernelContext& ctx) {
  std::vector<ir::Value> inputs;
  for (size_t i = 0; i < kQConvInputs.size(); ++i)
    if (ctx.has_input(i)) inputs.push_back(ctx.input_value(i));
  ctx.set_output(0, ctx.run_subgraph(unfused_qconv(ctx), inputs).at(0));
}

}  // namespace

void register_qconv(KernelRegistry& registry) { registry.add("zenith", "QConv", &qconv); }

}  // namespace zenith::ref
