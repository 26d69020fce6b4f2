// CPU's answers to the planner.
#include "devices/cpu/cpu_device.h"

#include "devices/cpu/cpu_op.h"
#include "devices/cpu/cpu_subgraph.h"

namespace zenith::cpu {
namespace {

class CpuDevice : public devices::Device {
 public:
  std::string_view name() const override { return "CPU"; }
  std::string unsupported_reason(const ir::Graph& graph, const ir::Node& node) const override {
    const CpuOpFactory* factory = find_cpu_op(node);
    return factory ? factory->supports(graph, node) : "no CPU kernel for " + node.op_type;
  }
  bool runs_simplified_graph() const override { return true; }
  std::unique_ptr<devices::Subgraph> compile(const devices::CompileContext& context) const override {
    return compile_subgraph(context);
  }
};

}  // namespace

const devices::Device& device() {
  static const CpuDevice instance;
  return instance;
}

}  // namespace zenith::cpu
