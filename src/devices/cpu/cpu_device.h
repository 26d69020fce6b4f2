// CPU as a device for the planner: a node runs here when a CPU op factory (cpu_op.h) takes it.
#pragma once

#include "devices/device.h"

namespace zenith::cpu {

const devices::Device& device();

}  // namespace zenith::cpu
