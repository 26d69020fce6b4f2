// Interpreter: runs an ir::Graph node by node with the REF kernels. It is the oracle every
// faster device is checked against, so it favours obviousness over speed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "devices/reference/kernel_registry.h"
#include "ir/graph.h"
#include "ir/value.h"

namespace zenith::ref {

// Names visible while running a graph: its own values, then those of enclosing graphs.
class Scope {
 public:
  explicit Scope(const Scope* parent = nullptr) : parent_(parent) {}
  const ir::Value* find(const std::string& name) const;
  void set(const std::string& name, ir::Value value) { values_[name] = std::move(value); }
  void erase(const std::string& name) { values_.erase(name); }
  bool has_local(const std::string& name) const { return values_.count(name) != 0; }
  void clear() { values_.clear(); }

 private:
  const Scope* parent_;
  std::map<std::string, ir::Value> values_;
};

// What running a graph takes beyond the graph, worked out once for a body run many times (a
// Loop's): each node's kernel, and the values whose last reader it is, freed after it runs. A
// graph with subgraphs frees nothing: they may read any outer value by name.
struct PreparedGraph {
  std::vector<KernelFn> kernels;  // null where the REF device has none (an error when run)
  std::vector<std::vector<std::string>> frees;
};

// "model.onnx: node 'conv1' (Conv): ", the prefix of every error about a node.
std::string node_context(const ir::Graph& graph, const ir::Node& node);
// True if the node has subgraph attributes (If / Loop / Scan bodies), which may read any value
// of the enclosing graph by name.
bool has_subgraph(const ir::Node& node);

class Interpreter {
 public:
  explicit Interpreter(const KernelRegistry& kernels = reference_kernels()) : kernels_(kernels) {}

  // Throws Unsupported naming the first node without a kernel.
  void check_supported(const ir::Graph& graph) const;

  // Runs `graph` with `feeds` (by input name) and returns its outputs in order. Errors name the
  // graph's source, the node and its op. `seed` drives random ops.
  std::vector<ir::Value> run(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                             uint64_t seed = 0) const;

  // Runs one node of `graph` on the values in `scope` and stores its outputs there. Errors are
  // not yet prefixed with the node (the caller adds its context).
  void run_node(const ir::Node& node, Scope& scope, std::mt19937_64& rng) const;

  // Throws InvalidArgument unless a tensor fed for `input` has its declared dtype and agrees
  // with every known dimension.
  static void check_feed(const ir::Graph& graph, const ir::ValueInfo& input,
                         const ir::Value& value);
  // Checks fed values against the graph's declared inputs and binds them into `scope`.
  static void bind_feeds(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                         Scope& scope);
  // Binds the initializers into `scope`: an executor that runs a graph many times does it once,
  // into a scope each run's scope has as its parent (a feed of the same name shadows it).
  static void bind_initializers(const ir::Graph& graph, Scope& scope);

  // Runs a subgraph inside `outer`, binding `inputs` to its inputs in order; `prepared` is the
  // graph's when the caller runs it many times (a Loop body), else it is prepared here.
  std::vector<ir::Value> run_in_scope(const ir::Graph& graph, const std::vector<ir::Value>& inputs,
                                      const Scope& outer, std::mt19937_64& rng,
                                      const PreparedGraph* prepared = nullptr) const;

  PreparedGraph prepare(const ir::Graph& graph) const;

 private:
  std::vector<ir::Value> execute(const ir::Graph& graph, Scope& scope, std::mt19937_64& rng,
                                 const PreparedGraph* prepared = nullptr) const;
  void run_node(const ir::Node& node, KernelFn kernel, Scope& scope, std::mt19937_64& rng) const;

  const KernelRegistry& kernels_;
};

}  // namespace zenith::ref
