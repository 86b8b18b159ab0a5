// CRC-64 as Redis computes it (crc64.c): the Jones polynomial 0xad93d23594c935a9, reflected in
// and out, no final xor. It is the eight-byte checksum at the end of an RDB file and of a DUMP
// payload, where Redis starts it at 0. No library in Debian offers this polynomial.
//
// Thread: a pure function; its tables are constants built at compile time.
#pragma once

#include <cstddef>
#include <cstdint>

namespace redoubt::persistence {

// Returns the CRC of the bytes already summed into `crc` followed by data[0, len): start with 0,
// and feed a stream in pieces of any size, Crc64(Crc64(0, a, n), b, m) == Crc64(0, ab, n + m).
// Crc64(0, "123456789", 9) == 0xe9c6d914c4b8d9ca (the check value of Redis's crc64 test).
uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace redoubt::persistence
