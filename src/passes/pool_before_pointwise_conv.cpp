// Moving AveragePool before the 1x1 Conv that feeds it.
#include "passes/pool_before_pointwise_conv.h"

#include <algorithm>
#include <utility>

namespace zenith::passes {
namespace {

bool all_equal(const ir::Node& node, const char* attr, int64_t value) {
  const auto v = node.attr<std::vector<int64_t>>(attr, {});
  return std::all_of(v.begin(), v.end(), [&](int64_t x) { return x == value; });
}

bool no_auto_pad(const ir::Node& node) {
  const std::string pad = node.attr<std::string>("auto_pad", "NOTSET");
  return pad == "NOTSET" || pad == "VALID";
}

// Every window inside the map: then the pool is a plain average of whole windows.
bool whole_windows(const ir::Node& pool) {
  return no_auto_pad(pool) && all_equal(pool, "pads", 0) && all_equal(pool, "dilations", 1) &&
         pool.attr<int64_t>("ceil_mode", 0) == 0;
}

bool pointwise(const ir::Graph& graph, const ir::Node& conv) {
  if (!is_op(conv, "Conv") || !no_auto_pad(conv) || !all_equal(conv, "pads", 0) ||
      !all_equal(conv, "strides", 1))
    return false;
  const auto kernel = conv.attr<std::vector<int64_t>>("kernel_shape", {});
  if (!kernel.empty()) return std::all_of(kernel.begin(), kernel.end(), [](int64_t k) { return k == 1; });
  const ir::Tensor* w = conv.has_input(1) ? constant_of(graph, conv.inputs[1]) : nullptr;
  if (!w || w->rank() < 3) return false;
  for (int64_t d = 2; d < w->rank(); ++d)
    if (w->dim(d) != 1) return false;
  return true;
}

}  // namespace

ChangeCounts pool_before_pointwise_conv(ir::Graph& graph) {
  const ValueUses uses(graph);
  NameGenerator names(graph);
  size_t moved = 0;
  for (size_t p = 0; p < graph.nodes.size(); ++p) {
    const ir::Node& pool = graph.nodes[p];
    if (!is_op(pool, "AveragePool") || !pool.has_input(0) || !whole_windows(pool)) continue;
    const std::string& between = pool.inputs[0];
    const ptrdiff_t c = uses.producer(between);
    if (c < 0 || uses.node_reads(between) != 1 || uses.is_graph_output(between) ||
        uses.read_by_subgraph(between) || !pointwise(graph, graph.nodes[static_cast<size_t>(c)]))
      continue;
    ir::Node& conv = graph.nodes[static_cast<size_t>(c)];
    ir::Node& avg = graph.nodes[p];
    // x -> pool -> pooled -> conv -> the pool's old output; the pool takes the Conv's place in
    // the order (x is ready there) and the Conv the pool's (its readers come after).
    const std::string pooled = names.make(conv.inputs[0] + "_pooled");
    avg.inputs[0] = conv.inputs[0];
    conv.inputs[0] = pooled;
    conv.outputs[0] = avg.outputs[0];
    avg.outputs[0] = pooled;
    std::swap(conv, avg);
    ++moved;
  }
  if (moved == 0) return {};
  return {{"AveragePool", moved}};
}

}  // namespace zenith::passes
