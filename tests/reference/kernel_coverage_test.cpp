#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "devices/reference/kernel_registry.h"
#include "ir/op_registry.h"

namespace zenith {
namespace {

// REF is the device every other one is checked against, so it must run every op the IR has,
// and it must not carry kernels for ops the importer can never produce.
TEST(RefKernelCoverage, EveryIrOpHasAKernelAndNoKernelIsOrphaned) {
  std::set<std::pair<std::string, std::string>> ir_ops;
  for (const ir::OpSchema& op : ir::all_ops())
    ir_ops.emplace(std::string(op.domain), std::string(op.op_type));
  std::set<std::pair<std::string, std::string>> kernels;
  for (const auto& op : ref::reference_kernels().ops()) kernels.insert(op);
  for (const auto& [domain, op_type] : ir_ops)
    EXPECT_TRUE(kernels.count({domain, op_type})) << "no REF kernel for " << domain << "::" << op_type;
  for (const auto& [domain, op_type] : kernels)
    EXPECT_TRUE(ir_ops.count({domain, op_type})) << "REF kernel for " << domain << "::" << op_type
                                                 << " which the IR does not have";
}

}  // namespace
}  // namespace zenith
