// What the autograd tests share: a model with fixed input shapes, and the training graph's
// gradients against central finite differences of its own loss on REF.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "devices/reference/interpreter.h"
#include "train/autograd.h"

namespace zenith::testing {

using Feeds = std::map<std::string, ir::Value>;

// `g` with its inputs' shapes fixed, as a training graph is built for one batch size; an input
// named in `ids` is an i64 tensor (token or class ids), the others f32.
inline std::shared_ptr<ir::Graph> fixed(std::shared_ptr<ir::Graph> g,
                                        const std::map<std::string, ir::Dims>& inputs,
                                        const std::vector<std::string>& ids = {}) {
  for (ir::ValueInfo& in : g->inputs) {
    const bool integer = std::find(ids.begin(), ids.end(), in.name) != ids.end();
    in.type = ir::TypeInfo::tensor(integer ? ir::DType::I64 : ir::DType::F32,
                                   ir::to_shape(inputs.at(in.name)));
  }
  return g;
}

inline float loss_of(const train::TrainingGraph& t, const Feeds& feeds) {
  return *ref::Interpreter().run(t.graph, feeds).at(0).tensor().data<float>();
}

// Every gradient output against (L(p + eps) - L(p - eps)) / 2 eps for up to 8 elements of each
// parameter. f32 arithmetic: eps 1e-2 keeps the loss difference well above its rounding, and
// the second-order error of a central difference is eps^2-small for these smooth-enough losses.
// (REF runs with one seed every time, so a training-mode Dropout draws the same mask in each.)
inline void expect_gradients_match_finite_differences(const train::TrainingGraph& t,
                                                      const Feeds& feeds) {
  constexpr float kEps = 1e-2f;
  const std::vector<ir::Value> out = ref::Interpreter().run(t.graph, feeds);
  ASSERT_EQ(out.size(), 2 + t.gradients.size());
  ASSERT_FALSE(t.parameters.empty());
  for (size_t k = 0; k < t.parameters.size(); ++k) {
    const std::string& p = t.parameters[k];
    const ir::Tensor& grad = out[2 + k].tensor();
    const ir::Tensor& value = t.graph.initializers.at(p);
    ASSERT_EQ(grad.dims(), value.dims()) << p;
    const int64_t step = std::max<int64_t>(1, value.numel() / 8);
    for (int64_t j = 0; j < value.numel(); j += step) {
      float at[2];
      for (int side = 0; side < 2; ++side) {
        ir::Tensor moved = value.clone();
        moved.data<float>()[j] += side == 0 ? kEps : -kEps;
        Feeds f = feeds;
        f[p] = moved;
        at[side] = loss_of(t, f);
      }
      const float numeric = (at[0] - at[1]) / (2 * kEps);
      const float analytic = grad.data<float>()[j];
      EXPECT_NEAR(analytic, numeric, 2e-3 + 2e-2 * std::abs(numeric)) << p << "[" << j << "]";
    }
  }
}

inline ir::Tensor class_ids(std::vector<int64_t> values, ir::Dims dims = {}) {
  if (dims.empty()) dims = {static_cast<int64_t>(values.size())};
  ir::Tensor t(ir::DType::I64, dims);
  std::copy(values.begin(), values.end(), t.data<int64_t>());
  return t;
}

}  // namespace zenith::testing
