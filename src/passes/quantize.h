// INT8 quantization in ONNX's QDQ form: QuantizeLinear/DequantizeLinear pairs around what each
// quantized node reads, as ONNX Runtime's and OpenVINO's tools write it, so a quantized graph is
// still a standard ONNX graph: REF runs it as written (the oracle), other runtimes read it, and
// a device recognizes the pattern to run the node on integer kernels.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "passes/pass_util.h"

namespace zenith::passes {

// The range calibration measured for one activation: its smallest value and the magnitude it is
// clipped to. A value never below 0 is quantized to u8 over [0, threshold], others to s8 over
// [-threshold, threshold]; zero points are 0 (symmetric).
struct ActivationRange {
  float min = 0;
  float threshold = 0;
};

// The nodes quantize_qdq would quantize: f32 Conv, Gemm and MatMul whose weight (Conv's W,
// Gemm's and MatMul's B) is a constant, by node name, in graph order.
std::vector<std::string> quantizable_nodes(const ir::Graph& graph);

// The activations those nodes read (Conv's X, Gemm's A, MatMul's A), the values integer steps
// write that a concatenation quantize_qdq keeps integer reads, and the inputs of the average
// pools it runs on integers: what calibration measures.
std::vector<std::string> quantized_activations(const ir::Graph& graph,
                                               const std::set<std::string>& nodes);

// Quantizes the named nodes (a subset of quantizable_nodes): each activation input gets one
// QuantizeLinear -> DequantizeLinear pair (shared by its readers) with the scale from `ranges`
// (threshold / 255 for u8, / 127 for s8); each weight becomes an s8 initializer with one scale
// per output channel (max |w| / 127) read through DequantizeLinear along that axis; a bias
// (Conv's B, Gemm's 1-D C) becomes i32 with scale = activation scale * weight scale, as QDQ
// tools write it. A residual Add of a quantized node's output and an activation quantized for
// another reader reads that activation's DequantizeLinear output too (counted under "residual
// Add"). A Concat whose output goes, through BatchNormalization, Relu and pooling only, to
// nothing but quantized nodes (DenseNet's dense layers and transitions) reads the inputs that
// quantized nodes produce (or a Relu or MaxPool after one) through their own pairs too
// ("integer Concat"), so the concatenation and what follows it read integers. A MaxPool whose
// output is quantized and whose input such a step writes reads its input through a pair with
// its output's scale ("integer MaxPool"): a max pool commutes with quantizing at one scale, so
// the result is the same and the pool can run on the integers. An AveragePool whose output is
// quantized and whose input a Relu, a BatchNormalization or such a step writes reads its input
// through a pair of its own ("integer AveragePool"; the input is then one of the calibrated
// activations). Throws InvalidArgument naming the node if an activation has no range.
ChangeCounts quantize_qdq(ir::Graph& graph, const std::set<std::string>& nodes,
                          const std::map<std::string, ActivationRange>& ranges);

}  // namespace zenith::passes
