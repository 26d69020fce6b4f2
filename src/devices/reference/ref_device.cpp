// REF's answers to the planner.
#include "devices/reference/ref_device.h"

#include "devices/reference/kernel_registry.h"
#include "devices/reference/ref_subgraph.h"

namespace zenith::ref {
namespace {

class RefDevice : public devices::Device {
 public:
  std::string_view name() const override { return "REF"; }
  std::string unsupported_reason(const ir::Graph&, const ir::Node& node) const override {
    return reference_kernels().find(node.domain, node.op_type) ? "" : "no REF kernel";
  }
  bool runs_simplified_graph() const override { return false; }
  std::unique_ptr<devices::Subgraph> compile(const devices::CompileContext& context) const override {
    return compile_subgraph(context);
  }
};

}  // namespace

const devices::Device& device() {
  static const RefDevice instance;
  return instance;
}

}  // namespace zenith::ref
