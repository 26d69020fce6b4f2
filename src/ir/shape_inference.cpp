// Static forward shape propagation: output dims of the common ops from their input dims, plus
// the values of small integer tensors (Shape -> Gather -> Concat -> Reshape chains).
#include "ir/shape_inference.h"

#include <algorithm>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string_view>

namespace zenith::ir {
namespace {

using Ints = std::vector<int64_t>;

// Raised when an input's shape or value is not known; the node's outputs stay unknown.
struct Unknown {};

// Outputs have the shape of input 0.
const std::set<std::string_view> kSameShape = {"Abs",
                                               "Acos",
                                               "Acosh",
                                               "Asin",
                                               "Asinh",
                                               "Atan",
                                               "Atanh",
                                               "BatchNormalization",
                                               "Ceil",
                                               "Celu",
                                               "Clip",
                                               "Cos",
                                               "Cosh",
                                               "DequantizeLinear",
                                               "Dropout",
                                               "Elu",
                                               "Erf",
                                               "Exp",
                                               "Floor",
                                               "Gelu",
                                               "HardSigmoid",
                                               "HardSwish",
                                               "Hardmax",
                                               "InstanceNormalization",
                                               "IsInf",
                                               "IsNaN",
                                               "LRN",
                                               "LayerNormalization",
                                               "LeakyRelu",
                                               "Log",
                                               "LogSoftmax",
                                               "MeanVarianceNormalization",
                                               "Mish",
                                               "Neg",
                                               "Not",
                                               "QuantizeLinear",
                                               "Reciprocal",
                                               "Relu",
                                               "Round",
                                               "Selu",
                                               "Shrink",
                                               "Sigmoid",
                                               "Sign",
                                               "Sin",
                                               "Sinh",
                                               "Softmax",
                                               "Softplus",
                                               "Softsign",
                                               "Sqrt",
                                               "Swish",
                                               "Tan",
                                               "Tanh",
                                               "ThresholdedRelu"};
// Outputs have the broadcast shape of all inputs.
const std::set<std::string_view> kBroadcast = {
    "Add",        "And",         "BitShift", "BitwiseAnd", "BitwiseOr",
    "BitwiseXor", "Div",         "Equal",    "Greater",    "GreaterOrEqual",
    "Less",       "LessOrEqual", "Max",      "Mean",       "Min",
    "Mod",        "Mul",         "Or",       "PRelu",      "Pow",
    "Sub",        "Sum",         "Where",    "Xor"};
const std::set<std::string_view> kPools = {"AveragePool", "LpPool", "MaxPool"};
const std::set<std::string_view> kGlobalPools = {"GlobalAveragePool", "GlobalLpPool",
                                                 "GlobalMaxPool"};
const std::set<std::string_view> kReductions = {
    "ReduceL1",   "ReduceL2",  "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
    "ReduceMean", "ReduceMin", "ReduceProd",   "ReduceSum",       "ReduceSumSquare"};

int64_t ceil_div(int64_t a, int64_t b) { return a >= 0 ? a / b + (a % b != 0) : -((-a) / b); }

// Dims of a hostile model can be near INT64_MAX; arithmetic that would overflow leaves the
// value unknown instead of invoking undefined behaviour.
int64_t add(int64_t a, int64_t b) { return __builtin_add_overflow(a, b, &a) ? throw Unknown{} : a; }
int64_t sub(int64_t a, int64_t b) { return __builtin_sub_overflow(a, b, &a) ? throw Unknown{} : a; }
int64_t mul(int64_t a, int64_t b) { return __builtin_mul_overflow(a, b, &a) ? throw Unknown{} : a; }

class ShapeInferer {
 public:
  explicit ShapeInferer(const Graph& graph) : graph_(graph) {}

  ShapeFacts run(const std::map<std::string, Dims>& overrides) {
    for (const auto& [name, tensor] : graph_.initializers) {
      dims_[name] = tensor.dims();
      const bool small_int = tensor.dtype() == DType::I64 || tensor.dtype() == DType::I32;
      if (small_int && tensor.rank() <= 1 && tensor.numel() <= 64) {
        Ints values(static_cast<size_t>(tensor.numel()));
        for (int64_t i = 0; i < tensor.numel(); ++i) values[i] = tensor.as_int64(i);
        values_[name] = std::move(values);
      }
    }
    for (const ValueInfo& input : graph_.inputs) {
      if (graph_.initializers.count(input.name)) continue;
      if (auto it = overrides.find(input.name); it != overrides.end()) {
        dims_[input.name] = it->second;
      } else if (input.type.kind == TypeInfo::Kind::Tensor && input.type.shape) {
        Dims dims;
        for (const Dim& d : *input.type.shape) dims.push_back(d.is_known() ? d.value : 1);
        dims_[input.name] = dims;
      }
    }
    for (const Node& node : graph_.nodes) {
      try {
        infer(node);
      } catch (const Unknown&) {
      } catch (const std::out_of_range&) {  // an index attribute or value past a shape's end
      } catch (const Error&) {
        // Inconsistent shapes are the runtime's to report; here they only leave values unknown.
      }
    }
    return {std::move(dims_), std::move(values_)};
  }

 private:
  const Dims& in(const Node& node, size_t i) const {
    if (!node.has_input(i)) throw Unknown{};
    auto it = dims_.find(node.inputs[i]);
    if (it == dims_.end()) throw Unknown{};
    return it->second;
  }
  const Ints& value(const Node& node, size_t i) const {
    if (!node.has_input(i)) throw Unknown{};
    auto it = values_.find(node.inputs[i]);
    if (it == values_.end()) throw Unknown{};
    return it->second;
  }
  const Ints* optional_value(const Node& node, size_t i) const {
    return node.has_input(i) ? &value(node, i) : nullptr;
  }
  void set(const Node& node, size_t i, Dims dims) {
    if (!node.has_output(i)) return;
    checked_numel(dims);
    dims_[node.outputs[i]] = std::move(dims);
  }
  void set_value(const Node& node, Ints values) {
    if (node.has_output(0)) values_[node.outputs[0]] = std::move(values);
  }

  void infer(const Node& node) {
    const std::string& op = node.op_type;
    if (node.domain == "zenith" && op == "Attention") {  // Softmax(Q @ K) @ V
      set(node, 0, matmul(matmul(in(node, 0), in(node, 1)), in(node, 2)));
      return;
    }
    if (node.domain == "zenith" && op == "QConv") {  // a Conv whose W is input 2
      set(node, 0, conv_like(node, 2));
      return;
    }
    if (node.domain == "zenith" && op == "QMatMul") {  // X @ W over X's last axis, W is input 2
      Dims w = in(node, 2);
      if (w.size() != 2) throw Unknown{};
      if (node.attr<int64_t>("transB", 0) != 0) std::swap(w[0], w[1]);
      set(node, 0, matmul(in(node, 0), w));
      return;
    }
    // The other zenith-domain ops are activations, which keep their input's shape.
    const bool zenith_activation = node.domain == "zenith" && (op == "Gelu" || op == "Swish");
    if (!node.domain.empty() && !zenith_activation) throw Unknown{};
    if (kSameShape.count(op)) {
      for (size_t i = 0; i < node.outputs.size(); ++i) set(node, i, in(node, 0));
    } else if (kBroadcast.count(op)) {
      Dims out = in(node, 0);
      for (size_t i = 1; i < node.inputs.size(); ++i) out = broadcast_dims(out, in(node, i));
      set(node, 0, out);
      fold_arithmetic(node);
    } else if (op == "Conv" || op == "ConvTranspose" || kPools.count(op)) {
      set(node, 0, conv_like(node));
      if (op == "MaxPool") set(node, 1, dims_.at(node.outputs[0]));
    } else if (kGlobalPools.count(op)) {
      Dims out = in(node, 0);
      std::fill(out.begin() + std::min<size_t>(2, out.size()), out.end(), 1);
      set(node, 0, out);
    } else if (op == "Gemm") {
      Dims a = in(node, 0), b = in(node, 1);
      if (a.size() != 2 || b.size() != 2) throw Unknown{};
      if (node.attr<int64_t>("transA", 0)) std::swap(a[0], a[1]);
      if (node.attr<int64_t>("transB", 0)) std::swap(b[0], b[1]);
      set(node, 0, {a[0], b[1]});
    } else if (op == "MatMul" || op == "MatMulInteger") {
      set(node, 0, matmul(in(node, 0), in(node, 1)));
    } else if (op == "Identity" || op == "Cast" || op == "CastLike") {
      set(node, 0, in(node, 0));
      if (auto it = values_.find(node.inputs[0]); it != values_.end()) set_value(node, it->second);
    } else if (op == "Shape") {
      infer_shape_op(node);
    } else if (op == "Flatten") {
      const Dims& x = in(node, 0);
      const auto axis = static_cast<size_t>(
          normalize_axis(node.attr<int64_t>("axis", 1), static_cast<int64_t>(x.size()) + 1));
      const auto product = [](auto first, auto last) {
        return std::accumulate(first, last, int64_t{1}, std::multiplies<>());
      };
      set(node, 0, {product(x.begin(), x.begin() + axis), product(x.begin() + axis, x.end())});
    } else if (op == "Reshape") {
      set(node, 0, reshape(node, in(node, 0), value(node, 1)));
      if (auto it = values_.find(node.inputs[0]); it != values_.end()) set_value(node, it->second);
    } else if (op == "Concat") {
      infer_concat(node);
    } else if (op == "Transpose") {
      const Dims& x = in(node, 0);
      Ints perm(x.size());
      std::iota(perm.rbegin(), perm.rend(), 0);
      perm = node.attr<Ints>("perm", perm);
      if (perm.size() != x.size()) throw Unknown{};
      Dims out;
      for (int64_t p : perm) out.push_back(x.at(static_cast<size_t>(p)));
      set(node, 0, out);
    } else if (op == "Pad") {
      infer_pad(node);
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      infer_squeeze(node);
    } else if (kReductions.count(op) || op == "ArgMax" || op == "ArgMin") {
      infer_reduce(node);
    } else if (op == "Gather") {
      infer_gather(node);
    } else if (op == "Slice") {
      infer_slice(node);
    } else if (op == "ConstantOfShape") {
      set(node, 0, value(node, 0));
    } else if (op == "Expand") {
      set(node, 0, broadcast_dims(in(node, 0), value(node, 1)));
    } else if (op == "LSTM" || op == "GRU" || op == "RNN") {
      infer_recurrent(node);
    } else {
      throw Unknown{};
    }
  }

  // Y [seq, directions, batch, hidden] and the last state(s) [directions, batch, hidden];
  // layout 1 puts batch first in each.
  void infer_recurrent(const Node& node) {
    const Dims& x = in(node, 0);
    if (x.size() != 3) throw Unknown{};
    const bool batch_first = node.attr<int64_t>("layout", 0) != 0;
    const int64_t seq = x[batch_first ? 1 : 0], batch = x[batch_first ? 0 : 1];
    const int64_t directions =
        node.attr<std::string>("direction", "forward") == "bidirectional" ? 2 : 1;
    const int64_t hidden = node.attr<int64_t>("hidden_size", 0);
    if (hidden <= 0) throw Unknown{};
    set(node, 0,
        batch_first ? Dims{batch, seq, directions, hidden} : Dims{seq, directions, batch, hidden});
    const Dims state =
        batch_first ? Dims{batch, directions, hidden} : Dims{directions, batch, hidden};
    set(node, 1, state);
    set(node, 2, state);  // LSTM's Y_c
  }

  // Conv, ConvTranspose and pools; a convolution reads W from input `weights`.
  Dims conv_like(const Node& node, size_t weights = 1) {
    const Dims& x = in(node, 0);
    if (x.size() < 3) throw Unknown{};
    const size_t spatial = x.size() - 2;
    const bool transposed = node.op_type == "ConvTranspose";
    const bool is_conv = transposed || node.op_type == "Conv" || node.op_type == "QConv";
    Ints kernel = node.attr<Ints>("kernel_shape", {});
    int64_t channels = x[1];
    if (is_conv) {
      const Dims& w = in(node, weights);
      if (w.size() != x.size()) throw Unknown{};
      if (kernel.empty()) kernel.assign(w.begin() + 2, w.end());
      channels = transposed ? w[1] * node.attr<int64_t>("group", 1) : w[0];
    }
    const Ints ones(spatial, 1);
    const Ints strides = node.attr<Ints>("strides", ones);
    const Ints dilations = node.attr<Ints>("dilations", ones);
    const Ints pads = node.attr<Ints>("pads", Ints(2 * spatial, 0));
    const Ints output_padding = node.attr<Ints>("output_padding", Ints(spatial, 0));
    const Ints output_shape = node.attr<Ints>("output_shape", {});
    const std::string auto_pad = node.attr<std::string>("auto_pad", "NOTSET");
    const bool ceil_mode = node.attr<int64_t>("ceil_mode", 0) != 0;
    if (kernel.size() != spatial || strides.size() != spatial || dilations.size() != spatial ||
        pads.size() != 2 * spatial || output_padding.size() != spatial)
      throw Unknown{};
    Dims out = {x[0], channels};
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t in_size = x[i + 2], s = strides[i];
      if (s <= 0 || kernel[i] <= 0 || dilations[i] <= 0) throw Unknown{};
      const int64_t extent = add(mul(kernel[i] - 1, dilations[i]), 1);
      const bool same = auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER";
      const int64_t pad = auto_pad == "NOTSET" ? add(pads[i], pads[i + spatial]) : 0;
      if (node.op_type == "ConvTranspose") {
        out.push_back(!output_shape.empty() ? output_shape.at(i)
                      : same                ? mul(in_size, s)
                             : add(add(mul(s, in_size - 1), output_padding[i]), sub(extent, pad)));
      } else if (same) {
        out.push_back(ceil_div(in_size, s));
      } else {
        const int64_t span = sub(add(in_size, pad), extent);
        if (span < 0) throw Unknown{};
        int64_t n = (ceil_mode ? ceil_div(span, s) : span / s) + 1;
        // A ceil-mode window must start inside the input or its left padding.
        if (ceil_mode && (n - 1) * s >= in_size + (auto_pad == "NOTSET" ? pads[i] : 0)) --n;
        out.push_back(n);
      }
    }
    return out;
  }

  static Dims matmul(Dims a, Dims b) {
    if (a.empty() || b.empty()) throw Unknown{};
    const bool vec_a = a.size() == 1, vec_b = b.size() == 1;
    if (vec_a) a.insert(a.begin(), 1);
    if (vec_b) b.push_back(1);
    if (a.back() != b[b.size() - 2]) throw Unknown{};
    Dims out = broadcast_dims(Dims(a.begin(), a.end() - 2), Dims(b.begin(), b.end() - 2));
    if (!vec_a) out.push_back(a[a.size() - 2]);
    if (!vec_b) out.push_back(b.back());
    return out;
  }

  static Dims reshape(const Node& node, const Dims& x, const Ints& shape) {
    const bool allow_zero = node.attr<int64_t>("allowzero", 0) != 0;
    Dims out(shape.size());
    int64_t known = 1, infer_at = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      out[i] = shape[i] == 0 && !allow_zero ? x.at(i) : shape[i];
      if (out[i] < -1) throw Unknown{};
      if (out[i] == -1) {
        if (infer_at >= 0) throw Unknown{};
        infer_at = static_cast<int64_t>(i);
      } else {
        known = mul(known, out[i]);
      }
    }
    const int64_t total = checked_numel(x);
    if (infer_at >= 0) {
      if (known <= 0 || total % known) throw Unknown{};
      out[static_cast<size_t>(infer_at)] = total / known;
    }
    if (checked_numel(out) != total) throw Unknown{};
    return out;
  }

  void infer_shape_op(const Node& node) {
    const Dims& x = in(node, 0);
    const auto rank = static_cast<int64_t>(x.size());
    auto clamp = [&](int64_t v) { return std::clamp(v < 0 ? v + rank : v, int64_t{0}, rank); };
    const int64_t start = clamp(node.attr<int64_t>("start", 0));
    const int64_t end = clamp(node.attr<int64_t>("end", rank));
    const Ints values(x.begin() + start, x.begin() + std::max(start, end));
    set(node, 0, {static_cast<int64_t>(values.size())});
    set_value(node, values);
  }

  void infer_concat(const Node& node) {
    Dims out = in(node, 0);
    const auto axis = static_cast<size_t>(
        normalize_axis(node.attr<int64_t>("axis"), static_cast<int64_t>(out.size())));
    for (size_t i = 1; i < node.inputs.size(); ++i) {
      const Dims& x = in(node, i);
      if (x.size() != out.size()) throw Unknown{};
      out[axis] = add(out[axis], x[axis]);
    }
    set(node, 0, out);
    Ints values;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      auto it = values_.find(node.inputs[i]);
      if (it == values_.end()) return;
      values.insert(values.end(), it->second.begin(), it->second.end());
    }
    set_value(node, values);
  }

  void infer_pad(const Node& node) {
    Dims out = in(node, 0);
    const Ints& pads = value(node, 1);
    const auto rank = static_cast<int64_t>(out.size());
    Ints axes(out.size());
    std::iota(axes.begin(), axes.end(), 0);
    if (const Ints* given = optional_value(node, 3)) axes = *given;
    if (pads.size() != 2 * axes.size()) throw Unknown{};
    for (size_t i = 0; i < axes.size(); ++i) {
      const auto axis = static_cast<size_t>(normalize_axis(axes[i], rank));
      out[axis] = add(out[axis], add(pads[i], pads[i + axes.size()]));
    }
    set(node, 0, out);
  }

  void infer_squeeze(const Node& node) {
    Dims x = in(node, 0);
    const Ints* axes = optional_value(node, 1);
    if (node.op_type == "Unsqueeze") {
      if (!axes) throw Unknown{};
      const auto rank = static_cast<int64_t>(x.size() + axes->size());
      Ints sorted;
      for (int64_t a : *axes) sorted.push_back(normalize_axis(a, rank));
      std::sort(sorted.begin(), sorted.end());
      for (int64_t a : sorted) x.insert(x.begin() + std::min<int64_t>(a, x.size()), 1);
    } else {
      Dims kept;
      for (size_t i = 0; i < x.size(); ++i) {
        bool drop = !axes && x[i] == 1;
        for (size_t j = 0; axes && j < axes->size(); ++j)
          drop |=
              normalize_axis((*axes)[j], static_cast<int64_t>(x.size())) == static_cast<int64_t>(i);
        if (!drop) kept.push_back(x[i]);
      }
      x = kept;
    }
    set(node, 0, x);
    if (auto it = values_.find(node.inputs[0]); it != values_.end()) set_value(node, it->second);
  }

  void infer_reduce(const Node& node) {
    const Dims& x = in(node, 0);
    const auto rank = static_cast<int64_t>(x.size());
    const bool keep = node.attr<int64_t>("keepdims", 1) != 0;
    Ints axes;
    if (node.op_type == "ArgMax" || node.op_type == "ArgMin") {
      axes = {node.attr<int64_t>("axis", 0)};
    } else if (const Ints* given = optional_value(node, 1)) {
      axes = *given;
    } else {
      axes = node.attr<Ints>("axes", {});
    }
    if (axes.empty() && node.attr<int64_t>("noop_with_empty_axes", 0)) return set(node, 0, x);
    std::set<int64_t> reduced;
    for (int64_t a : axes) reduced.insert(normalize_axis(a, rank));
    Dims out;
    for (int64_t i = 0; i < rank; ++i) {
      const bool r = axes.empty() || reduced.count(i);
      if (!r)
        out.push_back(x[i]);
      else if (keep)
        out.push_back(1);
    }
    set(node, 0, out);
  }

  void infer_gather(const Node& node) {
    const Dims& x = in(node, 0);
    const Dims& indices = in(node, 1);
    const auto axis = static_cast<size_t>(
        normalize_axis(node.attr<int64_t>("axis", 0), static_cast<int64_t>(x.size())));
    Dims out(x.begin(), x.begin() + axis);
    out.insert(out.end(), indices.begin(), indices.end());
    out.insert(out.end(), x.begin() + axis + 1, x.end());
    set(node, 0, out);
    auto data = values_.find(node.inputs[0]);
    auto index = values_.find(node.inputs[1]);
    if (x.size() != 1 || data == values_.end() || index == values_.end()) return;
    Ints values;
    for (int64_t i : index->second)
      values.push_back(data->second.at(static_cast<size_t>(normalize_axis(i, x[0]))));
    set_value(node, values);
  }

  // Slice with known starts/ends (and axes/steps), clamped as ONNX clamps them.
  void infer_slice(const Node& node) {
    Dims out = in(node, 0);
    const Ints& starts = value(node, 1);
    const Ints& ends = value(node, 2);
    const auto rank = static_cast<int64_t>(out.size());
    Ints axes(starts.size());
    std::iota(axes.begin(), axes.end(), 0);
    if (const Ints* given = optional_value(node, 3)) axes = *given;
    Ints steps(starts.size(), 1);
    if (const Ints* given = optional_value(node, 4)) steps = *given;
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size())
      throw Unknown{};
    std::vector<std::pair<int64_t, int64_t>> ranges(out.size());  // first, step per axis
    for (size_t d = 0; d < out.size(); ++d) ranges[d] = {0, 1};
    for (size_t i = 0; i < starts.size(); ++i) {
      const auto axis = static_cast<size_t>(normalize_axis(axes[i], rank));
      const int64_t n = out[axis], step = steps[i];
      if (step == 0) throw Unknown{};
      const auto bound = [&](int64_t v, int64_t lo, int64_t hi) {
        return std::clamp(v < 0 ? add(v, n) : v, lo, hi);
      };
      const int64_t first = step > 0 ? bound(starts[i], 0, n) : bound(starts[i], 0, n - 1);
      const int64_t last = step > 0 ? bound(ends[i], 0, n) : bound(ends[i], -1, n - 1);
      const int64_t span = step > 0 ? last - first : first - last;
      const int64_t size = span <= 0 ? 0 : (span + std::abs(step) - 1) / std::abs(step);
      out[axis] = size;
      ranges[axis] = {first, step};
    }
    set(node, 0, out);
    auto it = values_.find(node.inputs[0]);
    if (it == values_.end() || out.size() != 1) return;
    Ints values;
    for (int64_t k = 0; k < out[0]; ++k)
      values.push_back(it->second.at(static_cast<size_t>(ranges[0].first + k * ranges[0].second)));
    set_value(node, values);
  }

  // Integer arithmetic on known shape values (e.g. batch * channels before a Reshape).
  void fold_arithmetic(const Node& node) {
    static const std::set<std::string_view> kFoldable = {"Add", "Sub", "Mul", "Div"};
    if (!kFoldable.count(node.op_type) || node.inputs.size() != 2) return;
    auto a = values_.find(node.inputs[0]), b = values_.find(node.inputs[1]);
    if (a == values_.end() || b == values_.end()) return;
    const Ints& x = a->second;
    const Ints& y = b->second;
    const size_t n = std::max(x.size(), y.size());
    if ((x.size() != n && x.size() != 1) || (y.size() != n && y.size() != 1)) return;
    Ints out(n);
    for (size_t i = 0; i < n; ++i) {
      const int64_t p = x[x.size() == 1 ? 0 : i], q = y[y.size() == 1 ? 0 : i];
      if (node.op_type == "Div" && (q == 0 || (q == -1 && p == INT64_MIN))) return;
      out[i] = node.op_type == "Add"   ? add(p, q)
               : node.op_type == "Sub" ? sub(p, q)
               : node.op_type == "Mul" ? mul(p, q)
                                       : p / q;
    }
    set_value(node, out);
  }

  const Graph& graph_;
  std::map<std::string, Dims> dims_;
  std::map<std::string, Ints> values_;
};

}  // namespace

std::map<std::string, Dims> infer_shapes(const Graph& graph,
                                         const std::map<std::string, Dims>& overrides) {
  return ShapeInferer(graph).run(overrides).dims;
}

ShapeFacts infer_shape_facts(const Graph& graph, const std::map<std::string, Dims>& overrides) {
  return ShapeInferer(graph).run(overrides);
}

}  // namespace zenith::ir
