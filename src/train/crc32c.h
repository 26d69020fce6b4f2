// CRC-32C (Castagnoli), the checksum TFRecord files carry for each record's length and data.
#pragma once

#include <cstddef>
#include <cstdint>

namespace zenith::train {

// The CRC-32C of `size` bytes: reflected polynomial 0x82F63B78, initial value and final xor
// 0xFFFFFFFF ("123456789" gives 0xE3069283).
uint32_t crc32c(const uint8_t* data, size_t size);

}  // namespace zenith::train
