// What the planner asks of a device, and the registry of devices. A plan ("HETERO:CPU,REF", or
// one device alone) gives each node to the first device in its list that runs it; REF runs
// every node, so it ends every list (appended when a list does not name it), devices after it
// get nothing, and it runs any step another device declines (the fallback device).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "devices/subgraph.h"
#include "ir/graph.h"

namespace zenith::devices {

class Device {
 public:
  virtual ~Device() = default;
  // The name users pass and HETERO lists ("CPU").
  virtual std::string_view name() const = 0;
  // "" if the device runs `node` of `graph`; otherwise why not, for the placement report.
  virtual std::string unsupported_reason(const ir::Graph& graph, const ir::Node& node) const = 0;
  // Whether it runs the graph as the default passes simplify it. REF, the oracle, runs the graph
  // as written.
  virtual bool runs_simplified_graph() const = 0;
  // Compiles the nodes placed on the device into steps, fusing what it can; what cannot be done
  // before the first run with real shapes happens at the plan's warm-up run.
  virtual std::unique_ptr<Subgraph> compile(const CompileContext& context) const = 0;
};

// Every device, in the order `Core::available_devices` lists them. Adding a device is adding its
// folder and one line in src/devices/registry.cpp.
std::span<const Device* const> registered_devices();

// The device that runs every node, and every step another device declines: REF.
const Device& fallback_device();

// The device called `name`, or nullptr.
const Device* find_device(std::string_view name);

// The devices `names` lists, in priority order, without repeats and with REF appended when the
// list does not name it. Throws InvalidArgument, quoting `where`, for a name that is not a
// registered device.
std::vector<const Device*> placement_order(const std::vector<std::string>& names,
                                           std::string_view where);

// The devices of `order` that can get nodes: those up to REF.
std::span<const Device* const> reachable(const std::vector<const Device*>& order);

// True if one of the reachable devices of `order` runs the simplified graph.
bool runs_simplified_graph(const std::vector<const Device*>& order);

}  // namespace zenith::devices
