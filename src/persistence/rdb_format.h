// The constants of Redis 7.0's RDB format (version 10), as its rdb.h defines them: object
// types, opcodes and the length and string encodings. One header so that the encoder, the
// decoder and the check tool name them the same way.
#pragma once

#include <cstdint>

namespace redoubt::persistence {

inline constexpr int kRdbVersion = 10;
// The oldest version redis-server 7.0 still loads (and so do we).
inline constexpr int kRdbMinVersion = 1;

// Object types (the byte before each key).
enum RdbType : uint8_t {
  kRdbString = 0,
  kRdbList = 1,
  kRdbSet = 2,
  kRdbZset = 3,
  kRdbHash = 4,
  kRdbZset2 = 5,  // binary double scores
  kRdbModulePreGa = 6,
  kRdbModule2 = 7,
  kRdbHashZipmap = 9,
  kRdbListZiplist = 10,
  kRdbSetIntset = 11,
  kRdbZsetZiplist = 12,
  kRdbHashZiplist = 13,
  kRdbListQuicklist = 14,
  kRdbStreamListpacks = 15,
  kRdbHashListpack = 16,
  kRdbZsetListpack = 17,
  kRdbListQuicklist2 = 18,
  kRdbStreamListpacks2 = 19,
};

// Opcodes, in the same byte position as a type.
enum RdbOpcode : uint8_t {
  kOpFunction2 = 245,
  kOpFunctionPreGa = 246,
  kOpModuleAux = 247,
  kOpIdle = 248,
  kOpFreq = 249,
  kOpAux = 250,
  kOpResizeDb = 251,
  kOpExpireTimeMs = 252,
  kOpExpireTime = 253,
  kOpSelectDb = 254,
  kOpEof = 255,
};

// Lengths: the top two bits of the first byte choose 6-bit, 14-bit, 32/64-bit, or (11) a
// special string encoding in the low six bits.
inline constexpr uint8_t kLen6Bit = 0;
inline constexpr uint8_t kLen14Bit = 1;
inline constexpr uint8_t kLen32Bit = 0x80;
inline constexpr uint8_t kLen64Bit = 0x81;
inline constexpr uint8_t kLenEncoded = 3;
enum RdbStringEncoding : uint8_t { kEncInt8 = 0, kEncInt16 = 1, kEncInt32 = 2, kEncLzf = 3 };

// A quicklist 2 node's container.
inline constexpr uint64_t kQuicklistPlain = 1;
inline constexpr uint64_t kQuicklistPacked = 2;

// A list node's listpack is closed at this size, as Redis's list-max-listpack-size -2 (8 KB).
inline constexpr size_t kListpackNodeBytes = 8192;

}  // namespace redoubt::persistence
