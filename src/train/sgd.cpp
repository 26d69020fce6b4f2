// SGD with momentum, Nesterov momentum and weight decay, as torch.optim.SGD (dampening 0); and
// LARS (You et al. 2017): the same with each layer's step scaled by its trust ratio
// eta * |w| / (|g| + weight_decay * |w|).
#include <cmath>

#include "ir/errors.h"
#include "train/optimizer_kinds.h"

namespace zenith::train {
namespace {

double norm(const float* x, int64_t n) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += static_cast<double>(x[i]) * x[i];
  return std::sqrt(s);
}

class Sgd : public Optimizer {
 public:
  Sgd(const OptimizerSettings& s, bool lars) : s_(s), lars_(lars) {}

  void step(std::vector<ir::Tensor>& parameters, const std::vector<ir::Tensor>& gradients,
            float lr) override {
    if (buffers_.empty() && s_.momentum != 0.0f) buffers_.resize(parameters.size());
    for (size_t k = 0; k < parameters.size(); ++k) {
      float* w = parameters[k].data<float>();
      const float* g = gradients[k].data<float>();
      const int64_t n = parameters[k].numel();
      float rate = lr;
      if (lars_) {
        const double wn = norm(w, n), gn = norm(g, n);
        // A layer with zero weights or gradients keeps the global rate, as implementations do.
        if (wn > 0 && gn > 0)
          rate = static_cast<float>(lr * s_.trust * wn / (gn + s_.weight_decay * wn));
      }
      float* buf = nullptr;
      if (s_.momentum != 0.0f) {
        const bool first = buffers_[k].numel() == 0;
        if (first) buffers_[k] = ir::Tensor(ir::DType::F32, parameters[k].dims());
        buf = buffers_[k].data<float>();
        for (int64_t i = 0; i < n; ++i) {
          const float d = g[i] + s_.weight_decay * w[i];
          buf[i] = first ? d : s_.momentum * buf[i] + d;
        }
      }
      for (int64_t i = 0; i < n; ++i) {
        const float d = g[i] + s_.weight_decay * w[i];
        const float update = !buf ? d : s_.nesterov ? d + s_.momentum * buf[i] : buf[i];
        w[i] -= rate * update;
      }
    }
  }

  std::map<std::string, ir::Tensor> state() const override {
    std::map<std::string, ir::Tensor> state;
    add_state_slots(state, "momentum", buffers_);
    return state;
  }
  void load_state(const std::map<std::string, ir::Tensor>& state) override {
    buffers_ = state_slots(state, "momentum");
  }

 private:
  OptimizerSettings s_;
  bool lars_;
  std::vector<ir::Tensor> buffers_;  // momentum, per parameter
};

}  // namespace

std::unique_ptr<Optimizer> make_sgd(const OptimizerSettings& settings, bool lars) {
  if (settings.nesterov && settings.momentum <= 0.0f)
    throw_invalid_argument("Nesterov momentum needs a momentum above 0");
  return std::make_unique<Sgd>(settings, lars);
}

}  // namespace zenith::train
