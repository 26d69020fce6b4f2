// How idle OpenMP threads wait. libgomp spins for a long while (300,000 turns) before sleeping, so
// on a busy machine a spinning thread steals the core its partner needs; with passive waits
// every parallel region pays a wake-up, which made small models 4-6x slower (an LSTM 0.57 ->
// 2.29 ms, a BERT-like encoder 13 -> 59 ms at batch 1). A short spin keeps most of the idle
// speed. How short matters when another process takes a core: with one busy process on 2
// cores, MobileNetV2 at batch 1 ran 44-53 ms with 20,000 turns, 15 ms with 3,000, 12-13 ms
// with 1,000 and 10 ms passive (about 5.5 ms idle); 1,000 costs ResNet-50 at batch 1 about
// 10-15% idle against 20,000 (docs/PERFORMANCE.md (13)).
#pragma once

namespace zenith::tools {

inline constexpr const char* kSpinCount = "1000";

// libgomp reads its wait policy once, when it loads, before main() runs: so if the user set
// neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT, this sets the short spin and executes the program
// again with the same arguments. Returns only if it did not (a policy was set, or exec failed).
void use_short_spin_waits(char** argv);

}  // namespace zenith::tools
