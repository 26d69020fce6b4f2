// Loops of our own over several plain tensors that share one iteration space, each stepping
// through it with its own element strides (0 along a broadcast axis, a multiple along a strided
// slice). Axes are merged where every operand steps through them contiguously, so the innermost
// run is as long as it can be, and the rows are split between OpenMP threads.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include "devices/cpu/parallel.h"
#include "ir/shape.h"

namespace zenith::cpu {

template <size_t N>
struct StridedLoop {
  ir::Dims dims;                    // the iteration space, row-major
  std::array<ir::Dims, N> strides;  // per operand, its element stride along each of dims
};

// `loop` without size-1 axes and with neighbouring axes merged where every operand's stride on
// the outer one is its stride on the inner one times the inner extent.
template <size_t N>
StridedLoop<N> collapsed(const StridedLoop<N>& loop) {
  StridedLoop<N> out;
  for (size_t a = 0; a < loop.dims.size(); ++a) {
    if (loop.dims[a] == 1) continue;
    bool merge = !out.dims.empty();
    for (size_t k = 0; k < N && merge; ++k)
      merge = out.strides[k].back() == loop.strides[k][a] * loop.dims[a];
    if (merge) {
      out.dims.back() *= loop.dims[a];
      for (size_t k = 0; k < N; ++k) out.strides[k].back() = loop.strides[k][a];
      continue;
    }
    out.dims.push_back(loop.dims[a]);
    for (size_t k = 0; k < N; ++k) out.strides[k].push_back(loop.strides[k][a]);
  }
  return out;
}

// Calls row(offsets, n, inner) for every row of `loop` after collapsing it: the row has n
// elements, operand k's first at element offset offsets[k] and the next ones `inner[k]` apart.
// Rows (and pieces of long rows, so that one contiguous run is shared too) run in parallel, so
// row() must only write its own elements. `cost` is row()'s work per element, in elements of a
// plain copy: it sizes the pieces.
template <size_t N, typename Row>
void for_each_row(const StridedLoop<N>& loop, const Row& row, int64_t cost = 1) {
  for (int64_t d : loop.dims)
    if (d == 0) return;
  const StridedLoop<N> c = collapsed(loop);
  std::array<int64_t, N> inner{};
  if (c.dims.empty()) {  // a single element
    row(inner, int64_t{1}, inner);
    return;
  }
  const size_t outer_rank = c.dims.size() - 1;
  const int64_t n = c.dims.back();
  for (size_t k = 0; k < N; ++k) inner[k] = c.strides[k].back();
  int64_t rows = 1;
  for (size_t a = 0; a < outer_rank; ++a) rows *= c.dims[a];
  const int64_t most = std::max<int64_t>(kParallelElements / std::max<int64_t>(cost, 1), 1);
  const int64_t piece = n >= 2 * most ? most : n;
  const int64_t pieces = (n + piece - 1) / piece;
  const int64_t tasks = rows * pieces;
  parallel_ranges(tasks, rows * n * cost >= kParallelElements, [&](int64_t begin, int64_t end) {
    // The multi-index of the first task's row, then carried forward row by row.
    ir::Dims index(outer_rank, 0);
    std::array<int64_t, N> offsets{};
    for (int64_t r = begin / pieces, a = static_cast<int64_t>(outer_rank) - 1; a >= 0; --a) {
      const auto axis = static_cast<size_t>(a);
      index[axis] = r % c.dims[axis];
      r /= c.dims[axis];
      for (size_t k = 0; k < N; ++k) offsets[k] += index[axis] * c.strides[k][axis];
    }
    for (int64_t task = begin, p = begin % pieces; task < end; ++task) {
      const int64_t first = p * piece;
      std::array<int64_t, N> at = offsets;
      for (size_t k = 0; k < N; ++k) at[k] += first * inner[k];
      row(at, std::min(piece, n - first), inner);
      if (++p < pieces) continue;
      p = 0;
      for (size_t a = outer_rank; a-- > 0;) {
        for (size_t k = 0; k < N; ++k) offsets[k] += c.strides[k][a];
        if (++index[a] < c.dims[a]) break;
        for (size_t k = 0; k < N; ++k) offsets[k] -= c.strides[k][a] * c.dims[a];
        index[a] = 0;
      }
    }
  });
}

// The element strides of a row-major tensor of `dims` seen from an iteration space of `out`
// dims it broadcasts to (numpy rules): 0 along the axes it repeats.
inline ir::Dims broadcast_strides(const ir::Dims& dims, const ir::Dims& out) {
  ir::Dims strides(out.size(), 0);
  const ir::Dims own = ir::strides_of(dims);
  const size_t lead = out.size() - dims.size();
  for (size_t i = 0; i < dims.size(); ++i) strides[lead + i] = dims[i] == 1 ? 0 : own[i];
  return strides;
}

// Sets every element of the plain `dims` at `dst` to the `elem_size` bytes at `value`.
void fill_elements(std::byte* dst, size_t elem_size, const ir::Dims& dims, const void* value);

// Copies elements of `elem_size` bytes: destination operand 0, source operand 1 of `loop`.
// Contiguous rows are one memcpy, broadcast rows one fill.
void copy_strided(const std::byte* src, std::byte* dst, size_t elem_size,
                  const StridedLoop<2>& loop);

}  // namespace zenith::cpu
