// RNN: a one-layer simple recurrent network, Ht = f(Xt*Wi^T + Ht-1*Ri^T + Wbi + Rbi).
#include "devices/reference/kernel_registry.h"
#include "devices/reference/rnn_util.h"

namespace zenith::ref {
namespace {

void rnn(KernelContext& ctx) {
  const RnnProblem p = read_rnn_problem(ctx, 1, {"Tanh"});
  std::vector<double> next(static_cast<size_t>(p.hidden));
  run_rnn(ctx, p, nullptr,
          [&](int64_t dir, const double* x_t, std::vector<double>& h, std::vector<double>&) {
            const RnnActivation& f = p.activation(dir, 0);
            for (int64_t k = 0; k < p.hidden; ++k)
              next[k] =
                  f(p.clipped(p.input_part(dir, k, x_t) + p.recurrent_part(dir, k, h.data())));
            h = next;
          });
}

}  // namespace

void register_rnn(KernelRegistry& registry) { registry.add("RNN", &rnn); }

}  // namespace zenith::ref
