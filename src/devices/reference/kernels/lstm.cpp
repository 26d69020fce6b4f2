// LSTM: a one-layer long short-term memory network (gates i, o, f, c in W, R and B), with
// optional peepholes P (i, o, f), coupled input and forget gates, and cell state output Y_c.
#include "devices/reference/kernel_registry.h"
#include "devices/reference/rnn_util.h"

namespace zenith::ref {
namespace {

void lstm(KernelContext& ctx) {
  const RnnProblem p = read_rnn_problem(ctx, 4, {"Sigmoid", "Tanh", "Tanh"});
  const int64_t n = p.hidden;
  const std::vector<double> initial_c = read_rnn_state(ctx, 6, p, "initial_c");
  const std::vector<double> peepholes =
      ctx.has_input(7) ? read_rnn_input(ctx, 7, p, {p.num_directions, 3 * n}, "P")
                       : std::vector<double>(static_cast<size_t>(p.num_directions * 3 * n));
  const bool input_forget = ctx.attr<int64_t>("input_forget", 0) != 0;
  std::vector<double> next(static_cast<size_t>(n));
  run_rnn(ctx, p, &initial_c,
          [&](int64_t dir, const double* x_t, std::vector<double>& h, std::vector<double>& c) {
            const RnnActivation& f = p.activation(dir, 0);
            const RnnActivation& g = p.activation(dir, 1);
            const RnnActivation& act_h = p.activation(dir, 2);
            const double* peep = peepholes.data() + dir * 3 * n;
            auto gate = [&](int64_t index, int64_t k) {
              const int64_t row = index * n + k;
              return p.input_part(dir, row, x_t) + p.recurrent_part(dir, row, h.data());
            };
            for (int64_t k = 0; k < n; ++k) {
              const double i = f(p.clipped(gate(0, k) + peep[k] * c[k]));
              const double forget =
                  input_forget ? 1 - i : f(p.clipped(gate(2, k) + peep[2 * n + k] * c[k]));
              const double cell = forget * c[k] + i * g(p.clipped(gate(3, k)));
              // The output gate's peephole looks at the new cell state.
              const double o = f(p.clipped(gate(1, k) + peep[n + k] * cell));
              next[k] = o * act_h(cell);
              c[k] = cell;
            }
            h = next;
          });
}

}  // namespace

void register_lstm(KernelRegistry& registry) { registry.add("LSTM", &lstm); }

}  // namespace zenith::ref
