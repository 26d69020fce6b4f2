// Cutting the kernel taps of a convolution that read only padding.
#include "passes/conv_tap_trimming.h"

#include <algorithm>
#include <cstring>

#include "devices/reference/spatial_util.h"
#include "ir/errors.h"
#include "ir/shape_inference.h"

namespace zenith::passes {
namespace {

// Whether kernel tap `t` of axis `a` reads inside the input for some output position.
bool live(const ref::SpatialGeometry& g, size_t a, int64_t t) {
  // Output position y reads input y * stride - pad_begin + t * dilation.
  const int64_t lo = g.pad_begin[a] - t * g.dilations[a], hi = lo + g.in[a] - 1;
  const int64_t s = g.strides[a];
  const int64_t first = lo <= 0 ? 0 : (lo + s - 1) / s;  // the first y with y * s >= lo
  return first < g.out[a] && first * s <= hi;
}

// The live taps [first, last] of each axis, or nothing when every tap is live, or none is on
// some axis (the output is the bias alone; left to the kernels).
struct Trim {
  ir::Dims first, last;
};
std::optional<Trim> live_taps(const ref::SpatialGeometry& g) {
  Trim trim;
  bool cut = false;
  for (size_t a = 0; a < g.rank(); ++a) {
    int64_t first = 0, last = g.kernel[a] - 1;
    while (first <= last && !live(g, a, first)) ++first;
    while (last >= first && !live(g, a, last)) --last;
    if (first > last) return std::nullopt;
    cut = cut || first > 0 || last < g.kernel[a] - 1;
    trim.first.push_back(first);
    trim.last.push_back(last);
  }
  if (!cut) return std::nullopt;
  return trim;
}

// w [M, C / group, kernel...] with only the taps `trim` keeps.
ir::Tensor trimmed_weights(const ir::Tensor& w, const Trim& trim) {
  const size_t r = trim.first.size();
  ir::Dims dims = {w.dim(0), w.dim(1)};
  for (size_t a = 0; a < r; ++a) dims.push_back(trim.last[a] - trim.first[a] + 1);
  ir::Tensor out(w.dtype(), dims);
  const size_t element = ir::dtype_size(w.dtype());
  int64_t old_taps = 1, new_taps = 1;
  for (size_t a = 0; a < r; ++a) {
    old_taps *= w.dim(static_cast<int64_t>(a) + 2);
    new_taps *= dims[a + 2];
  }
  std::byte* to = out.raw();
  for (int64_t filter = 0; filter < w.dim(0) * w.dim(1); ++filter)
    for (int64_t j = 0; j < new_taps; ++j) {
      int64_t old_index = 0, rest = j, below = new_taps;
      for (size_t a = 0; a < r; ++a) {  // row-major: axis a's index, then the old offset's
        below /= dims[a + 2];
        old_index = old_index * w.dim(static_cast<int64_t>(a) + 2) + rest / below + trim.first[a];
        rest %= below;
      }
      std::memcpy(to, w.raw() + (filter * old_taps + old_index) * element, element);
      to += element;
    }
  return out;
}

}  // namespace

ChangeCounts trim_conv_taps(ir::Graph& graph) {
  if (!all_inputs_concrete(graph)) return {};
  const std::map<std::string, ir::Dims> dims = ir::infer_shapes(graph);
  const ValueUses uses(graph);
  NameGenerator names(graph);
  std::map<std::string, size_t> reads_left;
  size_t trimmed = 0;
  for (ir::Node& conv : graph.nodes) {
    if (!is_op(conv, "Conv") || !conv.has_input(1)) continue;
    const ir::Tensor* w = constant_of(graph, conv.inputs[1]);
    const auto x = dims.find(conv.inputs[0]);
    if (!w || x == dims.end() || x->second.size() < 3 ||
        static_cast<size_t>(w->rank()) != x->second.size())
      continue;
    const size_t r = x->second.size() - 2;
    ref::SpatialGeometry g;
    try {
      const ir::Dims in(x->second.begin() + 2, x->second.end());
      g = ref::spatial_geometry(
          conv, in, ref::kernel_shape(conv, r, ir::Dims(w->dims().begin() + 2, w->dims().end())));
    } catch (const Error&) {
      continue;  // the kernels report it
    }
    const std::optional<Trim> trim = live_taps(g);
    if (!trim) continue;
    ir::Dims kernel, pads(2 * r), dilations;
    for (size_t a = 0; a < r; ++a) {
      kernel.push_back(trim->last[a] - trim->first[a] + 1);
      pads[a] = g.pad_begin[a] - trim->first[a] * g.dilations[a];
      pads[a + r] = g.pad_end[a] - (g.kernel[a] - 1 - trim->last[a]) * g.dilations[a];
      dilations.push_back(kernel[a] == 1 ? 1 : g.dilations[a]);
    }
    // A window larger than the padded input can keep a tap past the padding (it would need a
    // negative pad, a crop, which ONNX has not).
    if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) continue;
    const std::string old = conv.inputs[1];
    const std::string name = names.make(old + "_trimmed");
    graph.initializers[name] = trimmed_weights(*w, *trim);
    conv.inputs[1] = name;
    if (conv.has_attr("kernel_shape")) conv.attributes["kernel_shape"] = kernel;
    conv.attributes.erase("auto_pad");  // its padding is now explicit
    conv.attributes["pads"] = pads;
    conv.attributes["dilations"] = dilations;
    ++trimmed;
    if (!reads_left.count(old)) reads_left[old] = uses.node_reads(old);
    if (--reads_left[old] == 0 && !uses.is_graph_output(old) && !uses.read_by_subgraph(old))
      graph.initializers.erase(old);
  }
  if (trimmed == 0) return {};
  return {{"Conv", trimmed}};
}

}  // namespace zenith::passes
