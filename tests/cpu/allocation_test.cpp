// What a CPU inference allocates once the model has run twice with those shapes (the first run
// records its buffers' lifetimes, the second lays them out in an arena, the third reuses it):
// - tensor buffers (aligned_alloc, through which every tensor and CPU buffer is allocated:
//   ir/tensor.cpp, devices/cpu/cpu_value.cpp), on any thread: none;
// - every heap allocation on the calling thread (operator new, malloc, calloc, realloc,
//   aligned_alloc, posix_memalign), split into oneDNN's own inside its execute() (its argument
//   maps, which no caller of its API avoids; cpu::inside_onednn_execute tells them apart) and
//   the rest, Zenith's.
// The counts come from replacing the allocator in this binary. ZENITH_ALLOC_TRACE=1 prints a
// backtrace for each allocation of Zenith's that is counted.
#include <execinfo.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <new>

#include "cpu/differential.h"
#include "devices/cpu/kernel_trace.h"
#include "ir/zir.h"
#include "reference/run_node.h"
#include "runtime/session.h"
#include "runtime/tensor_bridge.h"
#include "testing/temp_dir.h"
#include "zenith/zenith.h"

// AddressSanitizer replaces the allocator itself; counting there is left to the plain build.
#if !defined(__SANITIZE_ADDRESS__)
extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t count, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
}

namespace {

std::atomic<bool> counting_buffers{false};
std::atomic<int> buffer_allocations{0};
thread_local bool counting_here = false;  // counts the calling thread's allocations
thread_local bool tracing = false;        // inside a backtrace: not counted
int ours = 0;
int onednns = 0;
const bool trace_allocations = std::getenv("ZENITH_ALLOC_TRACE") != nullptr;

void note_allocation() {
  if (!counting_here || tracing) return;
  if (zenith::cpu::inside_onednn_execute()) {
    ++onednns;
    return;
  }
  ++ours;
  if (!trace_allocations) return;
  tracing = true;
  void* frames[24];
  const int n = backtrace(frames, 24);
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  (void)!write(STDERR_FILENO, "--\n", 3);
  tracing = false;
}

void* checked(void* p) {
  if (!p) throw std::bad_alloc();
  return p;
}

}  // namespace

extern "C" void* malloc(size_t size) {
  note_allocation();
  return __libc_malloc(size);
}

extern "C" void* calloc(size_t count, size_t size) {
  note_allocation();
  return __libc_calloc(count, size);
}

extern "C" void* realloc(void* p, size_t size) {
  note_allocation();
  return __libc_realloc(p, size);
}

extern "C" void* aligned_alloc(size_t alignment, size_t size) {
  note_allocation();
  if (counting_buffers) ++buffer_allocations;
  return __libc_memalign(alignment, size);
}

extern "C" int posix_memalign(void** out, size_t alignment, size_t size) {
  note_allocation();
  *out = __libc_memalign(alignment, size);
  return *out ? 0 : ENOMEM;
}

void* operator new(size_t size) {
  note_allocation();
  return checked(__libc_malloc(size ? size : 1));
}

void* operator new[](size_t size) {
  note_allocation();
  return checked(__libc_malloc(size ? size : 1));
}

void* operator new(size_t size, std::align_val_t alignment) {
  note_allocation();
  return checked(__libc_memalign(static_cast<size_t>(alignment), size ? size : 1));
}

void* operator new[](size_t size, std::align_val_t alignment) {
  note_allocation();
  return checked(__libc_memalign(static_cast<size_t>(alignment), size ? size : 1));
}

void* operator new(size_t size, const std::nothrow_t&) noexcept {
  note_allocation();
  return __libc_malloc(size ? size : 1);
}

void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  note_allocation();
  return __libc_malloc(size ? size : 1);
}
#endif

namespace zenith {
namespace {

using testing::make_graph;
using testing::make_node;
using testing::random_tensor;

// What the third run of `graph` on CPU allocated.
struct RunAllocations {
  int buffers = 0;     // tensor buffers, on any thread
  int ours = 0;        // heap allocations on the calling thread outside oneDNN's execute()
  int onednn = 0;      // those inside it
  int primitives = 0;  // oneDNN primitives the run executed
};

RunAllocations allocations_per_run(const ir::Graph& graph,
                                   const std::map<std::string, ir::Value>& feeds) {
  const runtime::Plan plan(graph, {"CPU", "REF"});
  std::vector<ir::Value> outputs;  // the caller's, reused run after run
  for (int i = 0; i < 2; ++i) plan.run_into(feeds, outputs, 0);
  EXPECT_NE(plan.arena_layout(feeds), nullptr);
  RunAllocations counted;
#if !defined(__SANITIZE_ADDRESS__)
  if (trace_allocations) {  // backtrace() loads its unwinder on first use
    void* frame;
    backtrace(&frame, 1);
  }
  buffer_allocations = ours = onednns = 0;
  const uint64_t executed = cpu::onednn_executes();
  counting_buffers = counting_here = true;
  plan.run_into(feeds, outputs, 0);
  counting_buffers = counting_here = false;
  counted = {buffer_allocations, ours, onednns,
             static_cast<int>(cpu::onednn_executes() - executed)};
  ::testing::Test::RecordProperty("allocations_ours", counted.ours);
  ::testing::Test::RecordProperty("allocations_onednn_execute", counted.onednn);
  std::printf(
      "[ allocs   ] third run: %d buffers, %d of Zenith's, %d inside oneDNN's execute() of %d "
      "primitives\n",
      counted.buffers, counted.ours, counted.onednn, counted.primitives);
#endif
  EXPECT_EQ(plan.ref_fallbacks(), 0u);
  return counted;
}

// What a run itself allocates, whatever the model (ARCHITECTURE.md, "Buffers").
constexpr int kRunsOwn = 0;

// Zenith's allocations in the third InferRequest::infer() of `request` (inputs set), the
// public API's whole path: the request's feeds, the session's choice of plan, the plan's run
// and the output tensors.
int allocations_per_infer(InferRequest& request) {
  for (int i = 0; i < 2; ++i) request.infer();
  int counted = 0;
#if !defined(__SANITIZE_ADDRESS__)
  ours = onednns = 0;
  counting_here = true;
  request.infer();
  counting_here = false;
  counted = ours;
  std::printf("[ allocs   ] third infer(): %d of Zenith's, %d inside oneDNN's execute()\n", ours,
              onednns);
#endif
  return counted;
}

// Under AddressSanitizer the allocator is its own, so the counting tests are not built there.
#if !defined(__SANITIZE_ADDRESS__)
TEST(CpuAllocation, CountingSeesAllocations) {
  buffer_allocations = ours = 0;
  counting_buffers = counting_here = true;
  { const ir::Tensor t = random_tensor({64, 64}, 1); }
  { const auto p = std::make_unique<int>(1); }
  counting_buffers = counting_here = false;
  EXPECT_GE(buffer_allocations, 1);
  EXPECT_GE(ours, 2);
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
  std::map<std::string, ir::Tensor> init = {{"W0", random_tensor({16, 3, 3, 3}, 1)},
                                            {"W1", random_tensor({16, 16, 3, 3}, 2)},
                                            {"W2", random_tensor({16, 16, 3, 3}, 3)},
                                            {"W3", random_tensor({16, 32, 3, 3}, 4)},
                                            {"g", random_tensor({32}, 5)},
                                            {"beta", random_tensor({32}, 6)},
                                            {"mean", random_tensor({32}, 7)},
                                            {"var", random_tensor({32}, 8)}};
  for (int64_t k = 0; k < 32; ++k)
    init["var"].data<float>()[k] = 1.0f + 0.01f * static_cast<float>(k);
  const auto graph = make_graph(std::move(nodes), {"X"}, {"Y"}, init);
  for (int64_t batch : {1, 3}) {
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({batch, 3, 12, 10}, 9)}};
    testing::expect_cpu_matches_ref(*graph, feeds, testing::kWinograd);
#if !defined(__SANITIZE_ADDRESS__)  // there the count is AddressSanitizer's: the runs alone
    const RunAllocations counted = allocations_per_run(*graph, feeds);
    EXPECT_EQ(counted.buffers, 0) << "batch " << batch;
    EXPECT_LE(counted.ours, kRunsOwn) << "batch " << batch;
#endif
  }
}

TEST(CpuAllocation, TransformerStepsAllocateNoBufferPerInference) {
  // LayerNorm, a projection with a fused GELU, attention, and the steps that use scratch
  // buffers of their own: a reduction over non-adjacent axes (transposed first), a softmax on a
  // middle axis (transposed there and back), and Erf.
  auto gelu = make_node("Gelu", {"h"}, {"g"}, {{"approximate", std::string("none")}});
  gelu.domain = "zenith";
  auto attention = make_node("Attention", {"g", "kt", "g"}, {"o"}, {{"scale", 0.25f}});
  attention.domain = "zenith";
  const auto graph = make_graph(
      {make_node("LayerNormalization", {"X", "gamma", "beta"}, {"n"}, {{"axis", int64_t{-1}}}),
       make_node("MatMul", {"n", "W"}, {"m"}), make_node("Add", {"m", "bias"}, {"h"}), gelu,
       make_node("Transpose", {"g"}, {"kt"}, {{"perm", std::vector<int64_t>{0, 2, 1}}}), attention,
       make_node("Softmax", {"o"}, {"p"}, {{"axis", int64_t{1}}}), make_node("Erf", {"p"}, {"e"}),
       make_node("ReduceSum", {"e", "axes"}, {"Y"}, {{"keepdims", int64_t{0}}})},
      {"X"}, {"Y"},
      {{"gamma", random_tensor({24}, 1)},
       {"beta", random_tensor({24}, 2)},
       {"W", random_tensor({24, 16}, 3)},
       {"bias", random_tensor({16}, 4)},
       {"axes", testing::make_tensor<int64_t>({2}, {0, 2})}});
  for (int64_t batch : {1, 3}) {
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({batch, 7, 24}, 9)}};
    testing::expect_cpu_matches_ref(*graph, feeds, {.rtol = 1e-4, .atol = 1e-5});
#if !defined(__SANITIZE_ADDRESS__)
    const RunAllocations counted = allocations_per_run(*graph, feeds);
    EXPECT_EQ(counted.buffers, 0) << "batch " << batch;
    EXPECT_LE(counted.ours, kRunsOwn) << "batch " << batch;
#endif
  }
}

TEST(CpuAllocation, RecommenderAndRecurrentStepsAllocateOnlyTheRunsOwn) {
  // A DLRM-style embedding bag (Gather, ReduceSum) unsqueezed and concatenated with the dense
  // features, reshaped into a sequence for an LSTM with all three outputs: the steps that
  // derive shapes, read integer inputs and wrap plain outputs on every run.
  const auto graph = make_graph(
      {make_node("Gather", {"table", "ids"}, {"rows"}),
       make_node("ReduceSum", {"rows", "one"}, {"bag"}, {{"keepdims", int64_t{0}}}),
       make_node("Unsqueeze", {"bag", "one"}, {"bag3"}),
       make_node("Unsqueeze", {"X", "one"}, {"x3"}),
       make_node("Concat", {"x3", "bag3"}, {"c"}, {{"axis", int64_t{1}}}),
       make_node("Reshape", {"c", "seq_shape"}, {"s"}),
       make_node("LSTM", {"s", "W", "R", "B"}, {"Y", "Y_h", "Y_c"}, {{"hidden_size", int64_t{5}}})},
      {"X", "ids"}, {"Y", "Y_h", "Y_c"},
      {{"table", random_tensor({20, 6}, 1)},
       {"one", testing::make_tensor<int64_t>({1}, {1})},
       {"seq_shape", testing::make_tensor<int64_t>({3}, {2, -1, 6})},
       {"W", random_tensor({1, 20, 6}, 2)},
       {"R", random_tensor({1, 20, 5}, 3)},
       {"B", random_tensor({1, 40}, 4)}});
  graph->inputs[1].type.dtype = ir::DType::I64;  // the ids; the API checks what it is given
  for (int64_t batch : {2, 4}) {
    ir::Tensor ids(ir::DType::I64, {batch, 3});
    for (int64_t i = 0; i < ids.numel(); ++i) ids.data<int64_t>()[i] = (i * 7) % 20 - 4;
    const std::map<std::string, ir::Value> feeds = {{"X", random_tensor({batch, 6}, 9)},
                                                    {"ids", ids}};
    testing::expect_cpu_matches_ref(*graph, feeds, {.rtol = 1e-4, .atol = 1e-5});
#if !defined(__SANITIZE_ADDRESS__)
    const RunAllocations counted = allocations_per_run(*graph, feeds);
    EXPECT_EQ(counted.buffers, 0) << "batch " << batch;
    EXPECT_LE(counted.ours, kRunsOwn) << "batch " << batch;
#endif
    // The same through the public API, two inputs and three outputs.
    const testing::TempDir dir("alloc");
    ir::write_zir(*graph, dir.path() / "model.zir");
    InferRequest request =
        Core().compile_model(dir.path() / "model.zir", "CPU").create_infer_request();
    for (const auto& [name, value] : feeds)
      request.set_input(name, TensorAccess::from_ir(value.tensor(), name));
    EXPECT_LE(allocations_per_infer(request), kRunsOwn) << "batch " << batch;
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
    const RunAllocations counted = allocations_per_run(graph, feeds);
    EXPECT_EQ(counted.buffers, 0) << "batch " << batch;
    EXPECT_LE(counted.ours, kRunsOwn) << "batch " << batch;
  }
  InferRequest request = Core().compile_model(path, "CPU").create_infer_request();
  request.set_input(0, TensorAccess::from_ir(random_tensor({1, 3, 224, 224}, 1), "input"));
  EXPECT_LE(allocations_per_infer(request), kRunsOwn);
}

INSTANTIATE_TEST_SUITE_P(Zoo, CpuAllocationZoo,
                         ::testing::Values("resnet50", "chexnet", "mobilenet_v2"),
                         [](const auto& info) { return info.param; });
#endif

}  // namespace
}  // namespace zenith
