// Placement: each node goes to the first device of a priority list (devices/device.h) that
// does not decline it, and the report of where each node went and why.
#pragma once

#include <string>
#include <vector>

#include "devices/device.h"
#include "ir/graph.h"

namespace zenith::hetero {

// Where a node runs, and why not on a preferred device.
struct Assignment {
  std::string node;
  std::string op_type;
  std::string device;      // the device's name: "CPU", "REF"
  std::string reason;      // why not on the devices before it in the list ("" if none)
  std::string fused_into;  // the node whose step computes it with its own ("" if none)
  std::string precision;   // what its step computes in, for steps with a choice: convolutions
                           // and matrix products ("f32", "bf16", "int8"); "" for others
};

// The devices `names` stands for in priority order ("HETERO:A,B" lists A, B), REF appended when
// not named. Throws InvalidArgument for an unknown name.
std::vector<const devices::Device*> device_order(const std::vector<std::string>& names);

// True if a plan for `names` simplifies the graph before placing it: a device that runs
// simplified graphs comes before REF. Throws InvalidArgument for an unknown name.
bool runs_simplified_graph(const std::vector<std::string>& names);

// One assignment per node of `graph`, in node order. Throws Unsupported if no device of `order`
// runs a node.
std::vector<Assignment> place(const ir::Graph& graph,
                              const std::vector<const devices::Device*>& order);

}  // namespace zenith::hetero
