// The registered devices, and the device lists of plans.
#include <algorithm>
#include <array>

#include "devices/cpu/cpu_device.h"
#include "devices/device.h"
#include "devices/reference/ref_device.h"
#include "ir/errors.h"

namespace zenith::devices {

std::span<const Device* const> registered_devices() {
  static const std::array<const Device*, 2> devices = {
      &cpu::device(),
      &ref::device(),
  };
  return devices;
}

const Device& fallback_device() { return ref::device(); }

const Device* find_device(std::string_view name) {
  for (const Device* device : registered_devices())
    if (device->name() == name) return device;
  return nullptr;
}

std::vector<const Device*> placement_order(const std::vector<std::string>& names,
                                           std::string_view where) {
  std::vector<const Device*> order;
  for (const std::string& name : names) {
    const Device* device = find_device(name);
    if (!device) {
      std::vector<std::string_view> known;
      for (const Device* d : registered_devices()) known.push_back(d->name());
      throw_invalid_argument("unknown device '{}' in '{}'; the devices are {}", name, where,
                             fmt::join(known, ", "));
    }
    if (std::find(order.begin(), order.end(), device) == order.end()) order.push_back(device);
  }
  if (std::find(order.begin(), order.end(), &fallback_device()) == order.end())
    order.push_back(&fallback_device());
  return order;
}

std::span<const Device* const> reachable(const std::vector<const Device*>& order) {
  const auto ref = std::find(order.begin(), order.end(), &fallback_device());
  return {order.data(), static_cast<size_t>(ref - order.begin()) + 1};
}

bool runs_simplified_graph(const std::vector<const Device*>& order) {
  const auto devices = reachable(order);
  return std::any_of(devices.begin(), devices.end(),
                     [](const Device* d) { return d->runs_simplified_graph(); });
}

}  // namespace zenith::devices
