// BatchNormalization folding: the per-channel affine map of an inference BatchNormalization is
// merged into the weights and bias of the Conv or Gemm that feeds it.
#include "passes/batch_norm_folding.h"

#include <cmath>
#include <optional>

namespace zenith::passes {
namespace {

enum BatchNormInput : size_t { kX = 0, kScale = 1, kBias = 2, kMean = 3, kVar = 4 };

// BN(y) = (y - mean) * s + bias per channel, with s = scale / sqrt(var + epsilon). s is kept in
// double so the folded weights round once, like the unfolded graph's last step.
struct ChannelAffine {
  std::vector<double> s;
  const float* mean = nullptr;
  const float* bias = nullptr;

  int64_t channels() const { return static_cast<int64_t>(s.size()); }
  float apply(int64_t c, double y) const {
    const auto i = static_cast<size_t>(c);
    return static_cast<float>((y - mean[i]) * s[i] + bias[i]);
  }
};

const ir::Tensor* f32_constant(const ir::Graph& graph, const ir::Node& node, size_t input) {
  const ir::Tensor* t = node.has_input(input) ? constant_of(graph, node.inputs[input]) : nullptr;
  return t && t->dtype() == ir::DType::F32 ? t : nullptr;
}

std::optional<ChannelAffine> inference_affine(const ir::Graph& graph, const ValueUses& uses,
                                              const ir::Node& bn) {
  if (bn.attr<int64_t>("training_mode", 0) != 0) return std::nullopt;
  for (size_t i = 1; i < bn.outputs.size(); ++i)
    if (bn.has_output(i) && !uses.unused(bn.outputs[i])) return std::nullopt;
  const ir::Tensor* params[5] = {};
  for (size_t i : {kScale, kBias, kMean, kVar}) {
    params[i] = f32_constant(graph, bn, i);
    if (!params[i] || params[i]->rank() != 1 || params[i]->numel() != params[kScale]->numel() ||
        params[i]->numel() == 0)
      return std::nullopt;
  }
  const double epsilon = bn.attr<float>("epsilon", 1e-5f);
  ChannelAffine affine;
  affine.mean = params[kMean]->data<float>();
  affine.bias = params[kBias]->data<float>();
  const float* scale = params[kScale]->data<float>();
  const float* var = params[kVar]->data<float>();
  for (int64_t c = 0; c < params[kScale]->numel(); ++c)
    affine.s.push_back(scale[c] / std::sqrt(static_cast<double>(var[c]) + epsilon));
  return affine;
}

// Points the producer's weights and bias inputs (1 and 2) at new initializers: the old ones may
// have other readers.
void use_folded(ir::Graph& graph, ir::Node& node, NameGenerator& names,
                const std::string& bias_name, ir::Tensor weights, ir::Tensor bias) {
  node.inputs.resize(3);
  node.inputs[1] = names.make(node.inputs[1] + "_folded");
  node.inputs[2] = names.make(bias_name + "_folded");
  graph.initializers[node.inputs[1]] = std::move(weights);
  graph.initializers[node.inputs[2]] = std::move(bias);
}

// Conv(x, W, b) -> Conv(x, W * s, (b - mean) * s + bias): W's first axis is the output channel.
bool fold_into_conv(ir::Graph& graph, ir::Node& conv, const ChannelAffine& bn, NameGenerator& names,
                    const std::string& bias_name) {
  const ir::Tensor* w = f32_constant(graph, conv, 1);
  const ir::Tensor* b = f32_constant(graph, conv, 2);
  const int64_t channels = bn.channels();
  if (!w || w->rank() < 3 || w->dim(0) != channels) return false;
  if (conv.has_input(2) && (!b || b->rank() != 1 || b->numel() != channels)) return false;
  ir::Tensor new_w(ir::DType::F32, w->dims());
  const int64_t per_channel = w->numel() / channels;
  for (int64_t i = 0; i < w->numel(); ++i)
    new_w.data<float>()[i] = static_cast<float>(w->data<float>()[i] * bn.s[i / per_channel]);
  ir::Tensor new_b(ir::DType::F32, {channels});
  for (int64_t c = 0; c < channels; ++c)
    new_b.data<float>()[c] = bn.apply(c, b ? b->data<float>()[c] : 0.0);
  use_folded(graph, conv, names, bias_name, std::move(new_w), std::move(new_b));
  return true;
}

// Gemm: Y = alpha * A' B' + beta * C, whose channels are the N columns of Y, so
// BN(Y) = alpha * A' (B' * s) + (beta * C - mean) * s + bias. C broadcasts to [M, N]; C' keeps
// C's rows (1 or M) and spans all N columns.
bool fold_into_gemm(ir::Graph& graph, ir::Node& gemm, const ChannelAffine& bn, NameGenerator& names,
                    const std::string& bias_name) {
  const ir::Tensor* b = f32_constant(graph, gemm, 1);
  const ir::Tensor* c = f32_constant(graph, gemm, 2);
  const bool trans_b = gemm.attr<int64_t>("transB", 0) != 0;
  const int64_t n = bn.channels();
  if (!b || b->rank() != 2 || b->dim(trans_b ? 0 : 1) != n) return false;
  if (gemm.has_input(2) &&
      (!c || c->rank() > 2 || (c->rank() > 0 && c->dim(-1) != 1 && c->dim(-1) != n)))
    return false;
  ir::Tensor new_b(ir::DType::F32, b->dims());
  const int64_t b_cols = b->dim(1);
  for (int64_t k = 0; k < b->numel(); ++k) {
    const int64_t channel = trans_b ? k / b_cols : k % b_cols;
    new_b.data<float>()[k] = static_cast<float>(b->data<float>()[k] * bn.s[channel]);
  }
  const int64_t rows = c && c->rank() == 2 ? c->dim(0) : 1;
  const int64_t c_cols = c && c->rank() > 0 ? c->dim(-1) : 1;
  const double beta = gemm.attr<float>("beta", 1.0f);
  ir::Tensor new_c(ir::DType::F32, rows == 1 ? ir::Dims{n} : ir::Dims{rows, n});
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < n; ++j) {
      const double cv = c ? c->data<float>()[r * c_cols + (c_cols == 1 ? 0 : j)] : 0.0;
      new_c.data<float>()[r * n + j] = bn.apply(j, beta * cv);
    }
  use_folded(graph, gemm, names, bias_name, std::move(new_b), std::move(new_c));
  gemm.attributes["beta"] = 1.0f;
  return true;
}

}  // namespace

ChangeCounts fold_batch_norms(ir::Graph& graph) {
  const ValueUses uses(graph);
  NameGenerator names(graph);
  ChangeCounts folded;
  std::vector<bool> remove(graph.nodes.size(), false);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& bn = graph.nodes[n];
    if (!is_op(bn, "BatchNormalization") || !bn.has_input(kX) || !bn.has_output(0)) continue;
    const std::string& x = bn.inputs[kX];
    const ptrdiff_t p = uses.producer(x);
    if (p < 0 || uses.node_reads(x) != 1 || uses.is_graph_output(x) || uses.read_by_subgraph(x))
      continue;
    ir::Node& producer = graph.nodes[static_cast<size_t>(p)];
    if (producer.outputs.size() != 1) continue;
    const std::optional<ChannelAffine> affine = inference_affine(graph, uses, bn);
    if (!affine) continue;
    const bool done = (is_op(producer, "Conv") &&
                       fold_into_conv(graph, producer, *affine, names, bn.inputs[kBias])) ||
                      (is_op(producer, "Gemm") &&
                       fold_into_gemm(graph, producer, *affine, names, bn.inputs[kBias]));
    if (!done) continue;
    graph.value_types.erase(x);
    producer.outputs[0] = bn.outputs[0];
    remove[n] = true;
    ++folded["BatchNormalization into " + producer.op_type];
  }
  erase_nodes(graph, remove);
  return folded;
}

}  // namespace zenith::passes
