// libFuzzer target for the .zir reader: whatever the bytes, parse_zir returns a graph whose
// every constant can be read, or throws zenith::Error. Anything else (a crash, a sanitizer
// report, another exception) is a finding. Built by `make fuzz` (ZENITH_FUZZ=ON, clang).
#include <cstdint>

#include "ir/zir_test_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  // Each input also runs with the header checksum made to match: mutations almost never keep
  // it right, and the JSON checks behind it would otherwise go unexplored.
  for (bool fix_checksum : {false, true}) {
    zenith::testing::AlignedBytes copy = zenith::testing::aligned_copy(bytes);
    if (fix_checksum) zenith::testing::fix_header_checksum(copy.span());
    try {
      const zenith::ir::Graph graph = zenith::testing::parse(copy);
      volatile uint64_t sink = zenith::testing::read_every_constant(graph);
      (void)sink;
    } catch (const zenith::Error&) {
    }
  }
  return 0;
}
