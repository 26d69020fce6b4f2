// Node placement by device priority, with each decline's reason kept for `zenith info`.
#include "devices/hetero/placement.h"

#include "ir/errors.h"

namespace zenith::hetero {
namespace {

Assignment place_node(const ir::Graph& graph, const ir::Node& node,
                      const std::vector<const devices::Device*>& order) {
  Assignment a{node.name, node.op_type, "", "", ""};
  std::vector<std::string> declined;  // why not, per device before the one that takes it
  for (size_t d = 0; d < order.size(); ++d) {
    std::string why = order[d]->unsupported_reason(graph, node);
    if (why.empty()) {
      a.device = order[d]->name();
      if (declined.size() == 1) {
        a.reason = declined[0];
      } else if (!declined.empty()) {
        for (size_t k = 0; k < declined.size(); ++k)
          a.reason += fmt::format("{}{}: {}", k ? "; " : "", order[k]->name(), declined[k]);
      } else if (d + 1 < order.size()) {
        a.reason =
            fmt::format("{} comes before {} in the device order", a.device, order[d + 1]->name());
      }
      return a;
    }
    declined.push_back(std::move(why));
  }
  throw_unsupported("{}: no device runs it", node.describe());  // REF runs every checked node
}

}  // namespace

std::vector<const devices::Device*> device_order(const std::vector<std::string>& names) {
  return devices::placement_order(names, fmt::format("HETERO:{}", fmt::join(names, ",")));
}

bool runs_simplified_graph(const std::vector<std::string>& names) {
  return devices::runs_simplified_graph(device_order(names));
}

std::vector<Assignment> place(const ir::Graph& graph,
                              const std::vector<const devices::Device*>& order) {
  std::vector<Assignment> assignments;
  assignments.reserve(graph.nodes.size());
  for (const ir::Node& node : graph.nodes) assignments.push_back(place_node(graph, node, order));
  return assignments;
}

}  // namespace zenith::hetero
