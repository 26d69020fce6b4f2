// How idle OpenMP threads wait. libgomp spins for a long while (300,000 turns) before sleeping, so
// on a busy machine a spinning thread steals the core its partner needs; with passive waits
// every parallel region pays a wake-up, which made small models 4-6x slower (an LSTM 0.57 ->
// 2.29 ms, a BERT-like encoder 13 -> 59 ms at batch 1). A short spin (GOMP_SPINCOUNT=20000)
// keeps both: 0.80 and 9.1 ms idle, and a preempted partner costs at most that spin.
#pragma once

namespace zenith::tools {

inline constexpr const char* kSpinCount = "20000";

// libgomp reads its wait policy once, when it loads, before main() runs: so if the user set
// neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT, this sets the short spin and executes the program
// again with the same arguments. Returns only if it did not (a policy was set, or exec failed).
void use_short_spin_waits(char** argv);

}  // namespace zenith::tools
