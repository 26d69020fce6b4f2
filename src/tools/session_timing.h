// Timing two compiled forms of one model against each other on the same inputs: what `zenith
// convert` reports when it changes the precision (INT8, BF16), and warns about when it does not
// pay.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "ir/value.h"
#include "runtime/session.h"

namespace zenith::tools {

// The median milliseconds of a run of `a` and of `b` on `feeds`, the runs alternating so that a
// busy spell of the machine slows both alike; the first two of each compile (a symbolic batch)
// and warm up.
std::pair<double, double> alternating_medians(const runtime::Session& a, const runtime::Session& b,
                                              const std::map<std::string, ir::Value>& feeds);

}  // namespace zenith::tools
