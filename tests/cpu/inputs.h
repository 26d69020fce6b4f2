// Inputs and checks shared by the CPU differential tests: tensors of any dtype, a blocked
// producer, and REF's errors raised by a CPU step.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>

#include "cpu/differential.h"

namespace zenith::testing {

template <typename T>
ir::Tensor tensor_of(ir::Dims dims, const std::vector<T>& values) {
  ir::Tensor t(ir::dtype_of<T>(), std::move(dims));
  EXPECT_EQ(t.numel(), static_cast<int64_t>(values.size()));
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}

// A 1-D i64 tensor: shapes, axes, starts, pads.
inline ir::Tensor ints(const std::vector<int64_t>& values) {
  return tensor_of<int64_t>({static_cast<int64_t>(values.size())}, values);
}

// `random` (random_tensor's values in [-1, 1)) as `dtype`: integers round(value * scale), bools
// from the sign, floats unchanged.
inline ir::Tensor as_dtype(const ir::Tensor& random, ir::DType dtype, float scale = 100) {
  ir::Tensor t(dtype, random.dims());
  ir::visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>) {
      for (int64_t i = 0; i < t.numel(); ++i) t.data<T>()[i] = random.data<float>()[i] > 0;
    } else if constexpr (std::is_integral_v<T>) {
      for (int64_t i = 0; i < t.numel(); ++i)
        t.data<T>()[i] = T(std::round(random.data<float>()[i] * scale));
    } else if constexpr (std::is_same_v<T, float>) {
      t = random.clone();
    }
  });
  return t;
}

// The dtypes the data-movement steps take.
inline constexpr ir::DType kMovedDtypes[] = {ir::DType::F32, ir::DType::I64, ir::DType::I32,
                                             ir::DType::Bool};

// A 3x3 Conv of 32 channels reading "X" (its output "c" in 16-channel blocks), then `tail`
// reading "c" and producing "Y": how a test gives a node a blocked input.
inline std::shared_ptr<ir::Graph> after_conv(std::vector<ir::Node> tail,
                                             std::map<std::string, ir::Tensor> init = {}) {
  std::vector<ir::Node> nodes = {
      make_node("Conv", {"X", "W"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}})};
  nodes.insert(nodes.end(), tail.begin(), tail.end());
  init["W"] = random_tensor({32, 16, 3, 3}, 2);
  return make_graph(std::move(nodes), {"X"}, {"Y"}, init);
}

// Running `graph` on CPU with `feeds` throws an Error whose message holds every one of `parts`
// (REF's message and the node's name), and no step falls back to REF to do it.
inline void expect_cpu_error(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds,
                             std::initializer_list<std::string> parts) {
  const runtime::Plan plan(graph, {"CPU", "REF"});
  try {
    plan.run(feeds, 0);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    for (const std::string& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
}

}  // namespace zenith::testing
