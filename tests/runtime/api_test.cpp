// The public API on small models: reading, ports, reshape, compiling, binding, running,
// profiling, placement, and the errors of each.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "ir/zir.h"
#include "runtime/compiled_model_impl.h"
#include "runtime/session.h"
#include "testing/expect_error.h"
#include "testing/source_data.h"
#include "testing/temp_dir.h"
#include "zenith/zenith.h"

namespace zenith {
namespace {

using testing::expect_error;

TEST(Api, ReadsPortsAndRunsAModel) {
  const Core core;
  const Model model = core.read_model(testing::kToolsData / "relu.onnx");
  ASSERT_EQ(model.inputs().size(), 1u);
  const Port& x = model.input("x");
  EXPECT_EQ(x.element_type, ElementType::f32);
  EXPECT_EQ(x.shape, (Shape{-1, 4}));
  EXPECT_EQ(x.dim_names, (std::vector<std::string>{"batch", ""}));
  EXPECT_EQ(model.outputs()[0].name, "y");

  const CompiledModel compiled = core.compile_model(model, "CPU");
  InferRequest request = compiled.create_infer_request();
  Tensor in(ElementType::f32, {2, 4});
  for (int i = 0; i < 8; ++i) in.data<float>()[i] = static_cast<float>(i - 4);
  request.set_input("x", in);
  request.infer();
  const Tensor out = request.get_output("y");
  ASSERT_EQ(out.shape(), (Shape{2, 4}));
  for (int i = 0; i < 8; ++i)
    EXPECT_EQ(out.data<float>()[i], std::max(0.0f, static_cast<float>(i - 4)));
}

TEST(Api, ReadsAZirAsItReadsTheOnnx) {
  const testing::TempDir dir("api");
  ir::write_zir(runtime::load_graph(testing::kToolsData / "conv_small.onnx"), dir / "model.zir");
  const Core core;
  const Model onnx = core.read_model(testing::kToolsData / "conv_small.onnx");
  const Model zir = core.read_model(dir / "model.zir");
  EXPECT_EQ(to_string(zir.input("x")), to_string(onnx.input("x")));
  EXPECT_EQ(to_string(zir.output("y")), to_string(onnx.output("y")));
  Tensor in(ElementType::f32, {1, 3, 16, 16});
  for (size_t i = 0; i < in.size(); ++i) in.data<float>()[i] = static_cast<float>(i % 7) - 3.0f;
  std::vector<Tensor> outputs;
  for (const Model* model : {&onnx, &zir}) {
    InferRequest request = core.compile_model(*model, "CPU").create_infer_request();
    request.set_input("x", in);
    request.infer();
    outputs.push_back(request.get_output("y"));
  }
  ASSERT_EQ(outputs[1].shape(), outputs[0].shape());
  EXPECT_EQ(std::memcmp(outputs[1].data(), outputs[0].data(), outputs[0].byte_size()), 0);
}

TEST(Api, InputsAreNotCopied) {
  const Core core;
  InferRequest request =
      core.compile_model(testing::kToolsData / "relu.onnx", "REF").create_infer_request();
  std::vector<float> mine = {1, -2, 3, -4};
  request.set_input(0, Tensor(ElementType::f32, {1, 4}, mine.data()));
  EXPECT_EQ(request.get_input("x").data(), mine.data());
  request.infer();
  EXPECT_EQ(request.get_output(0).data<float>()[2], 3.0f);
  mine[2] = 7;  // the next run reads the caller's buffer as it is then
  const Tensor before = request.get_output(0);
  request.infer();
  EXPECT_EQ(request.get_output(0).data<float>()[2], 7.0f);
  EXPECT_EQ(before.data<float>()[2], 3.0f);  // an earlier output keeps its values
}

TEST(Api, BadCallsNameWhatIsWrongAndTheRequestStaysUsable) {
  const Core core;
  expect_error([&] { core.compile_model(testing::kToolsData / "relu.onnx", "GPU"); },
               Error::Kind::InvalidArgument, "unknown device 'GPU'");
  expect_error([&] { core.read_model(testing::kToolsData / "truncated.npy"); },
               Error::Kind::InvalidArgument, "truncated.npy");
  InferRequest request =
      core.compile_model(testing::kToolsData / "relu.onnx", "CPU").create_infer_request();
  expect_error([&] { request.infer(); }, Error::Kind::InvalidArgument,
               "input 'x' (f32[batch,4]) is not set");
  expect_error([&] { request.get_output("y"); }, Error::Kind::InvalidArgument,
               "no run has completed");
  expect_error(
      [&] {
        request.set_input("q", Tensor(ElementType::f32, {1, 4}));
      },
      Error::Kind::InvalidArgument, "no input 'q'; its inputs are 'x'");
  expect_error(
      [&] {
        request.set_input(1, Tensor(ElementType::f32, {1, 4}));
      },
      Error::Kind::InvalidArgument, "input index 1 is out of range");
  expect_error(
      [&] {
        request.set_input("x", Tensor(ElementType::f64, {1, 4}));
      },
      Error::Kind::InvalidArgument, "input 'x' is f32[batch,4]; the tensor is f64[1,4]");
  expect_error(
      [&] {
        request.set_input("x", Tensor(ElementType::f32, {1, 5}));
      },
      Error::Kind::InvalidArgument, "the tensor is f32[1,5]");
  expect_error([&] { request.get_output("z"); }, Error::Kind::InvalidArgument, "no output 'z'");
  expect_error([&] { request.profiling_info(); }, Error::Kind::InvalidArgument, "profiling is off");
  expect_error([&] { Tensor(ElementType::f32, {2}).data<int64_t>(); }, Error::Kind::InvalidArgument,
               "holds f32, T is i64");
  expect_error([&] { Tensor(ElementType::f32, {-1, 2}); }, Error::Kind::InvalidArgument, "");
  request.set_input("x", Tensor(ElementType::f32, {3, 4}));
  request.infer();
  EXPECT_EQ(request.get_output("y").shape(), (Shape{3, 4}));
}

TEST(Api, AFailureInsideARunNamesTheNodeAndLeavesTheRequestUsable) {
  const Core core;
  InferRequest request =
      core.compile_model(testing::kToolsData / "gather_index.onnx", "CPU").create_infer_request();
  std::vector<int64_t> idx = {1, 9};
  request.set_input("idx", Tensor(ElementType::i64, {2}, idx.data()));
  expect_error([&] { request.infer(); }, Error::Kind::InvalidArgument, "lookup");
  idx[1] = 3;
  request.infer();
  EXPECT_EQ(request.get_output(0).data<float>()[1], 40.0f);
}

TEST(Api, ReshapeFixesInputsAndOutputsFollow) {
  const Core core;
  const Model model = core.read_model(testing::kToolsData / "conv_small.onnx");
  Model fixed = model;
  fixed.reshape({2, 3, 16, 16});
  EXPECT_EQ(fixed.input("x").shape, (Shape{2, 3, 16, 16}));
  EXPECT_EQ(fixed.output("y").shape, (Shape{2, 8, 16, 16}));
  EXPECT_EQ(model.input("x").shape, (Shape{-1, 3, 16, 16})) << "copies are independent";
  expect_error(
      [&] {
        fixed.reshape({{"x", {2, 3, 16}}});
      },
      Error::Kind::InvalidArgument, "[2,3,16] does not fit");
  expect_error(
      [&] {
        Model(model).reshape({{"x", {1, 4, 16, 16}}});
      },
      Error::Kind::InvalidArgument, "input 'x' is f32[batch,3,16,16]");
  InferRequest request = core.compile_model(fixed, "CPU").create_infer_request();
  expect_error(
      [&] {
        request.set_input("x", Tensor(ElementType::f32, {1, 3, 16, 16}));
      },
      Error::Kind::InvalidArgument, "input 'x' is f32[2,3,16,16]");
}

TEST(Api, ProfilingAndPlacementShowWhereEachStepRan) {
  const Core core;
  Config config;
  config.profiling = true;
  const CompiledModel compiled =
      core.compile_model(testing::kToolsData / "conv_small.onnx", "CPU", config);
  ASSERT_EQ(compiled.placement().size(), 2u);
  EXPECT_EQ(compiled.placement()[0].device, "CPU");
  EXPECT_EQ(compiled.placement()[1].fused_into, "conv");
  InferRequest request = compiled.create_infer_request();
  request.set_input(0, Tensor(ElementType::f32, {1, 3, 16, 16}));
  request.infer();
  const std::vector<ProfilingInfo> steps = request.profiling_info();
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].node, "conv");
  EXPECT_EQ(steps[0].op, "Conv+Relu");
  EXPECT_EQ(steps[0].device, "CPU");
  EXPECT_FALSE(steps[0].implementation.empty());
  EXPECT_GE(steps[0].ms, 0.0);
}

TEST(ApiZoo, EachRequestLaysOutItsOwnArena) {
  const auto path = std::filesystem::path(ZENITH_BINARY_DIR) / "zoo" / "mobilenet_v2.onnx";
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " is absent: run `ctest -L models`";
  const CompiledModel compiled = Core().compile_model(path, "CPU");
  InferRequest first = compiled.create_infer_request(), second = compiled.create_infer_request();
  first.set_input(0, Tensor(ElementType::f32, {1, 3, 224, 224}));
  first.infer();
  const MemoryInfo memory = first.memory_info();
  EXPECT_GT(memory.tensors, 10u);
  EXPECT_GT(memory.arena_bytes, 0u);
  EXPECT_LT(memory.arena_bytes, memory.tensor_bytes);
  EXPECT_EQ(second.memory_info().arena_bytes, 0u) << "the second request has not run yet";
}

TEST(Api, HintsResolveToStreamsAndThreads) {
  Config latency;
  const Config l = runtime::resolve_config(latency, 16);
  EXPECT_EQ(l.num_streams, 1);
  EXPECT_EQ(l.num_threads, 16);
  Config throughput;
  throughput.hint = PerformanceHint::throughput;
  const Config small = runtime::resolve_config(throughput, 2);
  EXPECT_EQ(small.num_streams, 2);
  EXPECT_EQ(small.num_threads, 2);
  const Config large = runtime::resolve_config(throughput, 16);
  EXPECT_EQ(large.num_streams, 4);
  EXPECT_EQ(large.num_threads, 16);
  Config two_of_five = throughput;
  two_of_five.num_streams = 2;
  two_of_five.num_threads = 5;
  EXPECT_EQ(runtime::resolve_config(two_of_five, 16).num_threads, 4);  // 2 threads per stream
  Config bad;
  bad.num_streams = -1;
  expect_error([&] { runtime::resolve_config(bad, 2); }, Error::Kind::InvalidArgument,
               "num_streams is -1");
  const CompiledModel compiled =
      Core().compile_model(testing::kToolsData / "relu.onnx", "CPU", throughput);
  EXPECT_EQ(compiled.optimal_number_of_requests(), compiled.config().num_streams);
  EXPECT_EQ(compiled.config().hint, PerformanceHint::throughput);
}

}  // namespace
}  // namespace zenith
