// Model::Impl: the graph behind a public Model, and its ports.
#pragma once

#include <vector>

#include "ir/graph.h"
#include "zenith/model.h"

namespace zenith {

struct ZENITH_HIDDEN Model::Impl {
  explicit Impl(ir::Graph g);
  ir::Graph graph;
  std::vector<Port> inputs;  // the graph's runtime inputs (not its initializers)
  std::vector<Port> outputs;
};

// The graph behind a Model, for the engine's own tools (training a built-in model).
struct ModelAccess {
  static const ir::Graph& graph(const Model& model) { return model.impl_->graph; }
};

namespace runtime {

// The port a graph value describes. Throws Error (Unsupported) for what the API does not carry
// (sequences, strings), naming the value.
Port to_port(const ir::ValueInfo& value, std::string_view source);
// The port named `name` among `ports` (`kind`: "input" or "output"); throws Error
// (InvalidArgument) listing the names there are.
const Port& find_port(const std::vector<Port>& ports, const std::string& name,
                      std::string_view kind);
size_t port_index(const std::vector<Port>& ports, const std::string& name, std::string_view kind);

}  // namespace runtime
}  // namespace zenith
