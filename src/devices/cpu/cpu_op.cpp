// The CPU device's op table and the helpers its op families share.
#include "devices/cpu/cpu_op.h"

#include <algorithm>
#include <array>
#include <limits>

#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"

namespace zenith::cpu {
namespace {

#define ZENITH_CPU_OP(op, family, post_ops) \
  CpuOpFactory { op, &supports_##family, &build_##family, PostOps::post_ops }

// Sorted by op type.
constexpr std::array kFactories = {
    ZENITH_CPU_OP("Abs", eltwise, None),
    ZENITH_CPU_OP("Add", binary, Eltwise),
    ZENITH_CPU_OP("And", compare, None),
    ZENITH_CPU_OP("AveragePool", pool, None),
    ZENITH_CPU_OP("BatchNormalization", batch_norm, Relu),
    ZENITH_CPU_OP("Cast", cast, None),
    ZENITH_CPU_OP("Clip", eltwise, None),
    ZENITH_CPU_OP("Concat", concat, None),
    ZENITH_CPU_OP("ConstantOfShape", constant_of_shape, None),
    ZENITH_CPU_OP("Conv", conv, EltwiseAndSum),
    ZENITH_CPU_OP("ConvTranspose", conv_transpose, Eltwise),
    ZENITH_CPU_OP("DequantizeLinear", quantize_linear, None),
    ZENITH_CPU_OP("Div", binary, Eltwise),
    ZENITH_CPU_OP("Elu", eltwise, None),
    ZENITH_CPU_OP("Equal", compare, None),
    ZENITH_CPU_OP("Erf", erf, None),
    ZENITH_CPU_OP("Exp", eltwise, None),
    ZENITH_CPU_OP("Expand", expand, None),
    ZENITH_CPU_OP("Flatten", reshape, None),
    ZENITH_CPU_OP("GRU", rnn, None),
    ZENITH_CPU_OP("Gather", gather, None),
    ZENITH_CPU_OP("GatherElements", gather, None),
    ZENITH_CPU_OP("Gemm", matmul, Eltwise),
    ZENITH_CPU_OP("GlobalAveragePool", pool, None),
    ZENITH_CPU_OP("GlobalMaxPool", pool, None),
    ZENITH_CPU_OP("Greater", compare, None),
    ZENITH_CPU_OP("GreaterOrEqual", compare, None),
    ZENITH_CPU_OP("HardSigmoid", eltwise, None),
    ZENITH_CPU_OP("HardSwish", eltwise, None),
    ZENITH_CPU_OP("InstanceNormalization", instance_norm, None),
    ZENITH_CPU_OP("LRN", lrn, None),
    ZENITH_CPU_OP("LSTM", rnn, None),
    ZENITH_CPU_OP("LayerNormalization", layer_norm, None),
    ZENITH_CPU_OP("LeakyRelu", eltwise, None),
    ZENITH_CPU_OP("Less", compare, None),
    ZENITH_CPU_OP("LessOrEqual", compare, None),
    ZENITH_CPU_OP("Log", eltwise, None),
    ZENITH_CPU_OP("LogSoftmax", softmax, None),
    ZENITH_CPU_OP("MatMul", matmul, EltwiseAndBias),
    ZENITH_CPU_OP("Max", variadic, None),
    ZENITH_CPU_OP("MaxPool", pool, None),
    ZENITH_CPU_OP("Mean", variadic, None),
    ZENITH_CPU_OP("Min", variadic, None),
    ZENITH_CPU_OP("Mul", binary, Eltwise),
    ZENITH_CPU_OP("Neg", eltwise, None),
    ZENITH_CPU_OP("Not", compare, None),
    ZENITH_CPU_OP("Or", compare, None),
    ZENITH_CPU_OP("Pad", pad, None),
    ZENITH_CPU_OP("Pow", eltwise, None),
    ZENITH_CPU_OP("QuantizeLinear", quantize_linear, None),
    ZENITH_CPU_OP("Reciprocal", eltwise, None),
    ZENITH_CPU_OP("ReduceL1", reduce, None),
    ZENITH_CPU_OP("ReduceL2", reduce, None),
    ZENITH_CPU_OP("ReduceLogSum", reduce, None),
    ZENITH_CPU_OP("ReduceLogSumExp", reduce, None),
    ZENITH_CPU_OP("ReduceMax", reduce, None),
    ZENITH_CPU_OP("ReduceMean", reduce, None),
    ZENITH_CPU_OP("ReduceMin", reduce, None),
    ZENITH_CPU_OP("ReduceProd", reduce, None),
    ZENITH_CPU_OP("ReduceSum", reduce, None),
    ZENITH_CPU_OP("ReduceSumSquare", reduce, None),
    ZENITH_CPU_OP("Relu", eltwise, None),
    ZENITH_CPU_OP("Reshape", reshape, None),
    ZENITH_CPU_OP("Resize", resize, None),
    ZENITH_CPU_OP("RoiAlign", roi_align, None),
    ZENITH_CPU_OP("Round", eltwise, None),
    ZENITH_CPU_OP("ScatterElements", scatter, None),
    ZENITH_CPU_OP("Shape", shape, None),
    ZENITH_CPU_OP("Sigmoid", eltwise, None),
    ZENITH_CPU_OP("Slice", slice, None),
    ZENITH_CPU_OP("Softmax", softmax, None),
    ZENITH_CPU_OP("Softplus", eltwise, None),
    ZENITH_CPU_OP("Split", slice, None),
    ZENITH_CPU_OP("Sqrt", eltwise, None),
    ZENITH_CPU_OP("Squeeze", reshape, None),
    ZENITH_CPU_OP("Sub", binary, Eltwise),
    ZENITH_CPU_OP("Sum", variadic, None),
    ZENITH_CPU_OP("Tanh", eltwise, None),
    ZENITH_CPU_OP("Tile", expand, None),
    ZENITH_CPU_OP("Transpose", transpose, None),
    ZENITH_CPU_OP("Unsqueeze", reshape, None),
    ZENITH_CPU_OP("Where", where, None),
    ZENITH_CPU_OP("Xor", compare, None),
    // zenith-domain ops sort last, as "zenith.<op>"
    ZENITH_CPU_OP("zenith.Attention", attention, None),
    ZENITH_CPU_OP("zenith.AveragePoolGrad", pool_grad, None),
    ZENITH_CPU_OP("zenith.BatchNormGrad", batch_norm_train, None),
    ZENITH_CPU_OP("zenith.BatchNormTrain", batch_norm_train, None),
    ZENITH_CPU_OP("zenith.ConvGradInput", conv_grad, None),
    ZENITH_CPU_OP("zenith.ConvGradWeight", conv_grad, None),
    ZENITH_CPU_OP("zenith.Gelu", eltwise, None),
    ZENITH_CPU_OP("zenith.MaxPoolGrad", pool_grad, None),
    ZENITH_CPU_OP("zenith.QConv", qconv, EltwiseSumAndQuantize),
    ZENITH_CPU_OP("zenith.QMatMul", qmatmul, EltwiseAndQuantize),
    ZENITH_CPU_OP("zenith.ReluGrad", relu_grad, None),
    ZENITH_CPU_OP("zenith.Swish", eltwise, None),
};

#undef ZENITH_CPU_OP

// A scalar f32 initializer's value, or `fallback` when the input is absent; nullopt when the
// input is present but not such a constant.
std::optional<float> constant_scalar(const ir::Graph& graph, const ir::Node& node, size_t i,
                                     float fallback) {
  if (!node.has_input(i)) return fallback;
  auto it = graph.initializers.find(node.inputs[i]);
  if (it == graph.initializers.end() || it->second.dtype() != ir::DType::F32 ||
      it->second.numel() != 1)
    return std::nullopt;
  return *it->second.data<float>();
}

}  // namespace

ir::DType declared_dtype(const ir::Graph& graph, const std::string& name) {
  if (auto it = graph.initializers.find(name); it != graph.initializers.end())
    return it->second.dtype();
  for (const ir::ValueInfo& v : graph.inputs)
    if (v.name == name) return v.type.dtype;
  if (auto it = graph.value_types.find(name); it != graph.value_types.end())
    return it->second.dtype;
  return ir::DType::Undefined;
}

std::string require_f32(const ir::Graph& graph, const ir::Node& node, size_t inputs) {
  for (size_t i = 0; i < node.inputs.size() && i < inputs; ++i) {
    const std::string& name = node.inputs[i];
    if (name.empty()) continue;
    const ir::DType dtype = declared_dtype(graph, name);
    if (dtype != ir::DType::Undefined && dtype != ir::DType::F32)
      return fmt::format("input '{}' is {}; the CPU device computes in f32", name,
                         ir::dtype_name(dtype));
  }
  return "";
}

bool CpuOp::accepts(const std::vector<const CpuValue*>& inputs) const {
  return std::all_of(inputs.begin(), inputs.end(),
                     [](const CpuValue* v) { return !v || v->is_f32(); });
}

const CpuOpFactory* find_cpu_op(const ir::Node& node) {
  static_assert(std::is_sorted(kFactories.begin(), kFactories.end(),
                               [](const auto& a, const auto& b) { return a.op_type < b.op_type; }));
  const bool zenith = node.domain == "zenith";
  if (!node.domain.empty() && node.domain != "ai.onnx" && !zenith) return nullptr;
  const std::string key = zenith ? "zenith." + node.op_type : node.op_type;
  auto it =
      std::lower_bound(kFactories.begin(), kFactories.end(), key,
                       [](const CpuOpFactory& f, const std::string& op) { return f.op_type < op; });
  return it != kFactories.end() && it->op_type == key ? &*it : nullptr;
}

std::vector<Eltwise> eltwise_of(const ir::Graph& graph, const ir::Node& node) {
  using a = dnnl::algorithm;
  const std::string& op = node.op_type;
  if (node.domain == "zenith" && op == "Gelu")
    return {Eltwise{node.attr<std::string>("approximate", "none") == "tanh" ? a::eltwise_gelu_tanh
                                                                            : a::eltwise_gelu_erf}};
  if (node.domain == "zenith" && op == "Swish")
    return {Eltwise{a::eltwise_swish, node.attr<float>("alpha", 1.0f)}};
  if (!node.domain.empty() && node.domain != "ai.onnx") return {};
  if (op == "Relu") return {Eltwise{a::eltwise_relu}};
  if (op == "LeakyRelu") return {Eltwise{a::eltwise_relu, node.attr<float>("alpha", 0.01f)}};
  if (op == "Sigmoid") return {Eltwise{a::eltwise_logistic}};
  if (op == "Tanh") return {Eltwise{a::eltwise_tanh}};
  if (op == "Elu") return {Eltwise{a::eltwise_elu, node.attr<float>("alpha", 1.0f)}};
  if (op == "Exp") return {Eltwise{a::eltwise_exp}};
  if (op == "Log") return {Eltwise{a::eltwise_log}};
  if (op == "Abs") return {Eltwise{a::eltwise_abs}};
  if (op == "Sqrt") return {Eltwise{a::eltwise_sqrt}};
  if (op == "Softplus") return {Eltwise{a::eltwise_soft_relu}};
  if (op == "HardSwish") return {Eltwise{a::eltwise_hardswish}};
  if (op == "HardSigmoid")  // oneDNN 2.6 has no hardsigmoid: clip(alpha * x + beta, 0, 1)
    return {
        Eltwise{a::eltwise_linear, node.attr<float>("alpha", 0.2f), node.attr<float>("beta", 0.5f)},
        Eltwise{a::eltwise_clip_v2, 0.0f, 1.0f}};
  if (op == "Neg") return {Eltwise{a::eltwise_linear, -1.0f, 0.0f}};
  if (op == "Round") return {Eltwise{a::eltwise_round}};  // half to even, as ONNX's
  if (op == "Reciprocal") return {Eltwise{a::eltwise_pow, 1.0f, -1.0f}};
  if (op == "Pow") {  // alpha * x^beta, for a constant scalar exponent only
    const auto exponent = constant_scalar(graph, node, 1, 0.0f);
    if (!exponent || !node.has_input(1)) return {};
    return {Eltwise{a::eltwise_pow, 1.0f, *exponent}};
  }
  if (op == "Clip") {
    const auto lo = constant_scalar(graph, node, 1, -std::numeric_limits<float>::infinity());
    const auto hi = constant_scalar(graph, node, 2, std::numeric_limits<float>::infinity());
    if (!lo || !hi) return {};
    return {Eltwise{a::eltwise_clip_v2, *lo, *hi}};
  }
  return {};
}

dnnl::post_ops make_post_ops(const std::vector<PostOp>& post_ops) {
  dnnl::post_ops ops;
  for (const PostOp& p : post_ops) {
    if (p.kind == PostOp::Kind::Sum && p.dtype == ir::DType::Undefined)
      ops.append_sum(p.scale);
    else if (p.kind == PostOp::Kind::Sum)
      ops.append_sum(p.scale, p.zero_point, *dnnl_type(p.dtype));
    else if (p.kind == PostOp::Kind::Depthwise)
      ops.append_dw(dnnl::memory::data_type::f32, dnnl::memory::data_type::f32,
                    dnnl::memory::data_type::f32, 3, p.stride, 1, 0, {});
    else
      ops.append_eltwise(1.0f, p.eltwise.alg, p.eltwise.alpha, p.eltwise.beta);
  }
  return ops;
}

}  // namespace zenith::cpu
