// Asynchronous requests: concurrent runs give the synchronous results bit for bit, every
// callback fires once, failures reach wait() and callbacks, and a busy request says so.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <future>
#include <random>

#include "testing/source_data.h"
#include "zenith/zenith.h"

namespace zenith {
namespace {

Tensor random_input(Shape shape, uint32_t seed) {
  Tensor t(ElementType::f32, std::move(shape));
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t i = 0; i < t.size(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

bool same_bits(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.byte_size()) == 0;
}

// `model` (input [batch, channels, size, size]) on two streams: each of six requests, run four
// times, gives the synchronous result bit for bit, and its callback fires once per run.
void expect_concurrent_runs_match_sync(const std::string& model, int64_t channels, int64_t size) {
  const Core core;
  Config config;
  config.hint = PerformanceHint::throughput;
  config.num_streams = 2;
  const CompiledModel compiled = core.compile_model(testing::kToolsData / model, "CPU", config);
  constexpr int kRequests = 6, kRounds = 4;
  std::vector<Tensor> inputs, expected;
  InferRequest sync = compiled.create_infer_request();
  for (int i = 0; i < kRequests; ++i) {
    inputs.push_back(random_input({1 + i % 3, channels, size, size}, static_cast<uint32_t>(i)));
    sync.set_input(0, inputs.back());
    sync.infer();
    expected.push_back(sync.get_output(0));
  }
  std::vector<InferRequest> requests;
  std::vector<std::atomic<int>> calls(kRequests);
  for (int i = 0; i < kRequests; ++i) {
    requests.push_back(compiled.create_infer_request());
    requests[i].set_input(0, inputs[i]);
    requests[i].set_callback([&calls, i](std::exception_ptr e) {
      EXPECT_FALSE(e);
      ++calls[i];
    });
  }
  for (int round = 0; round < kRounds; ++round) {
    for (InferRequest& r : requests) r.start_async();
    for (int i = 0; i < kRequests; ++i) {
      requests[i].wait();
      EXPECT_TRUE(same_bits(requests[i].get_output(0), expected[i]))
          << "request " << i << ", round " << round;
    }
  }
  for (int i = 0; i < kRequests; ++i) EXPECT_EQ(calls[i].load(), kRounds) << "request " << i;
}

TEST(ApiAsync, ConcurrentRequestsMatchSyncRunsAndEachCallbackFiresOnce) {
  expect_concurrent_runs_match_sync("conv_small.onnx", 3, 16);
}

TEST(ApiAsync, KernelsWithScratchpadsRunOnAnyStream) {
  expect_concurrent_runs_match_sync("downsample.onnx", 32, 28);
}

TEST(ApiAsync, AFailureInsideARunReachesWaitOrTheCallback) {
  const Core core;
  const CompiledModel compiled =
      core.compile_model(testing::kToolsData / "gather_index.onnx", "CPU");
  std::vector<int64_t> bad = {0, 12};
  InferRequest request = compiled.create_infer_request();
  request.set_input(0, Tensor(ElementType::i64, {2}, bad.data()));
  request.start_async();
  try {
    request.wait();
    ADD_FAILURE() << "wait() did not rethrow";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("lookup"), std::string::npos) << e.what();
  }
  request.wait();  // rethrown once only

  std::promise<std::string> reported;
  request.set_callback([&](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
      reported.set_value("no error");
    } catch (const Error& error) {
      reported.set_value(error.what());
    }
  });
  request.start_async();
  EXPECT_NE(reported.get_future().get().find("lookup"), std::string::npos);
  request.wait();  // the callback had the failure: wait() does not rethrow it
  request.set_callback(nullptr);
  bad[1] = 2;
  request.start_async();
  request.wait();
  EXPECT_EQ(request.get_output(0).data<float>()[1], 30.0f);
}

TEST(ApiAsync, ABusyRequestRefusesAndWaitForTimesOut) {
  const Core core;
  InferRequest request =
      core.compile_model(testing::kToolsData / "relu.onnx", "CPU").create_infer_request();
  request.set_input(0, Tensor(ElementType::f32, {1, 4}));
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  request.set_callback([&, released](std::exception_ptr) {
    entered.set_value();
    released.wait();
  });
  request.start_async();
  entered.get_future().wait();  // the callback holds the request busy until released
  EXPECT_EQ(request.get_output(0).shape(), (Shape{1, 4}));  // its outputs are readable
  EXPECT_FALSE(request.wait_for(std::chrono::milliseconds(20)));
  for (auto call : {+[](InferRequest& r) { r.infer(); }, +[](InferRequest& r) { r.start_async(); },
                    +[](InferRequest& r) {
                      r.set_input(0, Tensor(ElementType::f32, {1, 4}));
                    }}) {
    try {
      call(request);
      ADD_FAILURE() << "a busy request accepted a call";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("the request is running"), std::string::npos)
          << e.what();
    }
  }
  release.set_value();
  EXPECT_TRUE(request.wait_for(std::chrono::seconds(30)));
  request.set_callback(nullptr);
  request.infer();  // usable again
}

TEST(ApiAsync, ACallbackMayStartTheNextRun) {
  const Core core;
  InferRequest request =
      core.compile_model(testing::kToolsData / "relu.onnx", "CPU").create_infer_request();
  request.set_input(0, Tensor(ElementType::f32, {2, 4}));
  int runs = 0;
  request.set_callback([&](std::exception_ptr e) {
    ASSERT_FALSE(e);
    if (++runs < 5) request.start_async();
  });
  request.start_async();
  request.wait();  // returns after the last callback of the chain
  EXPECT_EQ(runs, 5);
}

TEST(ApiAsync, ARunOutlivesTheHandlesToItsRequestAndModel) {
  std::promise<bool> done;
  {
    const CompiledModel compiled =
        Core().compile_model(testing::kToolsData / "conv_small.onnx", "CPU");
    InferRequest request = compiled.create_infer_request();
    request.set_input(0, random_input({2, 3, 16, 16}, 7));
    request.set_callback([&](std::exception_ptr e) { done.set_value(!e); });
    request.start_async();
  }  // both handles dropped while the run may still be going
  EXPECT_TRUE(done.get_future().get());
}

}  // namespace
}  // namespace zenith
