// CRC-64 with the Jones polynomial, reflected, as Redis's crc64.c computes it: the checksum at
// the end of an RDB file and of a DUMP payload. No Debian library offers this polynomial.
#pragma once

#include <cstddef>
#include <cstdint>

namespace redoubt::persistence {

// Continues crc over data (start with 0). Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca.
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace redoubt::persistence
