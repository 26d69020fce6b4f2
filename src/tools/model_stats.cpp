// Model statistics: op histogram, parameter totals and a FLOP estimate from inferred shapes.
#include "tools/model_stats.h"

#include <algorithm>
#include <set>
#include <string_view>

namespace zenith::tools {
namespace {

// Ops that only move or reinterpret data, or compute shapes: no arithmetic counted.
const std::set<std::string_view> kDataMovement = {
    "Cast",      "Concat",   "ConstantOfShape", "DepthToSpace",    "Dropout",   "Expand",
    "Flatten",   "Gather",   "GatherElements",  "GatherND",        "Identity",  "NonZero",
    "Pad",       "Range",    "Reshape",         "ScatterElements", "ScatterND", "Shape",
    "Size",      "Slice",    "SpaceToDepth",    "Split",           "Squeeze",   "Tile",
    "Transpose", "Unsqueeze"};

double product(const ir::Dims& dims, size_t from = 0) {
  double p = 1;
  for (size_t i = from; i < dims.size(); ++i) p *= static_cast<double>(dims[i]);
  return p;
}

class Counter {
 public:
  explicit Counter(const std::map<std::string, ir::Dims>& dims) : dims_(dims) {}

  // Adds the node's cost; false if a shape it needs is unknown.
  bool add(const ir::Node& node) {
    const std::string& op = node.op_type;
    if (!node.domain.empty() || kDataMovement.count(op)) return true;
    const ir::Dims* out = dims(node.outputs, 0);
    if (!out) return false;
    if (op == "Conv" || op == "ConvTranspose") {
      // Each output (Conv) or input (ConvTranspose) element takes one weight slice [C/g, k...].
      const ir::Dims* w = dims(node.inputs, 1);
      const ir::Dims* x = dims(node.inputs, 0);
      if (!w || !x || w->size() < 2) return false;
      add_macs(product(op == "Conv" ? *out : *x) * product(*w, 1));
    } else if (op == "Gemm") {
      const ir::Dims* a = dims(node.inputs, 0);
      if (!a || a->size() != 2) return false;
      add_macs(product(*out) * static_cast<double>((*a)[node.attr<int64_t>("transA", 0) ? 0 : 1]));
      if (node.has_input(2)) flops_ += product(*out);  // bias
    } else if (op == "MatMul") {
      const ir::Dims* a = dims(node.inputs, 0);
      if (!a || a->empty()) return false;
      add_macs(product(*out) * static_cast<double>(a->back()));
    } else if (op == "AveragePool" || op == "MaxPool" || op == "LpPool") {
      flops_ += product(*out) * product(node.attr<std::vector<int64_t>>("kernel_shape", {}));
    } else if (op.rfind("Global", 0) == 0 || op.rfind("Reduce", 0) == 0) {
      const ir::Dims* x = dims(node.inputs, 0);
      if (!x) return false;
      flops_ += product(*x);
    } else {
      flops_ += product(*out);  // elementwise, normalization, activations
    }
    return true;
  }

  double macs() const { return macs_; }
  double flops() const { return flops_; }

 private:
  const ir::Dims* dims(const std::vector<std::string>& names, size_t i) const {
    if (i >= names.size() || names[i].empty()) return nullptr;
    auto it = dims_.find(names[i]);
    return it == dims_.end() ? nullptr : &it->second;
  }
  void add_macs(double macs) {
    macs_ += macs;
    flops_ += 2 * macs;
  }

  const std::map<std::string, ir::Dims>& dims_;
  double macs_ = 0, flops_ = 0;
};

}  // namespace

ModelStats compute_stats(const ir::Graph& graph, const std::map<std::string, ir::Dims>& dims) {
  ModelStats stats;
  std::map<std::string, int64_t> ops;
  Counter counter(dims);
  for (const ir::Node& node : graph.nodes) {
    ++ops[node.domain.empty() ? node.op_type : node.domain + "." + node.op_type];
    if (!counter.add(node)) stats.nodes_without_shapes.push_back(node.describe());
  }
  stats.op_histogram.assign(ops.begin(), ops.end());
  std::stable_sort(stats.op_histogram.begin(), stats.op_histogram.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  stats.node_count = static_cast<int64_t>(graph.nodes.size());
  for (const auto& [name, tensor] : graph.initializers) {
    ++stats.initializer_count;
    stats.parameter_count += tensor.numel();
    stats.parameter_bytes += static_cast<int64_t>(tensor.size_bytes());
  }
  stats.macs = counter.macs();
  stats.flops = counter.flops();
  return stats;
}

}  // namespace zenith::tools
