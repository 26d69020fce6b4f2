// zenith.Attention, which attention_fusion makes of scaled dot-product attention:
// Y = Softmax(scale * (Q @ K) + Mask, last axis) @ V, with MatMul's numpy broadcasting. REF
// runs it as the graph it came from, with the oracle's own kernels, so the fused and unfused
// graphs compute bitwise alike here.
#include "devices/reference/kernel_registry.h"
#include "ir/errors.h"

namespace zenith::ref {
namespace {

// The unfused graph, inputs (q, k, v[, scale][, mask]).
ir::Graph unfused(bool scaled, bool masked) {
  ir::Graph g;
  for (const char* name : {"q", "k", "v"}) g.inputs.push_back({name, {}});
  std::string scores = "scores";
  g.nodes.push_back(subgraph_node("attention", "MatMul", {"q", "k"}, scores));
  if (scaled) {
    g.inputs.push_back({"scale", {}});
    g.nodes.push_back(subgraph_node("attention", "Mul", {scores, "scale"}, "scaled"));
    scores = "scaled";
  }
  if (masked) {
    g.inputs.push_back({"mask", {}});
    g.nodes.push_back(subgraph_node("attention", "Add", {scores, "mask"}, "masked"));
    scores = "masked";
  }
  g.nodes.push_back(subgraph_node("attention", "Softmax", {scores}, "p"));
  g.nodes.back().attributes["axis"] = int64_t{-1};
  g.nodes.push_back(subgraph_node("attention", "MatMul", {"p", "v"}, "y"));
  g.outputs.push_back({"y", {}});
  return g;
}

void attention(KernelContext& ctx) {
  const float scale = ctx.attr<float>("scale", 1.0f);
  const bool masked = ctx.has_input(3);
  std::vector<ir::Value> inputs = {ctx.input_value(0), ctx.input_value(1), ctx.input_value(2)};
  if (scale != 1.0f) {
    if (ctx.input(0).dtype() != ir::DType::F32)
      throw_invalid_argument("Q is {}; a scale other than 1 is an f32 constant, so Q must be f32",
                             ir::dtype_name(ctx.input(0).dtype()));
    inputs.emplace_back(ir::Tensor::scalar(scale));
  }
  if (masked) inputs.push_back(ctx.input_value(3));
  ctx.set_output(0, ctx.run_subgraph(unfused(scale != 1.0f, masked), inputs).at(0));
}

}  // namespace

void register_attention(KernelRegistry& registry) {
  registry.add("zenith", "Attention", &attention);
}

}  // namespace zenith::ref
