// LSTM and GRU on oneDNN's RNN primitives (lstm_forward; GRU as gru_forward, or lbr_gru_forward
// when linear_before_reset=1), forward, reverse and bidirectional, with initial states and all
// of ONNX's outputs (Y, Y_h, Y_c). Constant weights are rearranged into oneDNN's gate order once,
// when the step is built, and packed once per primitive. Layout 1 (batch first) is oneDNN's ntc
// for X and Y; its states take a reorder. LSTM and linear-before-reset GRU layers may run our own
// kernel instead (rnn_layer.h), on the same buffers, when it is the faster.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "devices/cpu/arena.h"
#include "devices/cpu/kernel_trace.h"
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/ops/rnn_layer.h"
#include "ir/errors.h"

namespace zenith::cpu {
namespace {

using dnnl::memory;
using tag = memory::format_tag;

enum class Cell { Lstm, Gru, LbrGru };

// ONNX's inputs: X, W, R, B, sequence_lens, initial_h, initial_c (LSTM), P (LSTM).
constexpr size_t kW = 1, kR = 2, kB = 3, kSequenceLens = 4, kInitialH = 5, kInitialC = 6, kP = 7;

Cell cell_of(const ir::Node& node) {
  if (node.op_type == "LSTM") return Cell::Lstm;
  return node.attr<int64_t>("linear_before_reset", 0) != 0 ? Cell::LbrGru : Cell::Gru;
}

int64_t num_gates(Cell cell) { return cell == Cell::Lstm ? 4 : 3; }

// For each of oneDNN's gates, the ONNX gate it is: oneDNN orders LSTM gates i, f, c, o and ONNX
// i, o, f, c; GRU gates are z (update), r, h in both.
const std::vector<int64_t>& onnx_gate_of(Cell cell) {
  static const std::vector<int64_t> lstm = {0, 2, 3, 1}, gru = {0, 1, 2};
  return cell == Cell::Lstm ? lstm : gru;
}

int64_t num_directions(const ir::Node& node) {
  return node.attr<std::string>("direction", "forward") == "bidirectional" ? 2 : 1;
}

dnnl::rnn_direction direction_of(const ir::Node& node) {
  const std::string d = node.attr<std::string>("direction", "forward");
  return d == "bidirectional" ? dnnl::rnn_direction::bidirectional_concat
         : d == "reverse"     ? dnnl::rnn_direction::unidirectional_right2left
                              : dnnl::rnn_direction::unidirectional_left2right;
}

// ONNX's W [dirs, gates * hidden, inputs] (or R) as oneDNN's plain ldigo
// [1, dirs, inputs, gates, hidden], gates in oneDNN's order.
std::vector<float> to_ldigo(const ir::Tensor& w, Cell cell, int64_t hidden) {
  const int64_t dirs = w.dim(0), gates = num_gates(cell), inputs = w.dim(2);
  const float* src = w.data<float>();
  std::vector<float> out(static_cast<size_t>(w.numel()));
  for (int64_t d = 0; d < dirs; ++d)
    for (int64_t g = 0; g < gates; ++g) {
      const float* rows = src + (d * gates + onnx_gate_of(cell)[g]) * hidden * inputs;
      for (int64_t o = 0; o < hidden; ++o)
        for (int64_t i = 0; i < inputs; ++i)
          out[(((d * inputs + i) * gates + g) * hidden) + o] = rows[o * inputs + i];
    }
  return out;
}

// ONNX's B [dirs, 2 * gates * hidden] (Wb then Rb; zeros when absent) as oneDNN's ldgo bias
// [1, dirs, gates', hidden]: Wb + Rb per gate, except that linear-before-reset GRU keeps the
// candidate gate's Rb apart, as a fourth gate, since it is added before the reset gate scales
// the recurrent part.
std::vector<float> to_ldgo(const ir::Tensor* b, Cell cell, int64_t dirs, int64_t hidden) {
  const int64_t gates = num_gates(cell), out_gates = cell == Cell::LbrGru ? 4 : gates;
  std::vector<float> out(static_cast<size_t>(dirs * out_gates * hidden), 0.0f);
  if (!b) return out;
  for (int64_t d = 0; d < dirs; ++d) {
    const float* wb = b->data<float>() + d * 2 * gates * hidden;
    const float* rb = wb + gates * hidden;
    float* dst = out.data() + d * out_gates * hidden;
    for (int64_t g = 0; g < gates; ++g) {
      const int64_t from = onnx_gate_of(cell)[g];
      const bool split = cell == Cell::LbrGru && g == 2;
      for (int64_t k = 0; k < hidden; ++k) {
        dst[g * hidden + k] = wb[from * hidden + k] + (split ? 0.0f : rb[from * hidden + k]);
        if (split) dst[3 * hidden + k] = rb[from * hidden + k];
      }
    }
  }
  return out;
}

struct RnnEntry {
  dnnl::primitive primitive;
  memory weights_layer, weights_iter;  // packed for this primitive
  std::shared_ptr<const RnnLayer> own;  // our own kernel, run instead of `primitive`
};

// The memory of argument `id` in `args`, or nullptr when it is not there.
template <typename T>
T* data_of(ExecArgs& args, int id) {
  for (size_t i = 0; i < args.size(); ++i)
    if (args.id(i) == id && args.memory(i))
      return static_cast<T*>(args.memory(i).get_data_handle());
  return nullptr;
}

// Which kernel an LSTM or linear-before-reset GRU runs (own_kernel_choice).
OwnKernel rnn_kernel() {
  static const OwnKernel kernel = own_kernel_choice("ZENITH_CPU_RNN");
  return kernel;
}

// The fastest of two runs of `run`, after one that warms it up (oneDNN builds its kernels then).
template <typename Run>
double fastest_ms(const Run& run) {
  run();
  double best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 2; ++i) {
    const auto start = std::chrono::steady_clock::now();
    run();
    best = std::min(
        best, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count());
  }
  return best;
}

// True if `entry.own` runs the layer faster than `entry.primitive` (built from `pd`), both timed
// on zeros in buffers of their own.
bool own_is_faster(const dnnl::rnn_primitive_desc_base& pd, const RnnEntry& entry,
                   dnnl::stream& stream) {
  const OutsideRunArena outside;
  const KernelTrace timing_runs;  // keeps their kernels out of the step's profile
  std::unordered_map<int, memory> args = {{DNNL_ARG_WEIGHTS_LAYER, entry.weights_layer},
                                          {DNNL_ARG_WEIGHTS_ITER, entry.weights_iter}};
  const std::pair<int, memory::desc> buffers[] = {
      {DNNL_ARG_SRC_LAYER, pd.src_layer_desc()},   {DNNL_ARG_SRC_ITER, pd.src_iter_desc()},
      {DNNL_ARG_SRC_ITER_C, pd.src_iter_c_desc()}, {DNNL_ARG_BIAS, pd.bias_desc()},
      {DNNL_ARG_DST_LAYER, pd.dst_layer_desc()},   {DNNL_ARG_DST_ITER, pd.dst_iter_desc()},
      {DNNL_ARG_DST_ITER_C, pd.dst_iter_c_desc()}, {DNNL_ARG_SCRATCHPAD, pd.scratchpad_desc()}};
  for (const auto& [arg, desc] : buffers) {
    if (desc.is_zero()) continue;
    args[arg] = memory(desc, engine());
    std::memset(args[arg].get_data_handle(), 0, desc.get_size());
  }
  const double onednn = fastest_ms([&] {
    entry.primitive.execute(stream, args);
    stream.wait();
  });
  const auto data = [&](int arg) {
    const auto it = args.find(arg);  // GRU has no cell state
    return it == args.end() ? nullptr : static_cast<float*>(it->second.get_data_handle());
  };
  const RnnIo io = {.x = data(DNNL_ARG_SRC_LAYER),
                    .h0 = nullptr,
                    .c0 = nullptr,
                    .y = data(DNNL_ARG_DST_LAYER),
                    .h_n = data(DNNL_ARG_DST_ITER),
                    .c_n = data(DNNL_ARG_DST_ITER_C)};
  return fastest_ms([&] { entry.own->run(io, stream); }) < onednn;
}

class RnnOp : public CpuOp {
 public:
  RnnOp(const ir::Graph& graph, const ir::Node& node)
      : node_(node),
        cell_(cell_of(node)),
        dirs_(num_directions(node)),
        hidden_(node.attr<int64_t>("hidden_size")),
        batch_first_(node.attr<int64_t>("layout", 0) != 0) {
    const ir::Tensor& w = graph.initializers.at(node.inputs[kW]);
    const ir::Tensor& r = graph.initializers.at(node.inputs[kR]);
    input_size_ = w.dim(2);
    w_ldigo_ = to_ldigo(w, cell_, hidden_);
    r_ldigo_ = to_ldigo(r, cell_, hidden_);
    const ir::Tensor* b = node.has_input(kB) ? &graph.initializers.at(node.inputs[kB]) : nullptr;
    bias_ = to_ldgo(b, cell_, dirs_, hidden_);
    if (node.has_input(kSequenceLens)) {
      const ir::Tensor& lens = graph.initializers.at(node.inputs[kSequenceLens]);
      sequence_lens_.assign(lens.data<int32_t>(), lens.data<int32_t>() + lens.numel());
    }
  }

  bool accepts(const std::vector<const CpuValue*>& in) const override {
    const ir::Dims x = in[0]->dims();
    if (!in[0]->is_f32() || x.size() != 3 || x[2] != input_size_) return false;
    const int64_t steps = batch_first_ ? x[1] : x[0], batch = batch_first_ ? x[0] : x[1];
    // oneDNN runs every sequence to the end: shorter ones are REF's (equal lengths shorter than
    // X are only seen here).
    if (!std::all_of(sequence_lens_.begin(), sequence_lens_.end(),
                     [&](int64_t len) { return len == steps; }))
      return false;
    const ir::Dims state =
        batch_first_ ? ir::Dims{batch, dirs_, hidden_} : ir::Dims{dirs_, batch, hidden_};
    for (size_t i : {kInitialH, kInitialC})
      if (i < in.size() && in[i] && (!in[i]->is_f32() || in[i]->dims() != state)) return false;
    return true;
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const ir::Dims x = in[0]->dims();
    const int64_t steps = batch_first_ ? x[1] : x[0], batch = batch_first_ ? x[0] : x[1];
    auto entry = cache_.get({in[0]->desc()}, [&] { return build(steps, batch, stream); });

    ir::Tensor keep[3];
    CpuValue temps[4];  // layout 1's states in oneDNN's layout
    size_t temp_count = 0;
    ExecArgs args = {
        {DNNL_ARG_SRC_LAYER, run_view(layer_desc(steps, batch, input_size_),
                                      plain_view(*in[0], x, stream, keep[0]).get_data_handle())},
        {DNNL_ARG_WEIGHTS_LAYER, entry->weights_layer},
        {DNNL_ARG_WEIGHTS_ITER, entry->weights_iter},
        {DNNL_ARG_BIAS, run_view(tagged_desc({1, dirs_, bias_gates(), hidden_}, tag::ldgo),
                                 const_cast<float*>(bias_.data()))}};
    const std::pair<size_t, int> initial[] = {{kInitialH, DNNL_ARG_SRC_ITER},
                                              {kInitialC, DNNL_ARG_SRC_ITER_C}};
    for (const auto& [i, arg] : initial) {
      if (!node_.has_input(i) || (i == kInitialC && cell_ != Cell::Lstm)) continue;
      const memory onnx =
          run_view(onnx_state_desc(batch),
                   plain_view(*in[i], stream, keep[i - kInitialH + 1]).get_data_handle());
      args[arg] = batch_first_ ? (temps[temp_count++] = allocate(state_desc(batch))).mem : onnx;
      if (batch_first_) reorder(onnx, args[arg], stream);
    }

    // Y is [seq, dirs, batch, hidden] (layout 1: [batch, seq, dirs, hidden]); oneDNN writes
    // [seq, batch, dirs * hidden] (in ntc: [batch, seq, dirs * hidden]), the same bytes but for
    // two directions in layout 0.
    const bool y_direct = batch_first_ || dirs_ == 1;
    CpuValue y = allocate(plain_desc(batch_first_ ? ir::Dims{batch, steps, dirs_, hidden_}
                                                  : ir::Dims{steps, dirs_, batch, hidden_}));
    const memory::desc dst_layer = layer_desc(steps, batch, dirs_ * hidden_);
    const CpuValue layer = y_direct ? CpuValue() : allocate(dst_layer);
    args[DNNL_ARG_DST_LAYER] = y_direct ? run_view(dst_layer, y.mem.get_data_handle()) : layer.mem;
    // Y_h and Y_c: oneDNN's ldnc is ONNX's layout 0; layout 1 takes a reorder.
    StepOutputs outputs = {y};
    std::pair<memory, memory> to_onnx[2];
    size_t to_onnx_count = 0;
    for (int arg : {DNNL_ARG_DST_ITER, DNNL_ARG_DST_ITER_C}) {
      if (arg == DNNL_ARG_DST_ITER_C && cell_ != Cell::Lstm) break;
      outputs.push_back(allocate(plain_desc(batch_first_ ? ir::Dims{batch, dirs_, hidden_}
                                                         : ir::Dims{dirs_, batch, hidden_})));
      const memory onnx = run_view(onnx_state_desc(batch), outputs.back().mem.get_data_handle());
      args[arg] = batch_first_ ? (temps[temp_count++] = allocate(state_desc(batch))).mem : onnx;
      if (batch_first_) to_onnx[to_onnx_count++] = {args[arg], onnx};
    }
    if (entry->own)
      entry->own->run({.x = data_of<const float>(args, DNNL_ARG_SRC_LAYER),
                       .h0 = data_of<const float>(args, DNNL_ARG_SRC_ITER),
                       .c0 = data_of<const float>(args, DNNL_ARG_SRC_ITER_C),
                       .y = data_of<float>(args, DNNL_ARG_DST_LAYER),
                       .h_n = data_of<float>(args, DNNL_ARG_DST_ITER),
                       .c_n = data_of<float>(args, DNNL_ARG_DST_ITER_C)},
                      stream);
    else
      execute(entry->primitive, stream, args);
    for (size_t k = 0; k < to_onnx_count; ++k) reorder(to_onnx[k].first, to_onnx[k].second, stream);
    if (!y_direct) {
      // [seq, batch, dirs, hidden] -> [seq, dirs, batch, hidden]
      reorder(run_view(plain_desc({steps, batch, dirs_, hidden_}), layer.mem.get_data_handle()),
              run_view(strided_desc({steps, batch, dirs_, hidden_},
                                    {dirs_ * batch * hidden_, hidden_, batch * hidden_, 1}),
                       y.mem.get_data_handle()),
              stream);
    }
    outputs.resize(node_.outputs.size());
    for (size_t i = 0; i < outputs.size(); ++i)
      if (!node_.has_output(i)) outputs[i] = CpuValue();
    return outputs;
  }

 private:
  int64_t bias_gates() const { return cell_ == Cell::LbrGru ? 4 : num_gates(cell_); }

  // X or Y's bytes as oneDNN's [seq, batch, channels]: tnc, or ntc in layout 1.
  memory::desc layer_desc(int64_t steps, int64_t batch, int64_t channels) const {
    return tagged_desc({steps, batch, channels}, batch_first_ ? tag::ntc : tag::tnc);
  }
  // oneDNN's states: [1, dirs, batch, hidden].
  memory::desc state_desc(int64_t batch) const {
    return tagged_desc({1, dirs_, batch, hidden_}, tag::ldnc);
  }
  // An ONNX state's bytes ([dirs, batch, hidden], layout 1: [batch, dirs, hidden]) as oneDNN's
  // dims.
  memory::desc onnx_state_desc(int64_t batch) const {
    if (!batch_first_) return state_desc(batch);
    return strided_desc({1, dirs_, batch, hidden_},
                        {batch * dirs_ * hidden_, hidden_, dirs_ * hidden_, 1});
  }

  RnnEntry build(int64_t steps, int64_t batch, dnnl::stream& stream) const {
    const int64_t gates = num_gates(cell_);
    const memory::desc src_layer = layer_desc(steps, batch, input_size_);
    const memory::desc dst_layer = layer_desc(steps, batch, dirs_ * hidden_);
    const memory::desc state = state_desc(batch);
    const memory::desc src_h = node_.has_input(kInitialH) ? state : memory::desc();
    const memory::desc src_c = node_.has_input(kInitialC) ? state : memory::desc();
    const memory::desc weights_layer = any_desc({1, dirs_, input_size_, gates, hidden_});
    const memory::desc weights_iter = any_desc({1, dirs_, hidden_, gates, hidden_});
    const memory::desc bias = tagged_desc({1, dirs_, bias_gates(), hidden_}, tag::ldgo);
    const auto prop = dnnl::prop_kind::forward_inference;
    const dnnl::rnn_direction direction = direction_of(node_);
    const dnnl::primitive_attr attr = with_user_scratchpad();

    RnnEntry entry;
    dnnl::rnn_primitive_desc_base built;
    memory::desc packed_layer, packed_iter;
    const auto finish = [&](const auto& pd) {
      built = pd;
      entry.primitive = dnnl::primitive(pd);
      packed_layer = pd.weights_layer_desc();
      packed_iter = pd.weights_iter_desc();
    };
    switch (cell_) {
      case Cell::Lstm:
        finish(dnnl::lstm_forward::primitive_desc(
            dnnl::lstm_forward::desc(prop, direction, src_layer, src_h, src_c, weights_layer,
                                     weights_iter, bias, dst_layer, state, state),
            attr, engine()));
        break;
      case Cell::Gru:
        finish(dnnl::gru_forward::primitive_desc(
            dnnl::gru_forward::desc(prop, direction, src_layer, src_h, weights_layer, weights_iter,
                                    bias, dst_layer, state),
            attr, engine()));
        break;
      case Cell::LbrGru:
        finish(dnnl::lbr_gru_forward::primitive_desc(
            dnnl::lbr_gru_forward::desc(prop, direction, src_layer, src_h, weights_layer,
                                        weights_iter, bias, dst_layer, state),
            attr, engine()));
        break;
    }
    const auto pack = [&](size_t id, const std::vector<float>& ldigo, const ir::Dims& dims,
                          const memory::desc& packed) {
      return packed_.get(id, packed, [&] {
        const memory plain(tagged_desc(dims, tag::ldigo), engine(),
                           const_cast<float*>(ldigo.data()));
        return packed_copy(plain, packed, stream);
      });
    };
    entry.weights_layer = pack(1, w_ldigo_, {1, dirs_, input_size_, gates, hidden_}, packed_layer);
    entry.weights_iter = pack(2, r_ldigo_, {1, dirs_, hidden_, gates, hidden_}, packed_iter);
    // GRU with linear_before_reset=0 applies r before its recurrent product: oneDNN's alone.
    if (cell_ != Cell::Gru) {
      const RnnShape shape = {
          .gru = cell_ == Cell::LbrGru,
          .dirs = dirs_,
          .inputs = input_size_,
          .hidden = hidden_,
          .steps = steps,
          .batch = batch,
          .reverse = direction == dnnl::rnn_direction::unidirectional_right2left,
          .batch_first = batch_first_};
      const OwnKernel kernel = rnn_kernel();
      if (kernel != OwnKernel::OneDnn)
        entry.own = std::make_shared<const RnnLayer>(shape, w_ldigo_, r_ldigo_, bias_, stream);
      if (kernel == OwnKernel::Timed && !own_is_faster(built, entry, stream)) entry.own.reset();
    }
    return entry;
  }

  const ir::Node& node_;
  Cell cell_;
  int64_t dirs_, hidden_;
  bool batch_first_;  // layout 1
  int64_t input_size_ = 0;
  std::vector<float> w_ldigo_, r_ldigo_, bias_;
  std::vector<int64_t> sequence_lens_;  // empty when not given
  PrimitiveCache<RnnEntry> cache_;
  PackedConstants packed_;
};

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "" if the node's activations are ONNX's defaults, which are what oneDNN's cells compute.
std::string check_activations(const ir::Node& node, Cell cell) {
  if (!node.has_attr("activations")) return "";
  const std::vector<std::string> defaults =
      cell == Cell::Lstm ? std::vector<std::string>{"sigmoid", "tanh", "tanh"}
                         : std::vector<std::string>{"sigmoid", "tanh"};
  const auto acts = node.attr<std::vector<std::string>>("activations");
  for (size_t i = 0; i < acts.size(); ++i)
    if (lower(acts[i]) != defaults[i % defaults.size()])
      return fmt::format("activation '{}' is computed on REF (oneDNN's cells use {})", acts[i],
                         fmt::join(defaults, ", "));
  return "";
}

}  // namespace

std::string supports_rnn(const ir::Graph& graph, const ir::Node& node) {
  const Cell cell = cell_of(node);
  if (!node.has_attr("hidden_size")) return "hidden_size is not given";
  if (!node.has_input(kW) || !node.has_input(kR)) return "W or R is not given";
  if (node.has_attr("clip")) return "clip is computed on REF";
  if (cell == Cell::Lstm && node.attr<int64_t>("input_forget", 0) != 0)
    return "input_forget=1 is computed on REF";
  if (cell == Cell::Lstm && node.has_input(kP)) return "peepholes (P) are computed on REF";
  if (std::string why = check_activations(node, cell); !why.empty()) return why;
  for (size_t i : {kW, kR, kB})
    if (node.has_input(i) && !is_constant(graph, node, i))
      return fmt::format("input '{}' is not a constant: weights are packed when the step is built",
                         node.inputs[i]);
  if (node.has_input(kSequenceLens)) {
    if (!is_constant(graph, node, kSequenceLens))
      return fmt::format(
          "sequence_lens '{}' is fed at run time: oneDNN runs every sequence to the end",
          node.inputs[kSequenceLens]);
    const ir::Tensor& lens = graph.initializers.at(node.inputs[kSequenceLens]);
    if (lens.dtype() != ir::DType::I32) return "sequence_lens is not int32";
    const int32_t* v = lens.data<int32_t>();
    if (lens.numel() > 0 && !std::all_of(v, v + lens.numel(), [&](int32_t n) { return n == v[0]; }))
      return "sequence_lens differ: oneDNN runs every sequence to the end";
  }
  // initial_h and initial_c are checked at run time (accepts()).
  if (std::string why = require_f32(graph, node, kSequenceLens); !why.empty()) return why;
  const int64_t hidden = node.attr<int64_t>("hidden_size"), gates = num_gates(cell);
  const int64_t dirs = num_directions(node);
  const ir::Tensor& w = graph.initializers.at(node.inputs[kW]);
  const ir::Tensor& r = graph.initializers.at(node.inputs[kR]);
  if (w.rank() != 3 || w.dim(0) != dirs || w.dim(1) != gates * hidden)
    return fmt::format("W is {}; expected [{}, {}, input_size]", ir::to_string(w.dims()), dirs,
                       gates * hidden);
  if (r.dims() != ir::Dims{dirs, gates * hidden, hidden})
    return fmt::format("R is {}; expected [{}, {}, {}]", ir::to_string(r.dims()), dirs,
                       gates * hidden, hidden);
  if (node.has_input(kB) &&
      graph.initializers.at(node.inputs[kB]).dims() != ir::Dims{dirs, 2 * gates * hidden})
    return fmt::format("B is {}; expected [{}, {}]",
                       ir::to_string(graph.initializers.at(node.inputs[kB]).dims()), dirs,
                       2 * gates * hidden);
  return "";
}

std::unique_ptr<CpuOp> build_rnn(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<RnnOp>(graph, *spec.node);
}

}  // namespace zenith::cpu
