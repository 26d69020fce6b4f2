// GRU: a one-layer gated recurrent unit network (gates z, r, h in W, R and B), with or without
// linear_before_reset.
#include "devices/reference/kernel_registry.h"
#include "devices/reference/rnn_util.h"

namespace zenith::ref {
namespace {

void gru(KernelContext& ctx) {
  const RnnProblem p = read_rnn_problem(ctx, 3, {"Sigmoid", "Tanh"});
  const bool linear_before_reset = ctx.attr<int64_t>("linear_before_reset", 0) != 0;
  const int64_t n = p.hidden;
  std::vector<double> z(static_cast<size_t>(n)), reset_h(static_cast<size_t>(n)),
      next(static_cast<size_t>(n));
  run_rnn(ctx, p, nullptr,
          [&](int64_t dir, const double* x_t, std::vector<double>& h, std::vector<double>&) {
            const RnnActivation& f = p.activation(dir, 0);
            const RnnActivation& g = p.activation(dir, 1);
            for (int64_t k = 0; k < n; ++k) {
              z[k] = f(p.clipped(p.input_part(dir, k, x_t) + p.recurrent_part(dir, k, h.data())));
              const double r = f(p.clipped(p.input_part(dir, n + k, x_t) +
                                           p.recurrent_part(dir, n + k, h.data())));
              reset_h[k] = r * h[k];
              // With linear_before_reset the reset gate scales (Ht-1*Rh^T + Rbh) instead of Ht-1.
              if (linear_before_reset) next[k] = r * p.recurrent_part(dir, 2 * n + k, h.data());
            }
            for (int64_t k = 0; k < n; ++k) {
              const double recurrent =
                  linear_before_reset ? next[k] : p.recurrent_part(dir, 2 * n + k, reset_h.data());
              const double candidate = g(p.clipped(p.input_part(dir, 2 * n + k, x_t) + recurrent));
              next[k] = (1 - z[k]) * candidate + z[k] * h[k];
            }
            h = next;
          });
}

}  // namespace

void register_gru(KernelRegistry& registry) { registry.add("GRU", &gru); }

}  // namespace zenith::ref
