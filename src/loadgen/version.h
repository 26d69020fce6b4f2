// The LoadGen version whose behaviour src/loadgen reproduces (LOADGEN.md).
#pragma once

namespace zenith::loadgen {

inline constexpr const char* kLoadGenVersion = "6.0.17 (zenith::loadgen re-implementation)";

}  // namespace zenith::loadgen
