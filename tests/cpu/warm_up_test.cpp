// Plan::warm_up: compiling by running once, and steps the CPU declines becoming REF steps
// with a reason rather than silent reruns on every inference.
#include "cpu/differential.h"

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;

ir::Tensor f64_tensor(ir::Dims dims) {
  ir::Tensor t(ir::DType::F64, std::move(dims));
  for (int64_t i = 0; i < t.numel(); ++i) t.data<double>()[i] = 0.1 * static_cast<double>(i % 7);
  return t;
}

TEST(CpuWarmUp, AStepTheCpuDeclinesBecomesARefStepThatSaysWhy) {
  // The graph does not declare X's dtype, so placement takes LRN; the f64 run shows the CPU
  // kernel (f32 only) cannot.
  auto g = make_graph({make_node("Relu", {"X"}, {"r"}),
                       make_node("LRN", {"r"}, {"Y"}, {{"size", int64_t{3}}})},
                      {"X"}, {"Y"});
  runtime::Plan plan(*g, {"CPU", "REF"});
  const std::map<std::string, ir::Value> feeds = {{"X", f64_tensor({1, 4, 3, 3})}};
  ASSERT_EQ(plan.assignments().back().device, "CPU");
  plan.warm_up(feeds);
  EXPECT_EQ(plan.ref_fallbacks(), 0u) << "the warm-up's fallbacks are compilation, not runs";
  const hetero::Assignment& lrn = plan.assignments().back();
  EXPECT_EQ(lrn.device, "REF");
  EXPECT_NE(lrn.reason.find("does not take these inputs"), std::string::npos) << lrn.reason;
  testing::expect_outputs_near(plan.run(feeds, 0), ref::Interpreter().run(*g, feeds), 0, 0);
  EXPECT_EQ(plan.ref_fallbacks(), 0u) << "a REF step of the plan is not a fallback";
}

TEST(CpuWarmUp, AStepTheCpuRunsStaysOnCpu) {
  auto g = make_graph({make_node("Relu", {"X"}, {"Y"})}, {"X"}, {"Y"});
  runtime::Plan plan(*g, {"CPU", "REF"});
  const std::map<std::string, ir::Value> feeds = {{"X", testing::random_tensor({2, 3})}};
  plan.warm_up(feeds);
  EXPECT_EQ(plan.assignments().back().device, "CPU");
  std::vector<runtime::StepProfile> profile;
  plan.run(feeds, 0, &profile);
  ASSERT_EQ(profile.size(), 1u);
  EXPECT_EQ(profile[0].device, "CPU");
}

}  // namespace
}  // namespace zenith
