#include "devices/device.h"

#include <gtest/gtest.h>

#include "devices/cpu/cpu_device.h"
#include "devices/reference/ref_device.h"
#include "reference/graph_builder.h"
#include "testing/expect_error.h"
#include "zenith/zenith.h"

namespace zenith::devices {
namespace {

using testing::expect_error;
using testing::make_graph;
using testing::make_node;

TEST(DeviceRegistry, ListsEachDeviceOnceByName) {
  std::vector<std::string_view> names;
  for (const Device* d : registered_devices()) names.push_back(d->name());
  EXPECT_EQ(names, (std::vector<std::string_view>{"CPU", "REF"}));
  EXPECT_EQ(find_device("CPU"), &cpu::device());
  EXPECT_EQ(find_device("REF"), &ref::device());
  EXPECT_EQ(find_device("GPU"), nullptr);
  EXPECT_EQ(Core().available_devices(),
            (std::vector<std::string>{"CPU", "REF", "HETERO:CPU,REF"}));
}

TEST(DeviceRegistry, PlacementOrderEndsWithRefAndNothingAfterItGetsNodes) {
  const Device* cpu = &cpu::device();
  const Device* ref = &ref::device();
  EXPECT_EQ(placement_order({"CPU"}, "CPU"), (std::vector<const Device*>{cpu, ref}));
  EXPECT_EQ(placement_order({"CPU", "CPU", "REF"}, "x"), (std::vector<const Device*>{cpu, ref}));
  const std::vector<const Device*> ref_first = placement_order({"REF", "CPU"}, "x");
  EXPECT_EQ(ref_first, (std::vector<const Device*>{ref, cpu}));
  const auto reachable_first = reachable(ref_first);
  EXPECT_EQ(std::vector<const Device*>(reachable_first.begin(), reachable_first.end()),
            std::vector<const Device*>{ref});
  expect_error([] { placement_order({"CPU", "FPGA"}, "HETERO:CPU,FPGA"); },
               Error::Kind::InvalidArgument,
               "unknown device 'FPGA' in 'HETERO:CPU,FPGA'; the devices are CPU, REF");
}

TEST(DeviceRegistry, DevicesSayWhyTheyDeclineANode) {
  auto g = make_graph({make_node("Sin", {"x"}, {"y"}), make_node("Relu", {"y"}, {"z"})}, {"x"},
                      {"z"});
  EXPECT_EQ(cpu::device().unsupported_reason(*g, g->nodes[0]), "no CPU kernel for Sin");
  EXPECT_EQ(cpu::device().unsupported_reason(*g, g->nodes[1]), "");
  EXPECT_EQ(ref::device().unsupported_reason(*g, g->nodes[0]), "");
  ir::Node unknown = make_node("NoSuchOp", {"x"}, {"w"});
  EXPECT_EQ(ref::device().unsupported_reason(*g, unknown), "no REF kernel");
  EXPECT_TRUE(cpu::device().runs_simplified_graph());
  EXPECT_FALSE(ref::device().runs_simplified_graph());
}

}  // namespace
}  // namespace zenith::devices
