// Bit arithmetic over string values for the bitmap commands (bitmap_commands.cc): population
// count and first-bit search over bit ranges, BITOP's byte-wise operations, and reading and
// writing BITFIELD integers with Redis's overflow rules. Pure functions on bytes: no keyspace,
// no replies, so each is unit-tested on its own (tests/unit/commands/bit_ops_test.cc).
//
// Bit numbering is Redis's: bit 0 is the most significant bit of byte 0, bit 8 the most
// significant bit of byte 1, and so on. Fields are stored most significant bit first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace redoubt::commands {

// An inclusive range of bit positions, first <= last.
struct BitRange {
  uint64_t first = 0;
  uint64_t last = 0;
};

// Whether BITCOUNT/BITPOS start and end count bytes (the default) or bits.
enum class RangeUnit : uint8_t { kByte, kBit };

// Turns BITCOUNT/BITPOS start/end into the bits they cover in a string of len_bytes bytes, with
// Redis's index rules: a negative index counts from the end, both are then clamped to the
// string. Returns nullopt when the range is empty (start after end, or an empty string).
std::optional<BitRange> ResolveRange(int64_t start, int64_t end, RangeUnit unit,
                                     uint64_t len_bytes);

// Number of set bits among range. Requires: range.last < data.size() * 8.
uint64_t CountBits(std::string_view data, BitRange range);

// Position of the first bit equal to `bit` within range, or -1 when there is none.
// Requires: range.last < data.size() * 8.
int64_t FindFirstBit(std::string_view data, bool bit, BitRange range);

enum class BitOpKind : uint8_t { kAnd, kOr, kXor, kNot };

// Writes `op` over sources into out[0, len), as BITOP: a source shorter than len counts as
// zero bytes past its end. Requires: sources not empty (exactly one for kNot), len at least
// the longest source, out not overlapping any source.
void ApplyBitOp(BitOpKind op, std::span<const std::string_view> sources, char* out, size_t len);

// A BITFIELD integer type: i1..i64 or u1..u63.
struct FieldType {
  bool is_signed = false;
  int bits = 0;
};

// The field of `bits` bits (1..64) at bit `offset`; bits past the end of data read as zero.
uint64_t GetUnsignedField(std::string_view data, uint64_t offset, int bits);
// As GetUnsignedField, sign-extended from the field's top bit.
int64_t GetSignedField(std::string_view data, uint64_t offset, int bits);

// Stores the low `bits` bits of value at bit `offset`.
// Requires: offset + bits <= 8 * (bytes writable at data).
void SetField(char* data, uint64_t offset, int bits, uint64_t value);

// BITFIELD's OVERFLOW modes.
enum class Overflow : uint8_t { kWrap, kSat, kFail };

// What to store after adding to a field. With Overflow::kFail, overflowed means "store nothing
// and reply null"; otherwise value is the wrapped or saturated result.
struct FieldUpdate {
  int64_t value = 0;  // for unsigned fields, at most 2^63 - 1
  bool overflowed = false;
};

// value + incr in a signed field of `bits` bits (1..64). SET is the case incr == 0, where value
// is the client's number and may be out of the field's range.
FieldUpdate AddSigned(int64_t value, int64_t incr, int bits, Overflow overflow);
// value + incr in an unsigned field of `bits` bits (1..63). SET is the case incr == 0, where
// value is the client's number converted to unsigned (so -1 is 2^64 - 1, out of range).
FieldUpdate AddUnsigned(uint64_t value, int64_t incr, int bits, Overflow overflow);

}  // namespace redoubt::commands
