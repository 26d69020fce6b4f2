// Cutting the kernel taps of a convolution that read only padding.
#include "passes/conv_tap_trimming.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <tuple>

#include "devices/reference/spatial_util.h"
#include "ir/errors.h"
#include "ir/shape_inference.h"

namespace zenith::passes {
namespace {

// Split only where that saves at least half of the trimmed Conv's work, into at most this many
// regions.
constexpr double kSplitBelow = 0.5;
constexpr size_t kMaxRegions = 27;

// One axis's output positions [begin, end), which all read the map with taps [first, last].
struct Band {
  int64_t begin, end, first, last;
};

// The bands of axis `a`, in order; empty if some output position reads padding alone.
std::vector<Band> bands(const ref::SpatialGeometry& g, size_t a) {
  std::vector<Band> out;
  const int64_t d = g.dilations[a];
  for (int64_t y = 0; y < g.out[a]; ++y) {
    // Position y's tap t reads the input at y * stride - pad_begin + t * d.
    const int64_t base = g.pad_begin[a] - y * g.strides[a];
    const int64_t first = std::max<int64_t>(0, ref::ceil_div(base, d));
    const int64_t last = std::min(g.kernel[a] - 1, ref::floor_div(base + g.in[a] - 1, d));
    if (first > last) return {};
    if (!out.empty() && out.back().first == first && out.back().last == last)
      out.back().end = y + 1;
    else
      out.push_back({y, y + 1, first, last});
  }
  return out;
}

// The taps [first[a], last[a]] of each axis.
struct Taps {
  ir::Dims first, last;
  bool operator<(const Taps& o) const { return std::tie(first, last) < std::tie(o.first, o.last); }
};

// w [M, C / group, kernel...] with only `taps`.
ir::Tensor trimmed_weights(const ir::Tensor& w, const Taps& taps) {
  const size_t r = taps.first.size();
  ir::Dims dims = {w.dim(0), w.dim(1)};
  for (size_t a = 0; a < r; ++a) dims.push_back(taps.last[a] - taps.first[a] + 1);
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
        old_index = old_index * w.dim(static_cast<int64_t>(a) + 2) + rest / below + taps.first[a];
        rest %= below;
      }
      std::memcpy(to, w.raw() + (filter * old_taps + old_index) * element, element);
      to += element;
    }
  return out;
}

// Rewrites Convs; one object per run of the pass.
class Trimmer {
 public:
  explicit Trimmer(ir::Graph& graph) : graph_(graph), uses_(graph), names_(graph) {}

  // Appends `conv`, trimmed or split, or as it is, to `out`; true if it changed.
  bool rewrite(ir::Node conv, const ir::Dims& x, std::vector<ir::Node>& out) {
    const ir::Tensor* w = constant_of(graph_, conv.inputs[1]);
    const size_t r = x.size() - 2;
    ref::SpatialGeometry g;
    try {
      g = ref::spatial_geometry(
          conv, ir::Dims(x.begin() + 2, x.end()),
          ref::kernel_shape(conv, r, ir::Dims(w->dims().begin() + 2, w->dims().end())));
    } catch (const Error&) {
      out.push_back(std::move(conv));  // the kernels report it
      return false;
    }
    std::vector<std::vector<Band>> axes;
    double trimmed = 1, banded = 1;  // taps' work: of the trimmed Conv, of the regions
    size_t regions = 1;
    Taps all;
    for (size_t a = 0; a < r; ++a) {
      axes.push_back(bands(g, a));
      if (axes.back().empty()) {  // the output is the bias alone there: left to the kernels
        out.push_back(std::move(conv));
        return false;
      }
      double work = 0;
      all.first.push_back(g.kernel[a]);
      all.last.push_back(-1);
      for (const Band& b : axes.back()) {
        work += static_cast<double>((b.end - b.begin) * (b.last - b.first + 1));
        all.first.back() = std::min(all.first.back(), b.first);
        all.last.back() = std::max(all.last.back(), b.last);
      }
      trimmed *= static_cast<double>(g.out[a] * (all.last.back() - all.first.back() + 1));
      banded *= work;
      regions *= axes.back().size();
    }
    const std::string weights = conv.inputs[1];
    const bool changed = regions > 1 && regions <= kMaxRegions && banded <= kSplitBelow * trimmed
                             ? split(conv, *w, g, axes, out)
                             : trim(conv, *w, g, all, out);
    if (changed) release(weights);
    return changed;
  }

 private:
  // One Conv with only the taps `taps` and the padding they spanned.
  bool trim(ir::Node& conv, const ir::Tensor& w, const ref::SpatialGeometry& g, const Taps& taps,
            std::vector<ir::Node>& out) {
    const size_t r = g.rank();
    ir::Dims pads(2 * r);
    bool cut = false;
    for (size_t a = 0; a < r; ++a) {
      cut = cut || taps.first[a] > 0 || taps.last[a] < g.kernel[a] - 1;
      pads[a] = g.pad_begin[a] - taps.first[a] * g.dilations[a];
      pads[a + r] = g.pad_end[a] - (g.kernel[a] - 1 - taps.last[a]) * g.dilations[a];
    }
    // A window larger than the padded input can keep a tap past the padding (it would need a
    // negative pad, a crop, which ONNX has not).
    if (!cut || std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; })) {
      out.push_back(std::move(conv));
      return false;
    }
    set_taps(conv, w, g, taps, pads);
    out.push_back(std::move(conv));
    return true;
  }

  // A Conv per region (a band of each axis) on the slice of the input it reads, unpadded, and
  // Concats that put the regions' outputs together, the last one writing the Conv's output.
  bool split(const ir::Node& conv, const ir::Tensor& w, const ref::SpatialGeometry& g,
             const std::vector<std::vector<Band>>& axes, std::vector<ir::Node>& out) {
    const size_t r = g.rank();
    std::vector<std::string> parts;
    std::vector<size_t> at(r, 0);  // the region's band on each axis
    for (bool more = true; more;) {
      Taps taps;
      ir::Dims starts, ends, axis_ids;
      bool whole = true;
      for (size_t a = 0; a < r; ++a) {
        const Band& b = axes[a][at[a]];
        taps.first.push_back(b.first);
        taps.last.push_back(b.last);
        const int64_t d = g.dilations[a], s = g.strides[a];
        starts.push_back(b.begin * s - g.pad_begin[a] + b.first * d);
        ends.push_back((b.end - 1) * s - g.pad_begin[a] + b.last * d + 1);
        axis_ids.push_back(static_cast<int64_t>(a) + 2);
        whole = whole && starts.back() == 0 && ends.back() == g.in[a];
      }
      const std::string region = fmt::format("{}/region{}", conv.name, parts.size());
      std::string input = conv.inputs[0];
      if (!whole) {
        const std::string base = names_.make(region + "/slice");
        std::vector<std::string> slice_inputs = {input};
        for (const auto& [what, values] :
             {std::pair{"starts", starts}, std::pair{"ends", ends}, std::pair{"axes", axis_ids}}) {
          slice_inputs.push_back(names_.make(base + "_" + what));
          graph_.initializers[slice_inputs.back()] = ir::Tensor::vector_of<int64_t>(values);
        }
        input = base;
        out.push_back(onnx_node("Slice", region + "/slice", std::move(slice_inputs), input));
      }
      ir::Node part = conv;
      part.name = region;
      part.inputs[0] = input;
      part.outputs = {names_.make(region)};
      set_taps(part, w, g, taps, ir::Dims(2 * r, 0));
      parts.push_back(part.outputs[0]);
      out.push_back(std::move(part));
      more = false;  // the next region, the last axis fastest
      for (size_t a = r; a-- > 0 && !more;) {
        more = ++at[a] < axes[a].size();
        if (!more) at[a] = 0;
      }
    }
    // Concat the parts along the last axis first: each run of that axis's band count.
    for (size_t a = r; a-- > 0;) {
      const size_t n = axes[a].size();
      if (n == 1) continue;
      std::vector<std::string> joined;
      for (size_t i = 0; i < parts.size(); i += n) {
        const std::string name = names_.make(fmt::format("{}/concat{}", conv.name, a));
        ir::Node concat =
            onnx_node("Concat", name,
                      std::vector<std::string>(parts.begin() + static_cast<ptrdiff_t>(i),
                                               parts.begin() + static_cast<ptrdiff_t>(i + n)),
                      name);
        concat.attributes["axis"] = static_cast<int64_t>(a) + 2;
        joined.push_back(name);
        out.push_back(std::move(concat));
      }
      parts = std::move(joined);
    }
    out.back().outputs[0] = conv.outputs[0];
    return true;
  }

  // Points `conv` at weights holding only `taps` (one initializer per set of taps of the same
  // weights) with `pads`; an axis left with one tap gets dilation 1.
  void set_taps(ir::Node& conv, const ir::Tensor& w, const ref::SpatialGeometry& g,
                const Taps& taps, const ir::Dims& pads) {
    const size_t r = g.rank();
    ir::Dims kernel, dilations;
    for (size_t a = 0; a < r; ++a) {
      kernel.push_back(taps.last[a] - taps.first[a] + 1);
      dilations.push_back(kernel[a] == 1 ? 1 : g.dilations[a]);
    }
    std::string& name = trimmed_[{conv.inputs[1], taps}];
    if (name.empty()) {
      name = names_.make(conv.inputs[1] + "_trimmed");
      graph_.initializers[name] = trimmed_weights(w, taps);
    }
    conv.inputs[1] = name;
    if (conv.has_attr("kernel_shape")) conv.attributes["kernel_shape"] = kernel;
    conv.attributes.erase("auto_pad");  // its padding is now explicit
    conv.attributes["pads"] = pads;
    conv.attributes["dilations"] = dilations;
  }

  // A Conv no longer reads `weights`: they go once nothing reads them.
  void release(const std::string& weights) {
    auto [left, first] = reads_left_.try_emplace(weights, uses_.node_reads(weights));
    if (--left->second == 0 && !uses_.is_graph_output(weights) && !uses_.read_by_subgraph(weights))
      graph_.initializers.erase(weights);
  }

  ir::Graph& graph_;
  const ValueUses uses_;
  NameGenerator names_;
  std::map<std::pair<std::string, Taps>, std::string> trimmed_;
  std::map<std::string, size_t> reads_left_;
};

}  // namespace

ChangeCounts trim_conv_taps(ir::Graph& graph) {
  if (!all_inputs_concrete(graph)) return {};
  const std::map<std::string, ir::Dims> dims = ir::infer_shapes(graph);
  Trimmer trimmer(graph);
  std::vector<ir::Node> nodes;
  size_t trimmed = 0;
  for (ir::Node& node : graph.nodes) {
    const auto x = dims.find(node.has_input(0) ? node.inputs[0] : std::string());
    const ir::Tensor* w =
        is_op(node, "Conv") && node.has_input(1) ? constant_of(graph, node.inputs[1]) : nullptr;
    if (!w || x == dims.end() || x->second.size() < 3 ||
        static_cast<size_t>(w->rank()) != x->second.size())
      nodes.push_back(std::move(node));
    else
      trimmed += trimmer.rewrite(std::move(node), x->second, nodes) ? 1 : 0;
  }
  graph.nodes = std::move(nodes);
  if (trimmed == 0) return {};
  return {{"Conv", trimmed}};
}

}  // namespace zenith::passes
