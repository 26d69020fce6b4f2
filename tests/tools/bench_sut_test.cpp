// EngineSut under LoadGen on a tiny model: many back-to-back queries, so that LoadGen issues
// the next one while the previous request's callback is still returning. That window is short:
// without EngineSut's wait, CI's ASan run hit it in 1 of 3 SingleStream runs, and these tests
// failed every time with 200 us added to the end of the callback.
#include "tools/bench_sut.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "loadgen/run_test.h"
#include "testing/source_data.h"

namespace zenith::tools {
namespace {

loadgen::TestSettings single_stream(uint64_t queries) {
  loadgen::TestSettings s;
  s.scenario = loadgen::Scenario::SingleStream;
  s.min_duration_ms = 0;
  s.min_query_count = queries;
  s.max_query_count = queries;
  s.single_stream_expected_latency_ns = 10'000;
  return s;
}

TensorQsl ones_qsl() {
  return TensorQsl("ones", 16, 16, [](size_t) {
    Tensor t(ElementType::f32, {1, 4});
    std::fill_n(t.data<float>(), t.size(), 1.0f);
    return t;
  });
}

// A freed request is reused by LoadGen's thread as soon as its samples complete, which is
// before its callback has returned; EngineSut must wait for that, not fail the sample.
// `batch`: 0 leaves relu.onnx's batch symbolic; otherwise it is fixed, and a lone sample is
// padded to a full batch.
void expect_every_query_runs(int64_t batch) {
  const Core core;
  Model model = core.read_model(testing::kToolsData / "relu.onnx");
  if (batch > 0) model.reshape({batch, 4});
  const CompiledModel compiled = core.compile_model(model, "CPU");
  TensorQsl qsl = ones_qsl();
  EngineSut sut(compiled, qsl, 1, 1, false);
  const loadgen::TestResult result = loadgen::run_test(sut, qsl, single_stream(3000));
  if (std::exception_ptr failure = sut.failure()) {
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      FAIL() << e.what();
    }
  }
  ASSERT_TRUE(result.performance);
  EXPECT_GE(result.performance->query_count, 3000u);
}

TEST(BenchSut, SingleStreamReusesTheRequestOfTheLastQuery) {
  expect_every_query_runs(0);
}

TEST(BenchSut, SingleStreamPadsAFixedBatch) {
  expect_every_query_runs(2);
}

}  // namespace
}  // namespace zenith::tools
