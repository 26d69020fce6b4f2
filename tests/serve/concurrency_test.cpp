// The serving threads under load from many callers (also built under ThreadSanitizer, `make
// tsan`): the pool that runs gRPC's inference calls, and dynamic batching, whose answers must be
// each request's own rows whatever batches the requests were merged into.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <future>
#include <thread>

#include "serve/served_model.h"
#include "serve/worker_pool.h"

namespace zenith::serve {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(ZENITH_SOURCE_DIR) / "tests/train/data/fashion_inference.onnx";

TEST(WorkerPool, RunsEveryTaskPostedFromManyThreads) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(3, 100000);
    std::vector<std::thread> posters;
    for (int p = 0; p < 4; ++p)
      posters.emplace_back([&] {
        for (int i = 0; i < 1000; ++i) EXPECT_TRUE(pool.post([&] { ++ran; }));
      });
    for (std::thread& t : posters) t.join();
  }  // the destructor runs what is still queued
  EXPECT_EQ(ran.load(), 4000);
}

TEST(WorkerPool, RefusesTasksBeyondTheBacklog) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  WorkerPool pool(1, 2);
  ASSERT_TRUE(pool.post([&] {
    started.set_value();
    released.wait();
  }));
  started.get_future().wait();  // the only thread is busy: posts now wait in the backlog
  EXPECT_TRUE(pool.post([] {}));
  EXPECT_TRUE(pool.post([] {}));
  EXPECT_FALSE(pool.post([] {}));
  release.set_value();
}

// Input i: rows of value i (so a row that lands in another request's answer shows).
InferenceRequest request_of(int i, int64_t rows, std::vector<float>& data) {
  data.assign(static_cast<size_t>(rows) * 28 * 28, static_cast<float>(i % 7) * 0.1f);
  InferenceRequest r;
  r.model = "m";
  r.id = std::to_string(i);
  InputTensor in{"input", ElementType::f32, {rows, 1, 28, 28}, nullptr, 0};
  set_data(r, in, data.data(), data.size() * sizeof(float));
  r.inputs.push_back(in);
  return r;
}

TEST(DynamicBatching, EachRequestGetsItsOwnRowsUnderConcurrentCallers) {
  ModelConfig plain, batched;
  batched.max_batch_size = 8;
  batched.max_queue_delay_us = 2000;
  ServingLimits limits;
  limits.threads = 1;
  limits.max_queue = 256;
  ServedModel reference("m", 1, kModel, plain, limits, nullptr);
  ServedModel model("m", 1, kModel, batched, limits, nullptr);
  std::vector<std::thread> callers;
  std::atomic<int> checked{0};
  for (int c = 0; c < 6; ++c)
    callers.emplace_back([&, c] {
      for (int k = 0; k < 20; ++k) {
        const int i = c * 20 + k;
        const int64_t rows = 1 + i % 3;
        std::vector<float> data;
        const InferenceRequest r = request_of(i, rows, data);
        const InferenceResponse got = model.infer(r);
        const InferenceResponse want = reference.infer(r);
        ASSERT_EQ(got.id, r.id);
        ASSERT_EQ(got.outputs.size(), 1u);
        const Tensor& a = got.outputs[0].tensor;
        const Tensor& b = want.outputs[0].tensor;
        ASSERT_EQ(a.shape(), b.shape());
        for (size_t e = 0; e < a.size(); ++e)
          ASSERT_NEAR(a.data<float>()[e], b.data<float>()[e], 1e-4f) << "request " << i;
        ++checked;
      }
    });
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(checked.load(), 120);
}

}  // namespace
}  // namespace zenith::serve
