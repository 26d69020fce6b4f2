// The CPU device's op families; cpu_op.cpp lists them in one sorted table.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "devices/cpu/cpu_op.h"

namespace zenith::cpu {

#define ZENITH_CPU_OP_FAMILY(name)                                           \
  std::string supports_##name(const ir::Graph& graph, const ir::Node& node); \
  std::unique_ptr<CpuOp> build_##name(const ir::Graph& graph, const StepSpec& spec);

ZENITH_CPU_OP_FAMILY(attention)
ZENITH_CPU_OP_FAMILY(batch_norm)
ZENITH_CPU_OP_FAMILY(batch_norm_train)
ZENITH_CPU_OP_FAMILY(binary)
ZENITH_CPU_OP_FAMILY(cast)
ZENITH_CPU_OP_FAMILY(compare)
ZENITH_CPU_OP_FAMILY(concat)
ZENITH_CPU_OP_FAMILY(constant_of_shape)
ZENITH_CPU_OP_FAMILY(conv)
ZENITH_CPU_OP_FAMILY(conv_grad)
ZENITH_CPU_OP_FAMILY(conv_transpose)
ZENITH_CPU_OP_FAMILY(eltwise)
ZENITH_CPU_OP_FAMILY(erf)
ZENITH_CPU_OP_FAMILY(expand)
ZENITH_CPU_OP_FAMILY(gather)
ZENITH_CPU_OP_FAMILY(instance_norm)
ZENITH_CPU_OP_FAMILY(layer_norm)
ZENITH_CPU_OP_FAMILY(lrn)
ZENITH_CPU_OP_FAMILY(matmul)
ZENITH_CPU_OP_FAMILY(pad)
ZENITH_CPU_OP_FAMILY(pool)
ZENITH_CPU_OP_FAMILY(pool_grad)
ZENITH_CPU_OP_FAMILY(qconv)
ZENITH_CPU_OP_FAMILY(qmatmul)
ZENITH_CPU_OP_FAMILY(quantize_linear)
ZENITH_CPU_OP_FAMILY(reduce)
ZENITH_CPU_OP_FAMILY(relu_grad)
ZENITH_CPU_OP_FAMILY(reshape)
ZENITH_CPU_OP_FAMILY(resize)
ZENITH_CPU_OP_FAMILY(rnn)
ZENITH_CPU_OP_FAMILY(roi_align)
ZENITH_CPU_OP_FAMILY(scatter)
ZENITH_CPU_OP_FAMILY(shape)
ZENITH_CPU_OP_FAMILY(slice)
ZENITH_CPU_OP_FAMILY(softmax)
ZENITH_CPU_OP_FAMILY(transpose)
ZENITH_CPU_OP_FAMILY(variadic)
ZENITH_CPU_OP_FAMILY(where)

#undef ZENITH_CPU_OP_FAMILY

// A QuantizeLinear or DequantizeLinear as the CPU runs it: one constant scale and zero point.
struct LinearQuantization {
  float scale = 1.0f;
  ir::DType type = ir::DType::U8;  // the integer side's: U8 or I8
  int32_t zero_point = 0;
};
// Its scale, integer type and zero point, or nullopt for a per-axis scale or zero point, a scale
// that is not a positive constant, or a zero point that is not a u8 / s8 constant.
std::optional<LinearQuantization> linear_quantization(const ir::Graph& graph, const ir::Node& node);
// The linear_quantization of the DequantizeLinear that produces `value`: what a step that reads
// that node's integers in place of `value` (fusion.cpp) dequantizes. REQUIRES: there is one.
LinearQuantization dequantization_of(const ir::Graph& graph, const std::string& value);

// Per channel, y = x * scale + shift: an inference BatchNormalization folded.
struct ChannelAffine {
  std::vector<float> scale, shift;
};
// BatchNormalization `node` folded, if it is in inference mode with constant f32 parameters.
std::optional<ChannelAffine> batch_norm_affine(const ir::Graph& graph, const ir::Node& node);

// The step fusion.cpp forms of [Concat along axis 1 ->] BatchNormalization (batch_norm_affine)
// -> [Relu ->] [QuantizeLinear] (linear_quantization): the main node with the others in
// `spec.fused`, computed by one loop from the concat's inputs to integers (f32 without the
// QuantizeLinear). Where `spec.inputs[i]` is not the Concat's input i, the step reads it in
// place of the DequantizeLinear that produces that input. A concat of more inputs than
// kMaxNormalizeQuantizeInputs is not fused.
inline constexpr size_t kMaxNormalizeQuantizeInputs = 128;
std::unique_ptr<CpuOp> build_normalize_quantize(const ir::Graph& graph, const StepSpec& spec);

// The stride of `dw` if a step of Conv `conv` with post-ops `before` may take it as a depthwise
// post-op (PostOp::Kind::Depthwise): `conv` a 1x1 2-D convolution with stride 1 and no padding,
// `dw` a depthwise 3x3 one with padding 1 and stride 1 or 2, both with constant weights, and
// oneDNN has a kernel (not a reference one) for the pair whose output has `dw`'s dims. `dims`:
// the values' inferred dims.
std::optional<int64_t> depthwise_post_op_stride(const ir::Graph& graph,
                                                const std::map<std::string, ir::Dims>& dims,
                                                const ir::Node& conv,
                                                const std::vector<PostOp>& before,
                                                const ir::Node& dw);

}  // namespace zenith::cpu
