// Matches BatchNormTrain -> Relu, and that Relu's ReluGrad -> the batch norm's BatchNormGrad.
#include "train/batch_norm_relu_fusion.h"

#include <algorithm>

#include "passes/pass_util.h"
#include "passes/pattern_util.h"

namespace zenith::train {
namespace {

bool is_zenith(const ir::Node& node, const char* op_type) {
  return node.domain == "zenith" && node.op_type == op_type;
}

struct Match {
  size_t norm, relu;
  // The backward's ReluGrad and BatchNormGrad; absent (npos) where no gradient reaches the norm.
  size_t relu_grad = std::string::npos, norm_grad = std::string::npos;
};

// The backward pair of `norm` -> `relu`: the ReluGrad of the Relu's output whose result the
// norm's BatchNormGrad alone reads, as its dY. False if the Relu's output has a ReluGrad that
// does not feed the norm's gradient that way (nothing to fuse safely).
bool find_backward(const passes::PatternGraph& g, const ir::Node& norm, const ir::Node& relu,
                   Match& m) {
  const std::string& y = relu.outputs[0];
  for (const ir::Node* reader : g.readers(y)) {
    if (!is_zenith(*reader, "ReluGrad") || reader->inputs[0] != y) continue;
    const std::string& dy = reader->outputs[0];
    const std::vector<const ir::Node*> readers = g.readers(dy);
    if (readers.size() != 1 || !g.internal(dy)) return false;
    const ir::Node& grad = *readers[0];
    if (!is_zenith(grad, "BatchNormGrad") || grad.inputs.size() != 5 || grad.inputs[2] != dy ||
        grad.inputs[0] != norm.inputs[0] || grad.inputs[3] != norm.outputs[3] ||
        std::count(grad.inputs.begin(), grad.inputs.end(), dy) != 1)
      return false;
    m.relu_grad = g.index_of(*reader);
    m.norm_grad = g.index_of(grad);
  }
  return true;
}

}  // namespace

size_t fuse_batch_norm_relus(ir::Graph& graph) {
  std::vector<Match> matches;
  {
    const passes::PatternGraph g(graph);
    for (const ir::Node& norm : graph.nodes) {
      if (!is_zenith(norm, "BatchNormTrain") || norm.attr<int64_t>("relu", 0) != 0 ||
          !norm.has_output(4))
        continue;
      const ir::Node* relu = g.sole_reader(norm.outputs[0], "Relu");
      Match m{g.index_of(norm), relu ? g.index_of(*relu) : 0};
      if (relu && find_backward(g, norm, *relu, m)) matches.push_back(m);
    }
  }
  std::vector<bool> remove(graph.nodes.size(), false);
  for (const Match& m : matches) {
    // The fused norm stays where the norm was: only the Relu, later, read its Y.
    const std::string& y = graph.nodes[m.relu].outputs[0];
    ir::Node& norm = graph.nodes[m.norm];
    graph.value_types.erase(norm.outputs[0]);
    norm.outputs[0] = y;
    norm.attributes["relu"] = int64_t{1};
    remove[m.relu] = true;
    if (m.norm_grad == std::string::npos) continue;
    ir::Node& grad = graph.nodes[m.norm_grad];
    grad.inputs[2] = graph.nodes[m.relu_grad].inputs[1];
    grad.inputs.push_back(y);
    grad.attributes["relu"] = int64_t{1};
    remove[m.relu_grad] = true;
  }
  passes::erase_nodes(graph, remove);
  return matches.size();
}

}  // namespace zenith::train
