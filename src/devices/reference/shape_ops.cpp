// Dims, windows and axis orders of the data-movement ops (shape_ops.h).
#include "devices/reference/shape_ops.h"

#include <algorithm>

#include "devices/reference/element_util.h"
#include "ir/errors.h"

namespace zenith::ref {

ir::Dims reshape_dims(const ir::Dims& in, const ir::Dims& shape, bool allow_zero) {
  ir::Dims out(shape.size());
  int64_t inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[i];
    if (d == 0 && !allow_zero) {
      if (i >= in.size())
        throw_invalid_argument("'shape'[{}] is 0 (copy the input dim) but the input {} has rank {}",
                               i, ir::to_string(in), in.size());
      d = in[i];
    } else if (d == -1) {
      if (inferred >= 0)
        throw_invalid_argument("'shape' {} has more than one -1", fmt::join(shape, ","));
      inferred = static_cast<int64_t>(i);
      continue;
    } else if (d < -1) {
      throw_invalid_argument("'shape'[{}] is {}; dims must be >= -1", i, d);
    }
    out[i] = d;
    if (__builtin_mul_overflow(known, d, &known))
      throw_invalid_argument("'shape' [{}] overflows int64", fmt::join(shape, ","));
  }
  const int64_t numel = ir::checked_numel(in, "Reshape input");
  if (inferred >= 0) {
    if (known == 0 || numel % known != 0)
      throw_invalid_argument(
          "cannot infer the -1 dim of 'shape' [{}] for an input {} of {} elements",
          fmt::join(shape, ","), ir::to_string(in), numel);
    out[static_cast<size_t>(inferred)] = numel / known;
  }
  if (ir::checked_numel(out, "Reshape output") != numel)
    throw_invalid_argument("'shape' [{}] gives {} of {} elements, but the input {} has {}",
                           fmt::join(shape, ","), ir::to_string(out), ir::checked_numel(out),
                           ir::to_string(in), numel);
  return out;
}

ir::Dims flatten_dims(const ir::Dims& in, int64_t axis) {
  const auto rank = static_cast<int64_t>(in.size());
  if (axis < -rank || axis > rank)
    throw_invalid_model("attribute 'axis'={} is out of range [{}, {}] for an input of rank {}",
                        axis, -rank, rank, rank);
  if (axis < 0) axis += rank;
  const AxisSplit s = split_at_axis(in, axis);
  return {s.outer, s.extent * s.inner};
}

ir::Dims transpose_perm(const ir::Node& node, int64_t rank) {
  ir::Dims perm;
  for (int64_t i = rank - 1; i >= 0; --i) perm.push_back(i);
  perm = node.attr<std::vector<int64_t>>("perm", perm);
  if (static_cast<int64_t>(perm.size()) != rank)
    throw_invalid_model("attribute 'perm' has {} entries for an input of rank {}", perm.size(),
                        rank);
  ir::Dims seen(perm.size(), 0);
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[static_cast<size_t>(p)])
      throw_invalid_model("attribute 'perm' [{}] is not a permutation of 0..{}",
                          fmt::join(perm, ","), rank - 1);
    seen[static_cast<size_t>(p)] = true;
  }
  return perm;
}

ir::Dims shape_values(const ir::Node& node, const ir::Dims& in) {
  const auto rank = static_cast<int64_t>(in.size());
  auto clamp_axis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  const int64_t start = clamp_axis(node.attr<int64_t>("start", 0));
  const int64_t end = clamp_axis(node.attr<int64_t>("end", rank));
  return ir::Dims(in.begin() + start, in.begin() + std::max(start, end));
}

ir::Tensor constant_of_shape_value(const ir::Node& node) {
  ir::Tensor value = node.attr<ir::Tensor>("value", ir::Tensor(ir::DType::F32, {1}));
  if (value.numel() != 1)
    throw_invalid_model("attribute 'value' must hold one element, got shape {}",
                        ir::to_string(value.dims()));
  return value;
}

ir::Dims constant_of_shape_dims(const ir::Dims& shape) {
  for (int64_t d : shape)
    if (d < 0) throw_invalid_argument("shape [{}] has a negative dim", fmt::join(shape, ","));
  return shape;
}

ir::Dims squeeze_dims(const ir::Dims& in, const std::optional<ir::Dims>& axes) {
  const auto rank = static_cast<int64_t>(in.size());
  ir::Dims drop(in.size(), 0);
  if (axes) {
    for (int64_t axis : normalize_axes(*axes, rank, "input 'axes'")) {
      if (in[static_cast<size_t>(axis)] != 1)
        throw_invalid_argument("cannot squeeze axis {} of input {}: its size is not 1", axis,
                               ir::to_string(in));
      drop[static_cast<size_t>(axis)] = true;
    }
  } else {
    for (size_t i = 0; i < drop.size(); ++i) drop[i] = in[i] == 1;
  }
  ir::Dims out;
  for (size_t i = 0; i < drop.size(); ++i)
    if (!drop[i]) out.push_back(in[i]);
  return out;
}

ir::Dims unsqueeze_dims(const ir::Dims& in, const ir::Dims& axes) {
  const int64_t rank = static_cast<int64_t>(in.size() + axes.size());
  ir::Dims inserted(static_cast<size_t>(rank), 0);
  for (int64_t axis : normalize_axes(axes, rank, "input 'axes'"))
    inserted[static_cast<size_t>(axis)] = true;
  ir::Dims out;
  size_t next = 0;
  for (size_t i = 0; i < inserted.size(); ++i) out.push_back(inserted[i] ? 1 : in[next++]);
  return out;
}

int64_t gather_axis(const ir::Dims& data, int64_t axis) {
  if (data.empty()) throw_invalid_argument("input 'data' must have rank >= 1, got a scalar");
  return ir::normalize_axis(axis, static_cast<int64_t>(data.size()), "attribute 'axis'");
}

ir::Dims gather_dims(const ir::Dims& data, const ir::Dims& indices, int64_t axis) {
  ir::Dims out(data.begin(), data.begin() + axis);
  out.insert(out.end(), indices.begin(), indices.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  return out;
}

int64_t gather_elements_axis(const ir::Dims& data, const ir::Dims& indices, int64_t axis) {
  if (data.empty() || indices.size() != data.size())
    throw_invalid_argument("inputs 'data' {} and 'indices' {} must have the same rank >= 1",
                           ir::to_string(data), ir::to_string(indices));
  axis = ir::normalize_axis(axis, static_cast<int64_t>(data.size()), "attribute 'axis'");
  for (size_t d = 0; d < data.size(); ++d)
    if (static_cast<int64_t>(d) != axis && indices[d] > data[d])
      throw_invalid_argument("input 'indices' {} exceeds input 'data' {} on axis {}",
                             ir::to_string(indices), ir::to_string(data), d);
  return axis;
}

SliceWindow slice_window(const ir::Dims& in, const ir::Dims& starts, const ir::Dims& ends,
                         const std::optional<ir::Dims>& given_axes,
                         const std::optional<ir::Dims>& given_steps) {
  const size_t n = starts.size();
  ir::Dims axes(n);
  for (size_t i = 0; i < n; ++i) axes[i] = static_cast<int64_t>(i);
  if (given_axes) axes = *given_axes;
  const ir::Dims steps = given_steps.value_or(ir::Dims(n, 1));
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    throw_invalid_argument(
        "inputs 'starts', 'ends', 'axes', 'steps' must have equal lengths, got "
        "{}, {}, {}, {}",
        n, ends.size(), axes.size(), steps.size());
  axes = normalize_axes(axes, static_cast<int64_t>(in.size()), "input 'axes'");

  SliceWindow w{ir::Dims(in.size(), 0), ir::Dims(in.size(), 1), in};
  for (size_t i = 0; i < n; ++i) {
    const size_t axis = static_cast<size_t>(axes[i]);
    const int64_t dim = in[axis];
    const int64_t s = steps[i];
    if (s == 0) throw_invalid_argument("input 'steps'[{}] is 0", i);
    if (dim == 0) {
      w.out[axis] = 0;
      continue;
    }
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    // Positive steps clamp to [0, dim]; negative ones to [0, dim-1] (start) and [-1, dim-1]
    // (end) so that a full reverse ends before index 0.
    if (s > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
    }
    const int64_t span = s > 0 ? end - start : start - end;
    const int64_t abs_step = s > 0 ? s : -s;
    w.first[axis] = start;
    w.step[axis] = s;
    w.out[axis] = span <= 0 ? 0 : (span + abs_step - 1) / abs_step;
  }
  return w;
}

int64_t split_axis(const ir::Dims& in, int64_t axis) {
  if (in.empty()) throw_invalid_argument("cannot split a scalar (rank-0 input)");
  return ir::normalize_axis(axis, static_cast<int64_t>(in.size()), "attribute 'axis'");
}

ir::Dims split_sizes(const ir::Dims& in, int64_t axis, int64_t count,
                     const std::optional<ir::Dims>& given) {
  const int64_t extent = in[static_cast<size_t>(axis)];
  ir::Dims sizes;
  if (given) {
    sizes = *given;
    int64_t total = 0;
    for (int64_t s : sizes) {
      if (s < 0)
        throw_invalid_argument("input 'split' [{}] has a negative size", fmt::join(sizes, ","));
      total += s;
    }
    if (static_cast<int64_t>(sizes.size()) != count || total != extent)
      throw_invalid_argument(
          "input 'split' [{}] must have {} entries summing to {} (axis {} of {})",
          fmt::join(sizes, ","), count, extent, axis, ir::to_string(in));
    return sizes;
  }
  // Equal parts; when the axis does not divide evenly the last part is smaller (as opset 18).
  const int64_t part = (extent + count - 1) / count;
  for (int64_t i = 0; i < count; ++i)
    sizes.push_back(std::max<int64_t>(0, std::min(part, extent - i * part)));
  if (part * (count - 1) >= extent && extent > 0 && count > 1)
    throw_invalid_argument("cannot split axis {} of size {} into {} non-empty parts", axis, extent,
                           count);
  return sizes;
}

ir::Dims expand_dims(const ir::Dims& in, const ir::Dims& shape) {
  for (int64_t d : shape)
    if (d < 0)
      throw_invalid_argument("input 'shape' [{}] has a negative dim", fmt::join(shape, ","));
  return ir::broadcast_dims(in, shape);
}

ir::Dims tile_dims(const ir::Dims& in, const ir::Dims& repeats) {
  if (repeats.size() != in.size())
    throw_invalid_argument("input 'repeats' has {} entries for an input of rank {}", repeats.size(),
                           in.size());
  ir::Dims out = in;
  for (size_t i = 0; i < repeats.size(); ++i) {
    if (repeats[i] < 0)
      throw_invalid_argument("input 'repeats' [{}] has a negative entry", fmt::join(repeats, ","));
    if (__builtin_mul_overflow(out[i], repeats[i], &out[i]))
      throw_invalid_argument("input 'repeats' [{}] overflows the dims of input {}",
                             fmt::join(repeats, ","), ir::to_string(in));
  }
  return out;
}

PadMode pad_mode(const ir::Node& node) {
  const std::string mode = node.attr<std::string>("mode", "constant");
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "edge") return PadMode::Edge;
  if (mode == "wrap") return PadMode::Wrap;
  throw_invalid_model("attribute 'mode' is '{}', expected constant, reflect, edge or wrap", mode);
}

PadWindow pad_window(const ir::Dims& in, const ir::Dims& pads,
                     const std::optional<ir::Dims>& given_axes, PadMode mode) {
  const auto rank = static_cast<int64_t>(in.size());
  ir::Dims axes(in.size());
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  if (given_axes) axes = normalize_axes(*given_axes, rank, "input 'axes'");
  if (pads.size() != 2 * axes.size())
    throw_invalid_argument(
        "input 'pads' has {} entries, expected {} (begin and end for each of {} "
        "axes)",
        pads.size(), 2 * axes.size(), axes.size());
  PadWindow w{ir::Dims(in.size(), 0), in};
  for (size_t i = 0; i < axes.size(); ++i) {
    const size_t axis = static_cast<size_t>(axes[i]);
    w.begin[axis] = pads[i];
    const bool overflow = __builtin_add_overflow(w.out[axis], pads[i], &w.out[axis]) ||
                          __builtin_add_overflow(w.out[axis], pads[i + axes.size()], &w.out[axis]);
    if (overflow || w.out[axis] < 0)
      throw_invalid_argument(
          "input 'pads' [{}] gives axis {} of input {} a negative or overflowing size",
          fmt::join(pads, ","), axis, ir::to_string(in));
    if (mode != PadMode::Constant && in[axis] == 0 && w.out[axis] > 0)
      throw_invalid_argument("cannot pad empty axis {} of input {} in a non-constant mode", axis,
                             ir::to_string(in));
  }
  return w;
}

int64_t pad_fold(int64_t c, int64_t dim, PadMode mode) {
  if (mode == PadMode::Edge) return c < 0 ? 0 : dim - 1;
  if (mode == PadMode::Wrap) return ((c % dim) + dim) % dim;
  if (dim == 1) return 0;
  // Reflection without repeating the edge has period 2 * (dim - 1).
  const int64_t period = 2 * (dim - 1);
  const int64_t m = ((c % period) + period) % period;
  return m < dim ? m : period - m;
}

ResizeShape resize_shape(const ir::Dims& in, const ir::Tensor* scales, const ir::Tensor* sizes) {
  const size_t rank = in.size();
  const bool has_scales = scales && scales->numel() > 0;
  const bool has_sizes = sizes && sizes->numel() > 0;
  if (has_scales == has_sizes)
    throw_invalid_argument("exactly one of inputs 'scales' and 'sizes' must be given (non-empty)");
  ResizeShape shape{std::vector<double>(rank, 1.0), in};
  if (has_scales) {
    const ir::Tensor& s = *scales;
    if (!ir::is_floating(s.dtype()) || s.numel() != static_cast<int64_t>(rank))
      throw_invalid_argument("input 'scales' must hold {} floats, got {}{}", rank,
                             ir::dtype_name(s.dtype()), ir::to_string(s.dims()));
    for (size_t i = 0; i < rank; ++i) {
      shape.scales[i] = s.as_double(static_cast<int64_t>(i));
      const double size = shape.scales[i] * static_cast<double>(in[i]);
      if (!(shape.scales[i] > 0) || !(size < 1e12))
        throw_invalid_argument("input 'scales'[{}] = {} is not a usable positive scale", i,
                               shape.scales[i]);
      shape.out[i] = static_cast<int64_t>(size);
    }
  } else {
    const auto given = ir::to_int64_vector(*sizes, "input 'sizes'");
    if (given.size() != rank)
      throw_invalid_argument("input 'sizes' has {} entries for an input of rank {}", given.size(),
                             rank);
    for (size_t i = 0; i < rank; ++i) {
      if (given[i] < 0 || (in[i] == 0 && given[i] != 0))
        throw_invalid_argument("input 'sizes'[{}] = {} cannot be reached from input dim {}", i,
                               given[i], in[i]);
      shape.out[i] = given[i];
      if (in[i] > 0) shape.scales[i] = static_cast<double>(given[i]) / static_cast<double>(in[i]);
    }
  }
  for (size_t i = 0; i < rank; ++i)
    if (in[i] == 0 && shape.out[i] != 0)
      throw_invalid_argument("cannot resize empty axis {} of input {}", i, ir::to_string(in));
  return shape;
}

}  // namespace zenith::ref
