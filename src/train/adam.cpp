// Adam (weight decay added to the gradient, as torch.optim.Adam) and AdamW (decoupled: the
// weights shrink by lr * weight_decay first, as torch.optim.AdamW), with bias correction.
#include <cmath>

#include "train/optimizer_kinds.h"

namespace zenith::train {
namespace {

class Adam : public Optimizer {
 public:
  Adam(const OptimizerSettings& s, bool decoupled) : s_(s), decoupled_(decoupled) {}

  void step(std::vector<ir::Tensor>& parameters, const std::vector<ir::Tensor>& gradients,
            float lr) override {
    if (m_.empty()) {
      for (const ir::Tensor& p : parameters) {
        m_.emplace_back(ir::DType::F32, p.dims());
        v_.emplace_back(ir::DType::F32, p.dims());
        std::fill_n(m_.back().data<float>(), p.numel(), 0.0f);
        std::fill_n(v_.back().data<float>(), p.numel(), 0.0f);
      }
    }
    ++steps_;
    const double c1 = 1.0 - std::pow(static_cast<double>(s_.beta1), steps_);
    const double c2 = 1.0 - std::pow(static_cast<double>(s_.beta2), steps_);
    for (size_t k = 0; k < parameters.size(); ++k) {
      float* w = parameters[k].data<float>();
      const float* g = gradients[k].data<float>();
      float* m = m_[k].data<float>();
      float* v = v_[k].data<float>();
      for (int64_t i = 0; i < parameters[k].numel(); ++i) {
        float d = g[i];
        if (decoupled_)
          w[i] *= 1.0f - lr * s_.weight_decay;
        else
          d += s_.weight_decay * w[i];
        m[i] = s_.beta1 * m[i] + (1.0f - s_.beta1) * d;
        v[i] = s_.beta2 * v[i] + (1.0f - s_.beta2) * d * d;
        const double denominator = std::sqrt(v[i] / c2) + s_.epsilon;
        w[i] -= static_cast<float>(lr * (m[i] / c1) / denominator);
      }
    }
  }

  std::map<std::string, ir::Tensor> state() const override {
    std::map<std::string, ir::Tensor> state;
    add_state_slots(state, "m", m_);
    add_state_slots(state, "v", v_);
    state["steps"] = ir::Tensor::scalar<int64_t>(steps_);
    return state;
  }
  void load_state(const std::map<std::string, ir::Tensor>& state) override {
    m_ = state_slots(state, "m");
    v_ = state_slots(state, "v");
    const auto steps = state.find("steps");
    steps_ = steps == state.end() ? 0 : steps->second.as_int64(0);
  }

 private:
  OptimizerSettings s_;
  bool decoupled_;
  int64_t steps_ = 0;
  std::vector<ir::Tensor> m_, v_;  // first and second moment estimates, per parameter
};

}  // namespace

std::unique_ptr<Optimizer> make_adam(const OptimizerSettings& settings, bool decoupled) {
  return std::make_unique<Adam>(settings, decoupled);
}

}  // namespace zenith::train
