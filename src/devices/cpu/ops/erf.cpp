// Erf on the CPU device with a loop of our own: oneDNN 2.6 has no erf eltwise (only GELU, which
// contains one). Elementwise, so it runs on the input's bytes in whatever layout they are.
#include "devices/cpu/ops/op_util.h"
#include "devices/cpu/ops/ops.h"
#include "devices/cpu/parallel.h"

namespace zenith::cpu {
namespace {

// erf(x) = x * P(x^2) / Q(x^2) on [-4, 4] and +-1 beyond (erf(4) rounds to 1 in f32): a rational
// fit (weighted least squares on erf's relative error), within 5e-7 of erf in f32 arithmetic.
// No libm call, so the loop vectorizes; glibc's vector erf needs -ffast-math.
inline float fast_erf(float x) {
  // Two single selects: GCC leaves std::clamp and a nested select as branches, which do not
  // vectorize. NaN passes through, as both comparisons are false.
  float c = x < -4.0f ? -4.0f : x;
  c = c > 4.0f ? 4.0f : c;
  const float t = c * c;
  const float p =
      ((((((1.967192275742491e-08f * t - 1.9421870547375875e-06f) * t + 0.0001412652200087905f) *
              t +
          0.0036998384166508913f) *
             t +
         0.05057508125901222f) *
            t +
        0.2000434845685959f) *
           t +
       1.1283791065216064f);
  const float q =
      (((0.000953921873588115f * t + 0.01435406319797039f) * t + 0.1150345727801323f) * t +
       0.5106157064437866f) *
          t +
      1.0f;
  return c * p / q;
}

// Erf costs more per element than a copy: half as many elements pay for waking the team.
constexpr int64_t kErfParallelElements = kParallelElements / 2;

class ErfOp : public CpuOp {
 public:
  bool accepts(const std::vector<const CpuValue*>& in) const override {
    return in[0] && in[0]->is_f32();
  }

  StepOutputs run(const std::vector<const CpuValue*>& in, dnnl::stream& stream) const override {
    const CpuValue& x = *in[0];
    CpuValue y = allocate(x.desc());
    // Every element of the buffer, padding included: erf(0) = 0 keeps zero padding zero.
    const auto n = static_cast<int64_t>(x.desc().get_size() / sizeof(float));
    const auto* src = static_cast<const float*>(x.mem.get_data_handle());
    auto* dst = static_cast<float*>(y.mem.get_data_handle());
    parallel_ranges(n, n >= kErfParallelElements, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) dst[i] = fast_erf(src[i]);
    });
    note_kernel("zenith:erf");
    return {std::move(y)};
  }
};

}  // namespace

std::string supports_erf(const ir::Graph& graph, const ir::Node& node) {
  return require_f32(graph, node);
}

std::unique_ptr<CpuOp> build_erf(const ir::Graph& graph, const StepSpec& spec) {
  return std::make_unique<ErfOp>();
}

}  // namespace zenith::cpu
