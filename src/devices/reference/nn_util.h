// Helpers shared by the REF neural-network kernels: dtype checks and conversion of tensors to and
// from contiguous working buffers (float / double / int32), so loop nests stay non-generic.
#pragma once

#include <cmath>
#include <string_view>
#include <type_traits>
#include <vector>

#include "ir/errors.h"
#include "ir/tensor.h"

namespace zenith::ref {

// Throws InvalidArgument unless `t` has a floating dtype (f32, f64, f16, bf16).
inline void require_floating(const ir::Tensor& t, std::string_view what) {
  if (!ir::is_floating(t.dtype()))
    throw_invalid_argument("{} has dtype {}, expected a floating type", what,
                           ir::dtype_name(t.dtype()));
}

// Throws InvalidArgument unless `t` has the same dtype as `like`.
inline void require_same_dtype(const ir::Tensor& t, std::string_view what, const ir::Tensor& like,
                               std::string_view like_what) {
  if (t.dtype() != like.dtype())
    throw_invalid_argument("{} has dtype {}, expected {} like {}", what, ir::dtype_name(t.dtype()),
                           ir::dtype_name(like.dtype()), like_what);
}

// The elements of `t` (any numeric dtype) converted to Acc.
template <typename Acc>
std::vector<Acc> load_as(const ir::Tensor& t, std::string_view what) {
  std::vector<Acc> out(static_cast<size_t>(t.numel()));
  ir::visit_numeric(t.dtype(), what, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = t.data<T>();
    for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<Acc>(src[i]);
  });
  return out;
}

// Writes `src` (dst.numel() elements) into `dst`, converting to its dtype.
template <typename Acc>
void store_as(const Acc* src, ir::Tensor& dst) {
  ir::visit_numeric(dst.dtype(), "store", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* out = dst.data<T>();
    for (int64_t i = 0; i < dst.numel(); ++i) out[i] = static_cast<T>(src[i]);
  });
}

// Numpy matmul geometry: a 1-D A is promoted to [1, K] and a 1-D B to [K, 1] (the added axis is
// dropped from the output); the batch dims (all but the last two) broadcast.
struct MatMulShape {
  int64_t m = 0, k = 0, n = 0;
  ir::Dims a_batch, b_batch, batch;  // the operands' batch dims and their broadcast
  ir::Dims out_dims;
};

inline MatMulShape matmul_shape(const ir::Dims& a, const ir::Dims& b) {
  if (a.empty() || b.empty())
    throw_invalid_argument("A {} and B {} must have rank >= 1", ir::to_string(a), ir::to_string(b));
  ir::Dims ad = a, bd = b;
  if (a.size() == 1) ad.insert(ad.begin(), 1);
  if (b.size() == 1) bd.push_back(1);
  MatMulShape s;
  s.m = ad[ad.size() - 2];
  s.k = ad.back();
  s.n = bd.back();
  if (bd[bd.size() - 2] != s.k)
    throw_invalid_argument("A {} and B {} have different K ({} vs {})", ir::to_string(a),
                           ir::to_string(b), s.k, bd[bd.size() - 2]);
  s.a_batch.assign(ad.begin(), ad.end() - 2);
  s.b_batch.assign(bd.begin(), bd.end() - 2);
  s.batch = ir::broadcast_dims(s.a_batch, s.b_batch);
  s.out_dims = s.batch;
  if (a.size() > 1) s.out_dims.push_back(s.m);
  if (b.size() > 1) s.out_dims.push_back(s.n);
  return s;
}

}  // namespace zenith::ref
