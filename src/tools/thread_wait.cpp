#include "tools/thread_wait.h"

#include <cstdlib>

#include <unistd.h>

namespace zenith::tools {

void use_short_spin_waits(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") || std::getenv("GOMP_SPINCOUNT")) return;
  if (setenv("GOMP_SPINCOUNT", kSpinCount, 1) != 0) return;
  execv("/proc/self/exe", argv);
}

}  // namespace zenith::tools
