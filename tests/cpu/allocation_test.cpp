// No tensor buffer is allocated during a CPU inference once the model has run with those shapes:
// step outputs, concat-chain buffers and layout copies come from the run's arena (cpu/arena.h),
// the returned outputs from buffers freed by earlier runs. Counted by interposing aligned_alloc, through which every tensor and CPU
// buffer is allocated (ir/tensor.cpp, devices/cpu/cpu_value.cpp). Small bookkeeping allocations
// remain: oneDNN 2.6's execute() itself makes about six (its argument maps) per primitive.
#include <dlfcn.h>

#include <atomic>
#include <cstdlib>

#include <filesystem>

#include "cpu/differential.h"
#include "runtime/session.h"

namespace {

std::atomic<bool> counting{false};
std::atomic<int> buffer_allocations{0};

}  // namespace

// AddressSanitizer intercepts the allocator itself; counting there is left to the plain build.
#if !defined(__SANITIZE_ADDRESS__)
extern "C" void* aligned_alloc(size_t alignment, size_t size) {
  using Fn = void* (*)(size_t, size_t);
  static const Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "aligned_alloc"));
  if (counting) ++buffer_allocations;
  return real(alignment, size);
}
#endif

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// Buffers allocated by the third run of `graph` on CPU: the first records its buffers'
// lifetimes, the second lays them out in an arena, the third reuses it.
int buffers_per_run(const ir::Graph& graph, const std::map<std::string, ir::Value>& feeds) {
  const hetero::HeteroPlan plan(graph, {"CPU", "REF"});
  for (int i = 0; i < 2; ++i) plan.run(feeds, 0);
  EXPECT_NE(plan.arena_layout(feeds), nullptr);
  buffer_allocations = 0;
  counting = true;
  { const auto outputs = plan.run(feeds, 0); }
  counting = false;
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
  return buffer_allocations;
}

// Under AddressSanitizer the allocator is its own, so the counting tests are not built there.
#if !defined(__SANITIZE_ADDRESS__)
TEST(CpuAllocation, CountingSeesTensorAllocations) {
  buffer_allocations = 0;
  counting = true;
  { const ir::Tensor t = random_tensor({64, 64}, 1); }
  counting = false;
  EXPECT_GE(buffer_allocations, 1);
}
#endif

TEST(CpuAllocation, NoBufferIsAllocatedPerInference) {
  // A residual block (Conv + BatchNormalization folded, the Add as an in-place sum), then a
  // DenseNet-style pair of layers over an in-place concat chain, pooled into a plain output.
  std::vector<ir::Node> nodes = {
      make_node("Conv", {"X", "W0"}, {"a"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      make_node("Relu", {"a"}, {"r"}),
      make_node("Conv", {"r", "W1"}, {"b"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      make_node("Add", {"b", "a"}, {"s"}),
      make_node("Conv", {"s", "W2"}, {"f1"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      make_node("Concat", {"s", "f1"}, {"c1"}, {{"axis", int64_t{1}}}),
      make_node("BatchNormalization", {"c1", "g", "beta", "mean", "var"}, {"n1"}),
      make_node("Relu", {"n1"}, {"q1"}),
      make_node("Conv", {"q1", "W3"}, {"f2"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}),
      make_node("Concat", {"s", "f1", "f2"}, {"c2"}, {{"axis", int64_t{1}}}),
      make_node("GlobalAveragePool", {"c2"}, {"Y"}),
  };
  std::map<std::string, ir::Tensor> init = {
      {"W0", random_tensor({16, 3, 3, 3}, 1)},   {"W1", random_tensor({16, 16, 3, 3}, 2)},
      {"W2", random_tensor({16, 16, 3, 3}, 3)},  {"W3", random_tensor({16, 32, 3, 3}, 4)},
      {"g", random_tensor({32}, 5)},             {"beta", random_tensor({32}, 6)},
      {"mean", random_tensor({32}, 7)},          {"var", random_tensor({32}, 8)}};
  for (int64_t k = 0; k < 32; ++k) init["var"].data<float>()[k] = 1.0f + 0.01f * static_cast<float>(k);
  const auto graph = make_graph(std::move(nodes), {"X"}, {"Y"}, init);
  for (int64_t batch : {1, 3}) {
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({batch, 3, 12, 10}, 9)}};
    testing::expect_cpu_matches_ref(*graph, feeds, testing::kWinograd);
#if !defined(__SANITIZE_ADDRESS__)  // there the count is AddressSanitizer's: the runs alone
    EXPECT_EQ(buffers_per_run(*graph, feeds), 0) << "batch " << batch;
#endif
  }
}

#if !defined(__SANITIZE_ADDRESS__)
// The zoo (`ctest -L models` exports it) at batch 1 and 2.
class CpuAllocationZoo : public ::testing::TestWithParam<std::string> {};

TEST_P(CpuAllocationZoo, NoBufferIsAllocatedPerInference) {
  const auto path = std::filesystem::path(ZENITH_BINARY_DIR) / "zoo" / (GetParam() + ".onnx");
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is absent: run `ctest -L models`";
  const ir::Graph graph = runtime::load_graph(path);
  for (int64_t batch : {1, 2}) {
    const std::map<std::string, ir::Value> feeds = {
        {graph.inputs[0].name, random_tensor({batch, 3, 224, 224}, 1)}};
    EXPECT_EQ(buffers_per_run(graph, feeds), 0) << "batch " << batch;
  }
}

INSTANTIATE_TEST_SUITE_P(Zoo, CpuAllocationZoo, ::testing::Values("resnet50", "chexnet", "mobilenet_v2"),
                         [](const auto& info) { return info.param; });
#endif

}  // namespace
}  // namespace zenith
