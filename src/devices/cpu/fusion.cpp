// Post-op fusion over a graph's CPU nodes.
#include "devices/cpu/fusion.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "devices/cpu/ops/ops.h"
#include "devices/reference/interpreter.h"
#include "ir/shape_inference.h"

namespace zenith::cpu {
namespace {

struct Uses {
  std::map<std::string, std::vector<size_t>> consumers;  // value -> reading nodes
  std::map<std::string, size_t> producer;                // value -> producing node
  std::set<std::string> graph_outputs;
};

Uses uses_of(const ir::Graph& graph) {
  Uses uses;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const std::string& in : graph.nodes[i].inputs)
      if (!in.empty()) uses.consumers[in].push_back(i);
    for (const std::string& out : graph.nodes[i].outputs)
      if (!out.empty()) uses.producer[out] = i;
  }
  for (const ir::ValueInfo& v : graph.outputs) uses.graph_outputs.insert(v.name);
  return uses;
}

// The node that alone reads `value`, or -1.
int sole_consumer(const Uses& uses, const std::string& value) {
  auto it = uses.consumers.find(value);
  if (uses.graph_outputs.count(value) || it == uses.consumers.end() || it->second.size() != 1)
    return -1;
  return static_cast<int>(it->second.front());
}

bool single_output(const ir::Node& node) {
  for (size_t i = 1; i < node.outputs.size(); ++i)
    if (node.has_output(i)) return false;
  return node.has_output(0);
}

// False when the inferred dims of `a` and `b` are known and differ.
bool may_be_same_shape(const std::map<std::string, ir::Dims>& dims, const std::string& a,
                       const std::string& b) {
  const auto da = dims.find(a), db = dims.find(b);
  return da == dims.end() || db == dims.end() || da->second == db->second;
}

// The operand of Add `add` other than `value` if it is an initializer that is a bias along
// `value`'s last axis: [N] or [1, ..., 1, N] for `value` of dims [..., N], no more axes than
// `value` has. (One a caller overrides is checked again at run time, as every input is.)
const std::string* last_axis_bias(const ir::Graph& graph,
                                  const std::map<std::string, ir::Dims>& dims, const ir::Node& add,
                                  const std::string& value) {
  if (add.op_type != "Add" || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1])
    return nullptr;
  const std::string& other = add.inputs[add.inputs[0] == value ? 1 : 0];
  const auto init = graph.initializers.find(other);
  const auto out = dims.find(value);
  if (init == graph.initializers.end() || init->second.dtype() != ir::DType::F32 ||
      out == dims.end() || out->second.empty())
    return nullptr;
  const ir::Tensor* bias = &init->second;
  const ir::Dims& b = bias->dims();
  if (b.empty() || b.size() > out->second.size() || b.back() != out->second.back() ||
      bias->numel() != b.back())
    return nullptr;
  return &other;
}

// Extends `spec` (main node `main`) with followers as far as the factory allows. `dims`: the
// values' inferred dims, where known.
void absorb_followers(const ir::Graph& graph, const Uses& uses,
                      const std::map<std::string, ir::Dims>& dims, const std::vector<bool>& on_cpu,
                      size_t main, PostOps allowed, StepSpec& spec, std::vector<int>& fused_into) {
  std::string value = spec.outputs[0];
  bool has_sum = false, has_depthwise = false;
  // A QConv that took its residual Add in sums it already, and may still end in a Quantize.
  const bool integer_residual = spec.node->domain == "zenith" && spec.node->has_input(6);
  for (int c = sole_consumer(uses, value); c >= 0 && on_cpu[c]; c = sole_consumer(uses, value)) {
    const ir::Node& next = graph.nodes[c];
    if (!single_output(next)) break;
    std::optional<PostOp> post = PostOp{};  // none for a bias, which is an input of the step
    const std::string* bias = allowed == PostOps::EltwiseAndBias && spec.fused.empty()
                                  ? last_axis_bias(graph, dims, next, value)
                                  : nullptr;
    if (bias) {
      spec.inputs.push_back(*bias);
      post.reset();
    } else if (const std::vector<Eltwise> fns = eltwise_of(graph, next); !fns.empty()) {
      const bool relu = next.op_type == "Relu";  // EltwiseAndBias: any eltwise
      if (allowed == PostOps::Relu && !relu) break;
      for (size_t k = 0; k + 1 < fns.size(); ++k) spec.post_ops.push_back({.eltwise = fns[k]});
      post->eltwise = fns.back();
    } else if (std::optional<LinearQuantization> q; (allowed == PostOps::EltwiseSumAndQuantize ||
                                                     allowed == PostOps::EltwiseAndQuantize) &&
                                                    !has_sum && next.domain.empty() &&
                                                    next.op_type == "QuantizeLinear" &&
                                                    (q = linear_quantization(graph, next))) {
      post->kind = PostOp::Kind::Quantize;
      post->eltwise = {dnnl::algorithm::eltwise_linear, 1.0f / q->scale,
                       static_cast<float>(q->zero_point)};
      post->dtype = q->type;
    } else if ((allowed == PostOps::EltwiseAndSum || allowed == PostOps::EltwiseSumAndQuantize) &&
               !has_sum && !integer_residual && !has_depthwise && next.op_type == "Add" &&
               next.inputs.size() == 2 && next.inputs[0] != next.inputs[1] &&
               may_be_same_shape(dims, value, next.outputs[0])) {
      // An addend that broadcasts the step's output to a larger shape cannot be summed into it.
      const std::string& addend = next.inputs[next.inputs[0] == value ? 1 : 0];
      auto producer = uses.producer.find(addend);
      if (producer != uses.producer.end() && producer->second >= main) break;
      post->kind = PostOp::Kind::Sum;
      post->input = spec.inputs.size();
      spec.inputs.push_back(addend);
      has_sum = true;
    } else if (std::optional<int64_t> stride;
               allowed == PostOps::EltwiseAndSum && !has_sum && !has_depthwise &&
               next.op_type == "Conv" && next.inputs[0] == value &&
               (stride = depthwise_post_op_stride(graph, dims, graph.nodes[main], spec.post_ops,
                                                  next))) {
      post->kind = PostOp::Kind::Depthwise;
      post->stride = *stride;
      post->input = spec.inputs.size();
      post->bias = next.has_input(2);
      spec.inputs.insert(spec.inputs.end(), next.inputs.begin() + 1,
                         next.inputs.begin() + (post->bias ? 3 : 2));
      has_depthwise = true;
    } else {
      break;
    }
    if (post) spec.post_ops.push_back(*post);
    spec.fused.push_back(&next);
    fused_into[static_cast<size_t>(c)] = static_cast<int>(main);
    value = next.outputs[0];
    spec.outputs = {value};
    // An integer output (Quantize) ends the step: no post-op applies to it.
    if (post && post->kind == PostOp::Kind::Quantize) break;
  }
}

// The DequantizeLinear on CPU that produces `value` with one constant scale and zero point
// (linear_quantization), or nullptr.
const ir::Node* integer_source(const ir::Graph& graph, const Uses& uses,
                               const std::vector<bool>& on_cpu, const std::string& value) {
  const auto p = uses.producer.find(value);
  if (p == uses.producer.end() || !on_cpu[p->second]) return nullptr;
  const ir::Node& dq = graph.nodes[p->second];
  return dq.domain.empty() && dq.op_type == "DequantizeLinear" && linear_quantization(graph, dq)
             ? &dq
             : nullptr;
}

// Makes `spec` (main node `main`, a MaxPool or AveragePool) a pool of integers if it reads a
// DequantizeLinear's output (integer_source) and a QuantizeLinear of the same type alone reads
// its own (for a MaxPool, also of the same scale and zero point): the step then reads the
// integers and writes them, the QuantizeLinear fused (an average's change of scale a post-op).
// False, changing nothing, if not.
bool absorb_integer_pool(const ir::Graph& graph, const Uses& uses, const std::vector<bool>& on_cpu,
                         size_t main, StepSpec& spec, std::vector<int>& fused_into) {
  const ir::Node& pool = graph.nodes[main];
  const ir::Node* dq = integer_source(graph, uses, on_cpu, pool.inputs[0]);
  const int c = sole_consumer(uses, pool.outputs[0]);
  if (!dq || c < 0 || !on_cpu[c]) return false;
  const ir::Node& q = graph.nodes[c];
  if (!q.domain.empty() || q.op_type != "QuantizeLinear" || !single_output(q)) return false;
  const auto in = linear_quantization(graph, *dq), out = linear_quantization(graph, q);
  const bool max = pool.op_type == "MaxPool";
  if (!out || in->type != out->type ||
      (max && (in->scale != out->scale || in->zero_point != out->zero_point)))
    return false;
  spec.inputs[0] = dq->inputs[0];
  spec.fused = {&q};
  spec.outputs = q.outputs;
  fused_into[static_cast<size_t>(c)] = static_cast<int>(main);
  return true;
}

// Makes `spec` (main node `main`, a Concat along axis 1 or a BatchNormalization) the step of
// build_normalize_quantize if the nodes after it are BatchNormalization (unless `main` is
// one), an optional Relu and a QuantizeLinear (optional after a Concat that reads a
// DequantizeLinear's output), each the sole reader of the one before, all on CPU and of the
// kinds that step computes; a Concat's input that a DequantizeLinear produces is then read as
// the integers that node reads. False, changing nothing, if not.
bool absorb_normalize_quantize(const ir::Graph& graph, const Uses& uses,
                               const std::vector<bool>& on_cpu, size_t main, StepSpec& spec,
                               std::vector<int>& fused_into) {
  const ir::Node& node = graph.nodes[main];
  std::vector<int> chain;
  auto next = [&](const char* op_type) {
    const int c = sole_consumer(uses, graph.nodes[chain.empty() ? main : chain.back()].outputs[0]);
    const bool ok = c >= 0 && on_cpu[c] && graph.nodes[c].domain.empty() &&
                    graph.nodes[c].op_type == op_type && single_output(graph.nodes[c]);
    if (ok) chain.push_back(c);
    return ok;
  };
  if (node.op_type == "Concat") {
    if (node.attr<int64_t>("axis") != 1 || node.inputs.size() > kMaxNormalizeQuantizeInputs ||
        !next("BatchNormalization") || !batch_norm_affine(graph, graph.nodes[chain.back()]))
      return false;
  } else if (!batch_norm_affine(graph, node)) {
    return false;
  }
  next("Relu");
  // Without a QuantizeLinear only a concat of integers is taken: an f32 one is a view of a
  // concat chain (concat_chains.h).
  const bool integer_out = next("QuantizeLinear");
  if (integer_out && !linear_quantization(graph, graph.nodes[chain.back()])) return false;
  const bool integer_in =
      node.op_type == "Concat" &&
      std::any_of(node.inputs.begin(), node.inputs.end(), [&](const std::string& in) {
        return integer_source(graph, uses, on_cpu, in) != nullptr;
      });
  if (!integer_out && !integer_in) return false;
  for (int c : chain) {
    spec.fused.push_back(&graph.nodes[c]);
    fused_into[static_cast<size_t>(c)] = static_cast<int>(main);
  }
  spec.outputs = spec.fused.back()->outputs;
  // The concat reads integers where it can: the input of each DequantizeLinear it reads.
  if (node.op_type == "Concat")
    for (std::string& in : spec.inputs)
      if (const ir::Node* dq = integer_source(graph, uses, on_cpu, in)) in = dq->inputs[0];
  return true;
}

}  // namespace

Grouping group_cpu_steps(const ir::Graph& graph, const std::vector<bool>& on_cpu) {
  Grouping g;
  g.steps.resize(graph.nodes.size());
  g.fused_into.assign(graph.nodes.size(), -1);
  bool fuse = true;
  for (const ir::Node& node : graph.nodes)
    if (ref::has_subgraph(node)) fuse = false;
  const Uses uses = uses_of(graph);
  const std::map<std::string, ir::Dims> dims = fuse ? ir::infer_shapes(graph) : decltype(dims){};
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    if (g.fused_into[i] >= 0) continue;
    const ir::Node& node = graph.nodes[i];
    StepSpec& spec = g.steps[i];
    spec.node = &node;
    spec.inputs = node.inputs;
    spec.outputs = node.outputs;
    if (!fuse || !on_cpu[i] || !single_output(node)) continue;
    if ((node.op_type == "Concat" || node.op_type == "BatchNormalization") &&
        absorb_normalize_quantize(graph, uses, on_cpu, i, spec, g.fused_into))
      continue;
    if ((node.op_type == "MaxPool" || node.op_type == "AveragePool") &&
        absorb_integer_pool(graph, uses, on_cpu, i, spec, g.fused_into))
      continue;
    const PostOps allowed = find_cpu_op(node)->post_ops;
    if (allowed != PostOps::None)
      absorb_followers(graph, uses, dims, on_cpu, i, allowed, spec, g.fused_into);
  }
  // A DequantizeLinear whose every reader is in a step that reads its integers in its place
  // (absorb_normalize_quantize, absorb_integer_pool) gets no step: its output would be written
  // and never read.
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ir::Node& node = graph.nodes[i];
    if (g.fused_into[i] >= 0 || !on_cpu[i] || !node.domain.empty() ||
        node.op_type != "DequantizeLinear" || !single_output(node) ||
        uses.graph_outputs.count(node.outputs[0]))
      continue;
    const auto readers = uses.consumers.find(node.outputs[0]);
    if (readers == uses.consumers.end()) continue;
    const bool read_through =
        std::all_of(readers->second.begin(), readers->second.end(), [&](size_t c) {
          const StepSpec& step = g.steps[g.fused_into[c] < 0 ? c : g.fused_into[c]];
          return step.node && std::find(step.inputs.begin(), step.inputs.end(), node.outputs[0]) ==
                                  step.inputs.end();
        });
    if (!read_through) continue;
    g.fused_into[i] = static_cast<int>(readers->second.front());
    g.steps[i] = StepSpec{};
  }
  return g;
}

}  // namespace zenith::cpu
