// quantize_qdq: QuantizeLinear/DequantizeLinear pairs and s8 weights for the chosen nodes.
#include "passes/quantize.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "ir/errors.h"

namespace zenith::passes {
namespace {

// Where a node's weight sits and along which of its axes the output channels run.
struct WeightInput {
  size_t input = 0;            // index among the node's inputs
  int64_t axis = 0;            // output-channel axis of the weight
  std::optional<size_t> bias;  // the bias input, when it is a 1-D constant along the channels
};

std::optional<WeightInput> weight_input(const ir::Graph& graph, const ir::Node& node) {
  auto constant_rank = [&](size_t i) -> std::optional<size_t> {
    if (!node.has_input(i)) return std::nullopt;
    const ir::Tensor* t = constant_of(graph, node.inputs[i]);
    if (!t || t->dtype() != ir::DType::F32) return std::nullopt;
    return t->dims().size();
  };
  auto bias_along = [&](size_t i, int64_t channels) -> std::optional<size_t> {
    if (constant_rank(i) != 1 || constant_of(graph, node.inputs[i])->dims()[0] != channels)
      return std::nullopt;
    return i;
  };
  if (!node.has_input(0)) return std::nullopt;
  if (is_op(node, "Conv")) {
    const std::optional<size_t> rank = constant_rank(1);
    if (!rank || *rank < 3) return std::nullopt;
    const int64_t channels = constant_of(graph, node.inputs[1])->dims()[0];
    return WeightInput{1, 0, bias_along(2, channels)};
  }
  if (is_op(node, "Gemm")) {
    if (node.attr<float>("alpha", 1.0f) != 1.0f || node.attr<float>("beta", 1.0f) != 1.0f ||
        constant_rank(1) != 2)
      return std::nullopt;
    const int64_t axis = node.attr<int64_t>("transB", 0) != 0 ? 0 : 1;
    const int64_t channels = constant_of(graph, node.inputs[1])->dims()[static_cast<size_t>(axis)];
    return WeightInput{1, axis, bias_along(2, channels)};
  }
  if (is_op(node, "MatMul")) {
    if (constant_rank(1) != 2) return std::nullopt;
    return WeightInput{1, 1, std::nullopt};
  }
  return std::nullopt;
}

bool is_f32_activation(const ir::Graph& graph, const std::string& value) {
  if (constant_of(graph, value)) return false;
  const std::optional<ir::TypeInfo> type = graph.type_of(value);
  return !type || type->dtype == ir::DType::F32 || type->dtype == ir::DType::Undefined;
}

ir::Tensor scalar_f32(float v) {
  ir::Tensor t(ir::DType::F32, {});
  *t.data<float>() = v;
  return t;
}

// Per channel along `axis`: the largest magnitude over the rest of the tensor.
std::vector<float> channel_max_abs(const ir::Tensor& w, int64_t axis) {
  const ir::Dims& dims = w.dims();
  int64_t outer = 1, inner = 1;
  for (size_t a = 0; a < dims.size(); ++a) {
    if (static_cast<int64_t>(a) < axis) outer *= dims[a];
    if (static_cast<int64_t>(a) > axis) inner *= dims[a];
  }
  const int64_t channels = dims[static_cast<size_t>(axis)];
  std::vector<float> top(static_cast<size_t>(channels), 0.0f);
  const float* x = w.data<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t c = 0; c < channels; ++c)
      for (int64_t i = 0; i < inner; ++i) {
        float& t = top[static_cast<size_t>(c)];
        t = std::max(t, std::fabs(x[(o * channels + c) * inner + i]));
      }
  return top;
}

template <typename T>
T saturate(double v, double lo, double hi) {
  return static_cast<T>(std::clamp(std::nearbyint(v), lo, hi));
}

class Quantizer {
 public:
  Quantizer(ir::Graph& graph, const std::map<std::string, ActivationRange>& ranges)
      : graph_(graph), ranges_(ranges), names_(graph) {}

  // Appends to `out` the nodes node needs before it, and the node reading their outputs.
  void quantize(ir::Node node, const WeightInput& w, std::vector<ir::Node>& out) {
    const std::string x = node.inputs[0];
    const float x_scale = activation(node, x, out);
    node.inputs[0] = dequantized_[x];
    const ir::Tensor& weight = *constant_of(graph_, node.inputs[w.input]);
    const std::vector<float> w_scales = weight_scales(weight, w.axis);
    node.inputs[w.input] = weight_dq(node.inputs[w.input], weight, w.axis, w_scales, out);
    if (w.bias) {
      std::vector<float> b_scales(w_scales.size());
      for (size_t c = 0; c < b_scales.size(); ++c) b_scales[c] = x_scale * w_scales[c];
      node.inputs[*w.bias] = bias_dq(node.inputs[*w.bias], b_scales, out);
    }
    out.push_back(std::move(node));
    ++changes_[out.back().op_type];
  }

  // Makes `node`'s input `i` read its activation through the activation's QuantizeLinear ->
  // DequantizeLinear pair, put into `out` the first time, with the range of `range_of` (the
  // activation's own by default).
  void read_dequantized(ir::Node& node, size_t i, std::vector<ir::Node>& out,
                        const std::string& range_of = "") {
    activation(node, node.inputs[i], out, range_of);
    node.inputs[i] = dequantized_[node.inputs[i]];
  }

  ChangeCounts changes() const { return changes_; }

  // The DequantizeLinear output of activation `x`, or "" if it was not quantized.
  std::string dequantized(const std::string& x) const {
    const auto it = dequantized_.find(x);
    return it == dequantized_.end() ? "" : it->second;
  }

 private:
  // x's scale; the first time, its QuantizeLinear -> DequantizeLinear pair goes into `out`.
  // `range_of`: the value whose calibrated range x takes (x's own by default).
  float activation(const ir::Node& node, const std::string& x, std::vector<ir::Node>& out,
                   const std::string& range_of = "") {
    const auto range = ranges_.find(range_of.empty() ? x : range_of);
    if (range == ranges_.end())
      throw_invalid_argument("{}: no calibrated range for its input '{}'", node.describe(), x);
    const bool is_unsigned = range->second.min >= 0;
    const float threshold = range->second.threshold;
    const float scale = threshold > 0 ? threshold / (is_unsigned ? 255.0f : 127.0f) : 1.0f;
    if (dequantized_.count(x)) return scale;
    const std::string scale_name = names_.make(x + "/scale");
    const std::string zero_name = names_.make(x + "/zero_point");
    const std::string q = names_.make(x + "/quantized");
    const std::string dq = names_.make(x + "/dequantized");
    graph_.initializers[scale_name] = scalar_f32(scale);
    ir::Tensor zero(is_unsigned ? ir::DType::U8 : ir::DType::I8, {});
    if (is_unsigned)
      *zero.data<uint8_t>() = 0;
    else
      *zero.data<int8_t>() = 0;
    graph_.initializers[zero_name] = std::move(zero);
    out.push_back(onnx_node("QuantizeLinear", q, {x, scale_name, zero_name}, q));
    out.push_back(onnx_node("DequantizeLinear", dq, {q, scale_name, zero_name}, dq));
    annotate(x, q, is_unsigned ? ir::DType::U8 : ir::DType::I8);
    annotate(x, dq, ir::DType::F32);
    dequantized_[x] = dq;
    ++changes_["QuantizeLinear"];
    return scale;
  }

  static std::vector<float> weight_scales(const ir::Tensor& w, int64_t axis) {
    std::vector<float> scales = channel_max_abs(w, axis);
    for (float& s : scales) s = s > 0 ? s / 127.0f : 1.0f;
    return scales;
  }

  std::string weight_dq(const std::string& name, const ir::Tensor& w, int64_t axis,
                        const std::vector<float>& scales, std::vector<ir::Node>& out) {
    const ir::Dims& dims = w.dims();
    int64_t inner = 1;
    for (size_t a = static_cast<size_t>(axis) + 1; a < dims.size(); ++a) inner *= dims[a];
    const auto channels = static_cast<int64_t>(scales.size());
    ir::Tensor q(ir::DType::I8, dims);
    for (int64_t i = 0; i < w.numel(); ++i)
      q.data<int8_t>()[i] = saturate<int8_t>(
          w.data<float>()[i] / scales[static_cast<size_t>((i / inner) % channels)], -127, 127);
    ir::Tensor zero(ir::DType::I8, {channels});
    std::fill_n(zero.data<int8_t>(), channels, int8_t{0});
    return constant_dq(name, std::move(q), scales, std::move(zero), axis, out);
  }

  std::string bias_dq(const std::string& name, const std::vector<float>& scales,
                      std::vector<ir::Node>& out) {
    const ir::Tensor& b = *constant_of(graph_, name);
    const auto channels = static_cast<int64_t>(scales.size());
    ir::Tensor q(ir::DType::I32, {channels});
    ir::Tensor zero(ir::DType::I32, {channels});
    constexpr double kMax = std::numeric_limits<int32_t>::max();
    for (int64_t c = 0; c < channels; ++c) {
      q.data<int32_t>()[c] =
          saturate<int32_t>(b.data<float>()[c] / scales[static_cast<size_t>(c)], -kMax, kMax);
      zero.data<int32_t>()[c] = 0;
    }
    return constant_dq(name, std::move(q), scales, std::move(zero), 0, out);
  }

  // A quantized constant read through DequantizeLinear along `axis`: the DequantizeLinear's
  // output name.
  std::string constant_dq(const std::string& name, ir::Tensor quantized,
                          const std::vector<float>& scales, ir::Tensor zero, int64_t axis,
                          std::vector<ir::Node>& out) {
    const std::string q = names_.make(name + "/quantized");
    const std::string scale_name = names_.make(name + "/scale");
    const std::string zero_name = names_.make(name + "/zero_point");
    const std::string dq = names_.make(name + "/dequantized");
    ir::Tensor scale(ir::DType::F32, {static_cast<int64_t>(scales.size())});
    std::copy(scales.begin(), scales.end(), scale.data<float>());
    const ir::Dims dims = quantized.dims();
    graph_.initializers[q] = std::move(quantized);
    graph_.initializers[scale_name] = std::move(scale);
    graph_.initializers[zero_name] = std::move(zero);
    ir::Node node = onnx_node("DequantizeLinear", dq, {q, scale_name, zero_name}, dq);
    node.attributes["axis"] = axis;
    out.push_back(std::move(node));
    graph_.value_types[dq] = ir::TypeInfo::tensor(ir::DType::F32, ir::to_shape(dims));
    return dq;
  }

  // `value` gets the type of `like` with `dtype`, where the graph knows like's shape.
  void annotate(const std::string& like, const std::string& value, ir::DType dtype) {
    const std::optional<ir::TypeInfo> type = graph_.type_of(like);
    graph_.value_types[value] = ir::TypeInfo::tensor(dtype, type ? type->shape : std::nullopt);
  }

  ir::Graph& graph_;
  const std::map<std::string, ActivationRange>& ranges_;
  NameGenerator names_;
  std::map<std::string, std::string> dequantized_;  // activation -> its DequantizeLinear output
  ChangeCounts changes_;
};

// The values an integer step can write: the outputs of quantized nodes, and of a Relu (a
// post-op) or a MaxPool (which commutes with quantization) reading such a value.
std::set<std::string> integer_producible(const ir::Graph& graph,
                                         const std::set<std::string>& nodes) {
  std::set<std::string> values;
  for (const ir::Node& n : graph.nodes)
    if (nodes.count(n.name))
      values.insert(n.outputs.begin(), n.outputs.end());
    else if ((is_op(n, "Relu") || is_op(n, "MaxPool")) && n.outputs.size() == 1 && n.has_input(0) &&
             values.count(n.inputs[0]))
      values.insert(n.outputs[0]);
  return values;
}

// The `op_type` pools whose output is one of `activations` (quantized for its readers) and whose
// input is one of `writable`, read by nothing else and not quantized itself, by node index.
std::set<size_t> integer_pools(const ir::Graph& graph, const std::vector<std::string>& activations,
                               const char* op_type, const std::set<std::string>& writable) {
  const std::set<std::string> quantized(activations.begin(), activations.end());
  const ValueUses uses(graph);
  std::set<size_t> pools;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ir::Node& n = graph.nodes[i];
    if (is_op(n, op_type) && n.outputs.size() == 1 && quantized.count(n.outputs[0]) &&
        writable.count(n.inputs[0]) && !quantized.count(n.inputs[0]) &&
        uses.node_reads(n.inputs[0]) == 1 && !uses.is_graph_output(n.inputs[0]) &&
        !uses.read_by_subgraph(n.inputs[0]))
      pools.insert(i);
  }
  return pools;
}

// The MaxPool nodes to run on integers, by node index: those whose output is one of
// `activations` (quantized for its readers) and whose input is integer_producible, read by
// nothing else and not quantized itself. Their input is quantized with their output's range: a
// max pool commutes with quantizing at one scale (clipping included), so the graph computes
// what it did, and the integers never become f32 between the step before and the pool.
std::set<size_t> integer_max_pools(const ir::Graph& graph, const std::set<std::string>& nodes,
                                   const std::vector<std::string>& activations) {
  return integer_pools(graph, activations, "MaxPool", integer_producible(graph, nodes));
}

// The AveragePool nodes to run on integers, as integer_max_pools chooses them, but for an
// input a Relu or a BatchNormalization writes (DenseNet's transitions: the CPU's normalize step
// can end in a QuantizeLinear) or an integer step does. Their input gets a pair of its own, with
// its own calibrated range: an average narrows the range, so the output's scale would clip it.
std::set<size_t> integer_average_pools(const ir::Graph& graph, const std::set<std::string>& nodes,
                                       const std::vector<std::string>& activations) {
  std::set<std::string> writable = integer_producible(graph, nodes);
  for (const ir::Node& n : graph.nodes)
    if ((is_op(n, "Relu") || is_op(n, "BatchNormalization")) && !n.outputs.empty())
      writable.insert(n.outputs[0]);
  return integer_pools(graph, activations, "AveragePool", writable);
}

// The inputs of each Concat whose output goes, through BatchNormalization, Relu and pooling
// only, to nothing but quantized nodes (DenseNet's dense layers and transitions): those an
// integer step can write (integer_producible), so the concatenation reads them as integers, by
// Concat node index. A
// concat read by anything else (a chain of concats, an f32 node) keeps its inputs f32.
std::map<size_t, std::set<std::string>> integer_concat_inputs(const ir::Graph& graph,
                                                              const std::set<std::string>& nodes) {
  std::map<std::string, std::vector<size_t>> readers;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& in : graph.nodes[i].inputs) readers[in].push_back(i);
  const std::set<std::string> producible = integer_producible(graph, nodes);
  const ValueUses uses(graph);
  // True if every reader of `value` is a quantized node reading it as its activation, or a
  // BatchNormalization, Relu or pooling whose output is such a value.
  std::function<bool(const std::string&)> feeds_integers = [&](const std::string& value) {
    const auto r = readers.find(value);
    if (r == readers.end() || uses.is_graph_output(value) || uses.read_by_subgraph(value))
      return false;
    return std::all_of(r->second.begin(), r->second.end(), [&](size_t i) {
      const ir::Node& n = graph.nodes[i];
      if (nodes.count(n.name)) return n.inputs[0] == value;
      return (is_op(n, "BatchNormalization") || is_op(n, "Relu") || is_op(n, "AveragePool") ||
              is_op(n, "MaxPool")) &&
             n.inputs[0] == value && n.outputs.size() == 1 && feeds_integers(n.outputs[0]);
    });
  };
  std::map<size_t, std::set<std::string>> inputs;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const ir::Node& n = graph.nodes[i];
    if (!is_op(n, "Concat") || n.outputs.size() != 1 || !feeds_integers(n.outputs[0])) continue;
    for (const std::string& in : n.inputs)
      if (producible.count(in)) inputs[i].insert(in);
  }
  return inputs;
}

// The activations quantized nodes read, and the values integer steps write that a concat
// quantize_qdq keeps integer reads (before the pools' own).
std::vector<std::string> read_as_integers(const ir::Graph& graph,
                                          const std::set<std::string>& nodes) {
  std::vector<std::string> values;
  for (const ir::Node& node : graph.nodes)
    if (nodes.count(node.name) &&
        std::find(values.begin(), values.end(), node.inputs[0]) == values.end())
      values.push_back(node.inputs[0]);
  for (const auto& [concat, inputs] : integer_concat_inputs(graph, nodes))
    for (const std::string& in : inputs)
      if (std::find(values.begin(), values.end(), in) == values.end()) values.push_back(in);
  return values;
}

}  // namespace

std::vector<std::string> quantizable_nodes(const ir::Graph& graph) {
  std::vector<std::string> names;
  for (const ir::Node& node : graph.nodes)
    if (weight_input(graph, node) && is_f32_activation(graph, node.inputs[0]))
      names.push_back(node.name);
  return names;
}

std::vector<std::string> quantized_activations(const ir::Graph& graph,
                                               const std::set<std::string>& nodes) {
  std::vector<std::string> values = read_as_integers(graph, nodes);
  for (size_t pool : integer_average_pools(graph, nodes, values))
    values.push_back(graph.nodes[pool].inputs[0]);
  return values;
}

ChangeCounts quantize_qdq(ir::Graph& graph, const std::set<std::string>& nodes,
                          const std::map<std::string, ActivationRange>& ranges) {
  Quantizer quantizer(graph, ranges);
  ChangeCounts changes;
  std::vector<ir::Node> out;
  out.reserve(graph.nodes.size());
  std::set<std::string> weights;  // replaced: dropped unless something else reads them
  const std::map<size_t, std::set<std::string>> concat_inputs = integer_concat_inputs(graph, nodes);
  const std::vector<std::string> activations = read_as_integers(graph, nodes);
  const std::set<size_t> max_pools = integer_max_pools(graph, nodes, activations);
  const std::set<size_t> average_pools = integer_average_pools(graph, nodes, activations);
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    ir::Node& node = graph.nodes[n];
    if (max_pools.count(n)) {
      quantizer.read_dequantized(node, 0, out, node.outputs[0]);
      ++changes["integer MaxPool"];
    }
    if (average_pools.count(n)) {
      quantizer.read_dequantized(node, 0, out);
      ++changes["integer AveragePool"];
    }
    if (const auto c = concat_inputs.find(n); c != concat_inputs.end()) {
      for (size_t i = 0; i < node.inputs.size(); ++i)
        if (c->second.count(node.inputs[i])) quantizer.read_dequantized(node, i, out);
      ++changes["integer Concat"];
    }
    const std::optional<WeightInput> w =
        nodes.count(node.name) ? weight_input(graph, node) : std::nullopt;
    if (!w || !is_f32_activation(graph, node.inputs[0])) {
      out.push_back(std::move(node));
      continue;
    }
    weights.insert(node.inputs[w->input]);
    if (w->bias) weights.insert(node.inputs[*w->bias]);
    quantizer.quantize(std::move(node), *w, out);
  }
  graph.nodes = std::move(out);
  // A residual Add of a quantized node's output and an activation quantized for another
  // reader reads that activation dequantized too, as ONNX Runtime's quantizer has it: the
  // integer kernels then add the skip as integers and the block's output can leave as integers
  // (zenith.QConv's residual inputs, qconv_fusion.h), instead of the skip travelling in f32.
  std::set<std::string> quantized_outputs;
  for (const ir::Node& node : graph.nodes)
    if (nodes.count(node.name)) quantized_outputs.insert(node.outputs.begin(), node.outputs.end());
  for (ir::Node& node : graph.nodes) {
    if (!is_op(node, "Add") || node.inputs.size() != 2) continue;
    for (size_t i = 0; i < 2; ++i) {
      const std::string dq = quantizer.dequantized(node.inputs[i]);
      if (!dq.empty() && quantized_outputs.count(node.inputs[1 - i])) {
        node.inputs[i] = dq;
        ++changes["residual Add"];
        break;
      }
    }
  }
  const ValueUses uses(graph);
  for (const std::string& name : weights)
    if (uses.unused(name) && !std::any_of(graph.inputs.begin(), graph.inputs.end(),
                                          [&](const ir::ValueInfo& v) { return v.name == name; }))
      graph.initializers.erase(name);
  for (const auto& [op, n] : quantizer.changes()) changes[op] += n;
  return changes;
}

}  // namespace zenith::passes
