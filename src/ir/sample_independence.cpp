// sample_independence: follows axis 0 of the runtime inputs through the graph, node by node.
#include "ir/sample_independence.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include "ir/shape_inference.h"

namespace zenith::ir {
namespace {

// Every input may be batched; the others broadcast against the batched ones.
// clang-format off
const std::set<std::string_view> kPointwise = {
    "Abs", "Acos", "Add", "And", "Asin", "Atan", "Attention", "BitShift", "Cast", "Ceil", "Celu",
    "Clip", "Cos", "Cosh", "Div", "Dropout", "Elu", "Equal", "Erf", "Exp", "Floor", "Gelu",
    "Greater", "GreaterOrEqual", "HardSigmoid", "HardSwish", "Identity", "IsInf", "IsNaN",
    "LeakyRelu", "Less", "LessOrEqual", "Log", "Max", "Mean", "Min", "Mish", "Mod", "Mul", "Neg",
    "Not", "Or", "Pow", "PRelu", "Reciprocal", "Relu", "Round", "Selu", "Sigmoid", "Sign", "Sin",
    "Sinh", "Softplus", "Softsign", "Sqrt", "Sub", "Sum", "Swish", "Tan", "Tanh",
    "ThresholdedRelu", "Where", "Xor"};

// Input 0 is batched and computed within each sample; the other inputs are constants.
const std::set<std::string_view> kWithinSample = {
    "AveragePool", "BatchNormalization", "Conv", "ConvTranspose", "DepthToSpace",
    "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "InstanceNormalization", "LpPool", "LRN",
    "MaxPool", "QConv", "Resize", "SpaceToDepth", "Upsample"};

// Ops that keep each sample's elements in its own rows while axis 0 stays a multiple of the
// batch (checked on every output).
const std::set<std::string_view> kReshapes = {"Reshape", "Squeeze", "Unsqueeze", "Expand"};

const std::set<std::string_view> kReduceOps = {
    "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
    "ReduceMin", "ReduceProd", "ReduceSum", "ReduceSumSquare"};

// Ops with one axis attribute that must not be 0, and its default.
const std::map<std::string_view, int64_t> kAxisOps = {
    {"ArgMax", 0}, {"ArgMin", 0}, {"Concat", 0}, {"Flatten", 1}, {"Gather", 0}, {"Hardmax", -1},
    {"LayerNormalization", -1}, {"LogSoftmax", -1}, {"LpNormalization", -1}, {"Softmax", -1},
    {"Split", 0}, {"TopK", -1}};
// clang-format on

class Follower {
 public:
  explicit Follower(const Graph& graph) : graph_(graph), dims_(infer_shapes(graph)) {}

  SampleIndependence run() {
    SampleIndependence result;
    for (const ValueInfo* v : graph_.runtime_inputs()) {
      const Dims* d = dims(v->name);
      if (!d || d->size() == 0) return {0, fmt::format("input '{}' has no axis 0", v->name)};
      if (batch_ == 0) batch_ = (*d)[0];
      if ((*d)[0] != batch_)
        return {0, fmt::format("inputs differ in axis 0 ('{}': {})", v->name, (*d)[0])};
      batched_.insert(v->name);
    }
    if (batch_ < 2) return {batch_, "a batch of one"};
    result.batch = batch_;
    for (const Node& node : graph_.nodes) {
      if (std::none_of(node.inputs.begin(), node.inputs.end(),
                       [&](const std::string& v) { return batched_.count(v) != 0; }))
        continue;  // computed from constants only
      std::string why = check(node);
      for (const std::string& out : node.outputs) {
        if (out.empty() || !why.empty()) continue;
        if (!rows(out)) why = fmt::format("its output '{}' does not keep axis 0", out);
        batched_.insert(out);
      }
      if (!why.empty()) {
        result.reason = node.describe() + ": " + why;
        return result;
      }
    }
    for (const ValueInfo& out : graph_.outputs)
      if (!batched_.count(out.name) || !rows(out.name)) {
        result.reason = fmt::format("output '{}' is not made row by row", out.name);
        return result;
      }
    return result;
  }

 private:
  const Dims* dims(const std::string& name) const {
    auto it = dims_.find(name);
    return it == dims_.end() ? nullptr : &it->second;
  }
  bool batched(const std::string& name) const { return batched_.count(name) != 0; }
  // A value whose axis 0 holds the samples in order, each in as many rows as the others: the
  // batch, or the batch folded with another axis by a reshape (Swin's windows). Row-major
  // storage keeps each sample's elements together through any reshape that keeps this.
  bool rows(const std::string& name) const {
    const Dims* d = dims(name);
    return d && d->size() > 0 && (*d)[0] > 0 && (*d)[0] % batch_ == 0;
  }
  // A constant whose rows are all alike (a class token expanded to every sample): a smaller
  // batch gets the same rows.
  bool alike_rows(const std::string& name) const {
    auto it = graph_.initializers.find(name);
    if (it == graph_.initializers.end() || it->second.dims().size() == 0) return false;
    const Tensor& t = it->second;
    const auto count = static_cast<size_t>(t.dims()[0]);
    const size_t row = count == 0 ? 0 : t.size_bytes() / count;
    for (size_t r = 1; r < count; ++r)
      if (!std::equal(t.raw(), t.raw() + row, t.raw() + r * row)) return false;
    return true;
  }
  int64_t rank(const std::string& name) const {
    const Dims* d = dims(name);
    return d ? static_cast<int64_t>(d->size()) : -1;
  }
  std::optional<std::vector<int64_t>> constant_ints(const Node& node, size_t i) const {
    if (!node.has_input(i)) return std::nullopt;
    auto it = graph_.initializers.find(node.inputs[i]);
    if (it == graph_.initializers.end()) return std::nullopt;
    const Tensor& t = it->second;
    std::vector<int64_t> values;
    if (t.dtype() == DType::I64)
      values.assign(t.data<int64_t>(), t.data<int64_t>() + t.numel());
    else if (t.dtype() == DType::I32)
      values.assign(t.data<int32_t>(), t.data<int32_t>() + t.numel());
    else
      return std::nullopt;
    return values;
  }
  static int64_t positive(int64_t axis, int64_t rank) { return axis < 0 ? axis + rank : axis; }

  // Only input 0 batched, with the batch in axis 0.
  std::string first_only(const Node& node) const {
    if (!node.has_input(0) || !batched(node.inputs[0]) || !rows(node.inputs[0]))
      return "its batched input is not its first";
    for (size_t i = 1; i < node.inputs.size(); ++i)
      if (node.has_input(i) && batched(node.inputs[i])) return "a second input is batched";
    return "";
  }

  // Batched inputs have the output's rank and the batch in axis 0; the others broadcast along
  // it (a lower rank, or 1 in axis 0).
  std::string broadcasting(const Node& node) const {
    const int64_t out_rank = rank(node.outputs[0]);
    for (const std::string& in : node.inputs) {
      if (in.empty()) continue;
      const Dims* d = dims(in);
      if (!d) return fmt::format("the shape of '{}' is unknown", in);
      const auto r = static_cast<int64_t>(d->size());
      if (batched(in)) {
        if (r != out_rank || !rows(in)) return fmt::format("'{}' broadcasts into axis 0", in);
      } else if (r == out_rank && (*d)[0] != 1 && !alike_rows(in)) {
        return fmt::format("the constant '{}' has a row per sample", in);
      }
    }
    return "";
  }

  std::string matmul(const Node& node) const {
    const std::string& a = node.inputs[0];
    const std::string& b = node.inputs[1];
    const int64_t ra = rank(a), rb = rank(b);
    if (batched(b)) {
      if (rb < 3) return "its second operand holds the batch in a matrix axis";
      if (batched(a) ? ra != rb : (ra == rb && dims(a) && (*dims(a))[0] != 1))
        return "its operands' batch axes do not line up";
      return "";
    }
    if (ra < 2) return "a vector operand";
    if (rb == ra && dims(b) && (*dims(b))[0] != 1 && !alike_rows(b))
      return "the constant operand has a row per sample";
    return "";
  }

  std::string reduction(const Node& node) const {
    std::optional<std::vector<int64_t>> axes;
    if (node.has_attr("axes"))
      axes = node.attr<std::vector<int64_t>>("axes");
    else if (node.has_input(1))
      axes = constant_ints(node, 1);
    if (!axes) return node.has_input(1) ? "its axes are not a constant" : "it reduces every axis";
    if (axes->empty())
      return node.attr<int64_t>("noop_with_empty_axes", 0) ? "" : "it reduces every axis";
    const int64_t r = rank(node.inputs[0]);
    for (int64_t a : *axes)
      if (positive(a, r) == 0) return "it reduces over axis 0";
    return "";
  }

  std::string axis_op(const Node& node, int64_t fallback) const {
    const int64_t axis = positive(node.attr<int64_t>("axis", fallback), rank(node.inputs[0]));
    if (node.op_type == "Gather") {
      const bool data = batched(node.inputs[0]), indices = batched(node.inputs[1]);
      if (data && indices) return "both data and indices are batched";
      if (indices) return axis == 0 ? "" : "batched indices into a constant's inner axis";
      return axis == 0 ? "it gathers along axis 0" : "";
    }
    if (axis == 0) return "it works along axis 0";
    if (node.op_type == "Concat") {
      for (const std::string& in : node.inputs)
        if (!batched(in) && !alike_rows(in))
          return fmt::format("it joins the constant '{}' to each sample", in);
      return "";
    }
    return first_only(node);
  }

  std::string slice(const Node& node) const {
    std::string why = first_only(node);
    if (!why.empty()) return why;
    const std::optional<std::vector<int64_t>> starts = constant_ints(node, 1),
                                              ends = constant_ints(node, 2);
    if (!starts || !ends) return "its bounds are not constants";
    std::vector<int64_t> axes(starts->size());
    for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
    if (node.has_input(3)) {
      const std::optional<std::vector<int64_t>> given = constant_ints(node, 3);
      if (!given) return "its axes are not a constant";
      axes = *given;
    }
    const std::optional<std::vector<int64_t>> steps = constant_ints(node, 4);
    if (node.has_input(4) && !steps) return "its steps are not a constant";
    const int64_t r = rank(node.inputs[0]);
    for (size_t i = 0; i < axes.size() && i < starts->size() && i < ends->size(); ++i) {
      if (positive(axes[i], r) != 0) continue;
      const int64_t dim0 = (*dims(node.inputs[0]))[0];
      const bool whole = ((*starts)[i] == 0 || (*starts)[i] <= -dim0) && (*ends)[i] >= dim0 &&
                         (!steps || (*steps)[i] == 1);
      if (!whole) return "it slices axis 0";
    }
    return "";
  }

  std::string check(const Node& node) const {
    const std::string_view op = node.op_type;
    if (!node.domain.empty() && node.domain != "ai.onnx" && node.domain != "zenith")
      return "no rule for this op";
    if (kPointwise.count(op)) return broadcasting(node);
    if (op == "BatchNormalization" && node.attr<int64_t>("training_mode", 0) != 0)
      return "batch statistics";
    if (op == "Pad") {
      const std::optional<std::vector<int64_t>> pads = constant_ints(node, 1);
      const auto r = static_cast<size_t>(rank(node.inputs[0]));
      if (!pads || pads->size() != 2 * r || (*pads)[0] != 0 || (*pads)[r] != 0)
        return "it may pad axis 0";
      return first_only(node);
    }
    if (kWithinSample.count(op)) return first_only(node);
    if (op == "Gemm")
      return node.attr<int64_t>("transA", 0) != 0 ? "A is transposed" : first_only(node);
    if (op == "MatMul" || op == "QMatMul") return matmul(node);
    if (kReshapes.count(op)) {
      return first_only(node);
    }
    if (op == "Transpose") {
      const auto perm = node.attr<std::vector<int64_t>>("perm", {});
      if (perm.empty() ? rank(node.inputs[0]) > 1 : perm[0] != 0) return "it moves axis 0";
      return first_only(node);
    }
    if (op == "Tile") {
      const std::optional<std::vector<int64_t>> repeats = constant_ints(node, 1);
      if (!repeats || repeats->empty() || (*repeats)[0] != 1) return "it may repeat axis 0";
      return first_only(node);
    }
    if (kReduceOps.count(op)) {
      std::string why = first_only(node);
      return why.empty() ? reduction(node) : why;
    }
    if (op == "Slice") return slice(node);
    if (auto it = kAxisOps.find(op); it != kAxisOps.end()) return axis_op(node, it->second);
    return "no rule for this op";
  }

  const Graph& graph_;
  std::map<std::string, Dims> dims_;
  std::set<std::string> batched_;
  int64_t batch_ = 0;
};

}  // namespace

SampleIndependence sample_independence(const Graph& graph) { return Follower(graph).run(); }

}  // namespace zenith::ir
