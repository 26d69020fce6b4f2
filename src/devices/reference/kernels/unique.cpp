// Unique: distinct elements (or slices along an axis) with first-occurrence indices, inverse
// indices and counts, in ONNX's output order.
#include <algorithm>
#include <numeric>

#include "devices/reference/element_util.h"
#include "devices/reference/kernel_registry.h"

namespace zenith::ref {
namespace {

// Slice j of the input is elements (o, j, i) over all o, i; returns the first-occurrence slice
// of each group of equal slices, in ascending order, and the group of every slice.
template <typename T>
std::vector<int64_t> group_slices(const T* x, const AxisSplit& s, std::vector<int64_t>& group_of) {
  auto compare = [&](int64_t a, int64_t b) {  // -1, 0, 1 lexicographically
    for (int64_t o = 0; o < s.outer; ++o) {
      for (int64_t i = 0; i < s.inner; ++i) {
        const T& u = x[(o * s.extent + a) * s.inner + i];
        const T& v = x[(o * s.extent + b) * s.inner + i];
        if (nan_last_less(u, v)) return -1;
        if (nan_last_less(v, u)) return 1;
      }
    }
    return 0;
  };
  std::vector<int64_t> order(static_cast<size_t>(s.extent));
  std::iota(order.begin(), order.end(), 0);
  // Stable, so the first slice of each run of equal ones is its first occurrence.
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return compare(a, b) < 0; });
  std::vector<int64_t> firsts;
  group_of.assign(order.size(), 0);
  for (size_t j = 0; j < order.size(); ++j) {
    if (j == 0 || compare(order[j - 1], order[j]) != 0) firsts.push_back(order[j]);
    group_of[static_cast<size_t>(order[j])] = static_cast<int64_t>(firsts.size()) - 1;
  }
  return firsts;
}

void unique(KernelContext& ctx) {
  const ir::Tensor& x = ctx.input(0);
  const bool sorted = ctx.attr<int64_t>("sorted", 1) != 0;
  const bool has_axis = ctx.node().has_attr("axis");
  const int64_t axis =
      has_axis ? ir::normalize_axis(ctx.attr<int64_t>("axis"), x.rank(), "attribute 'axis'") : 0;
  const ir::Dims dims = has_axis ? x.dims() : ir::Dims{x.numel()};
  const AxisSplit s = split_at_axis(dims, axis);

  std::vector<int64_t> group_of;
  std::vector<int64_t> firsts = ir::visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return group_slices(x.data<T>(), s, group_of);
  });
  const auto groups = static_cast<int64_t>(firsts.size());
  // rank[g]: position of sorted group g in the output. Unsorted output lists groups by first
  // occurrence.
  std::vector<int64_t> rank(firsts.size());
  std::iota(rank.begin(), rank.end(), 0);
  if (!sorted) {
    std::vector<int64_t> by_first(firsts.size());
    std::iota(by_first.begin(), by_first.end(), 0);
    std::sort(by_first.begin(), by_first.end(), [&](int64_t a, int64_t b) {
      return firsts[static_cast<size_t>(a)] < firsts[static_cast<size_t>(b)];
    });
    for (size_t p = 0; p < by_first.size(); ++p)
      rank[static_cast<size_t>(by_first[p])] = static_cast<int64_t>(p);
  }

  ir::Dims y_dims = dims;
  y_dims[static_cast<size_t>(axis)] = groups;
  ir::Tensor& y = ctx.allocate_output(0, x.dtype(), y_dims);
  ir::Tensor indices(ir::DType::I64, {groups}), inverse(ir::DType::I64, {s.extent}),
      counts(ir::DType::I64, {groups});
  const ElementCopier copy(x, y);
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t pos = rank[static_cast<size_t>(g)];
    const int64_t first = firsts[static_cast<size_t>(g)];
    indices.data<int64_t>()[pos] = first;
    for (int64_t o = 0; o < s.outer; ++o)
      copy.copy((o * s.extent + first) * s.inner, (o * groups + pos) * s.inner, s.inner);
  }
  for (int64_t j = 0; j < s.extent; ++j) {
    const int64_t pos = rank[static_cast<size_t>(group_of[static_cast<size_t>(j)])];
    inverse.data<int64_t>()[j] = pos;
    ++counts.data<int64_t>()[pos];
  }
  if (ctx.num_outputs() > 1) ctx.set_output(1, indices);
  if (ctx.num_outputs() > 2) ctx.set_output(2, inverse);
  if (ctx.num_outputs() > 3) ctx.set_output(3, counts);
}

}  // namespace

void register_unique(KernelRegistry& registry) { registry.add("Unique", &unique); }

}  // namespace zenith::ref
