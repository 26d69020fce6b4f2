// REF as a device for the planner: it has a kernel for every op (kernel_coverage_test.cpp checks
// that), so it takes whatever the devices before it decline.
#pragma once

#include "devices/device.h"

namespace zenith::ref {

const devices::Device& device();

}  // namespace zenith::ref
