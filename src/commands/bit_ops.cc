// Bit arithmetic for the bitmap commands; see bit_ops.h.
#include "commands/bit_ops.h"

#include <bit>
#include <cstring>

#include "common/index_range.h"

namespace redoubt::commands {
namespace {

uint8_t ByteAt(std::string_view data, uint64_t i) {
  return static_cast<uint8_t>(data[i]);
}

uint64_t LoadWord(const char* p) {
  uint64_t w;
  std::memcpy(&w, p, sizeof(w));
  return w;
}

uint64_t PopCountBytes(const char* p, uint64_t n) {
  uint64_t count = 0;
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    count += static_cast<uint64_t>(std::popcount(LoadWord(p + i)));
  }
  for (; i < n; ++i) {
    count += static_cast<uint64_t>(std::popcount(static_cast<uint8_t>(p[i])));
  }
  return count;
}

}  // namespace

std::optional<BitRange> ResolveRange(int64_t start, int64_t end, RangeUnit unit,
                                     uint64_t len_bytes) {
  // len_bytes is a string length (< 2^32), so its length in bits fits ClampRange.
  uint64_t len = unit == RangeUnit::kBit ? len_bytes * 8 : len_bytes;
  std::optional<common::IndexRange> range =
      common::ClampRange(start, end, len, common::NegativeEnd::kClampToFirst);
  if (!range) {
    return std::nullopt;
  }
  if (unit == RangeUnit::kBit) {
    return BitRange{range->first, range->last};
  }
  return BitRange{range->first * 8, range->last * 8 + 7};
}

uint64_t CountBits(std::string_view data, BitRange range) {
  uint64_t first_byte = range.first >> 3;
  uint64_t last_byte = range.last >> 3;
  uint64_t count = PopCountBytes(data.data() + first_byte, last_byte - first_byte + 1);
  // Take back the bits of the end bytes that lie outside the range.
  uint8_t before_first = static_cast<uint8_t>(0xFF00 >> (range.first & 7));
  uint8_t after_last = static_cast<uint8_t>(0xFF >> ((range.last & 7) + 1));
  count -= static_cast<uint64_t>(
      std::popcount(static_cast<uint8_t>(ByteAt(data, first_byte) & before_first)));
  count -= static_cast<uint64_t>(
      std::popcount(static_cast<uint8_t>(ByteAt(data, last_byte) & after_last)));
  return count;
}

int64_t FindFirstBit(std::string_view data, bool bit, BitRange range) {
  uint64_t first_byte = range.first >> 3;
  uint64_t last_byte = range.last >> 3;
  uint8_t head_mask = static_cast<uint8_t>(0xFF >> (range.first & 7));
  uint8_t tail_mask = static_cast<uint8_t>(0xFF00 >> ((range.last & 7) + 1));
  // Searching for a 0 is searching for a 1 in the complement.
  uint8_t flip = bit ? 0 : 0xFF;
  uint64_t skip_word = bit ? 0 : ~uint64_t{0};
  uint64_t i = first_byte;
  while (i <= last_byte) {
    // Skip whole words that cannot hold the bit, short of the last byte (which is masked).
    if (i != first_byte && i + 8 <= last_byte && LoadWord(data.data() + i) == skip_word) {
      i += 8;
      continue;
    }
    uint8_t v = ByteAt(data, i) ^ flip;
    if (i == first_byte) {
      v &= head_mask;
    }
    if (i == last_byte) {
      v &= tail_mask;
    }
    if (v != 0) {
      return static_cast<int64_t>(i * 8 + static_cast<uint64_t>(std::countl_zero(v)));
    }
    ++i;
  }
  return -1;
}

void ApplyBitOp(BitOpKind op, std::span<const std::string_view> sources, char* out, size_t len) {
  if (len == 0) {
    return;
  }
  std::string_view first = sources[0];
  if (op == BitOpKind::kNot) {
    for (size_t i = 0; i < len; ++i) {
      out[i] = static_cast<char>(~(i < first.size() ? ByteAt(first, i) : 0));
    }
    return;
  }
  // A missing source key is an empty view whose data() may be null: memcpy must not see it.
  if (!first.empty()) {
    std::memcpy(out, first.data(), first.size());
  }
  std::memset(out + first.size(), 0, len - first.size());
  for (std::string_view src : sources.subspan(1)) {
    const char* s = src.data();
    size_t n = src.size();
    switch (op) {
      case BitOpKind::kAnd:
        for (size_t i = 0; i < n; ++i) {
          out[i] = static_cast<char>(out[i] & s[i]);
        }
        // Past its end a source is zero, and x AND 0 is 0.
        std::memset(out + n, 0, len - n);
        break;
      case BitOpKind::kOr:
        for (size_t i = 0; i < n; ++i) {
          out[i] = static_cast<char>(out[i] | s[i]);
        }
        break;
      case BitOpKind::kXor:
        for (size_t i = 0; i < n; ++i) {
          out[i] = static_cast<char>(out[i] ^ s[i]);
        }
        break;
      case BitOpKind::kNot:
        break;
    }
  }
}

uint64_t GetUnsignedField(std::string_view data, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i) {
    uint64_t pos = offset + static_cast<uint64_t>(i);
    uint64_t byte = pos >> 3;
    uint64_t b = byte < data.size() ? (ByteAt(data, byte) >> (7 - (pos & 7))) & 1 : 0;
    v = (v << 1) | b;
  }
  return v;
}

int64_t GetSignedField(std::string_view data, uint64_t offset, int bits) {
  uint64_t v = GetUnsignedField(data, offset, bits);
  if (bits < 64 && ((v >> (bits - 1)) & 1) != 0) {
    v |= ~uint64_t{0} << bits;
  }
  return static_cast<int64_t>(v);
}

void SetField(char* data, uint64_t offset, int bits, uint64_t value) {
  for (int i = 0; i < bits; ++i) {
    uint64_t pos = offset + static_cast<uint64_t>(i);
    auto mask = static_cast<uint8_t>(0x80 >> (pos & 7));
    auto byte = static_cast<uint8_t>(data[pos >> 3]);
    bool set = ((value >> (bits - 1 - i)) & 1) != 0;
    data[pos >> 3] = static_cast<char>(set ? (byte | mask) : (byte & ~mask));
  }
}

FieldUpdate AddSigned(int64_t value, int64_t incr, int bits, Overflow overflow) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  // Room left above and below value. Redis computes these in int64 and lets them wrap
  // (checkSignedBitfieldOverflow); for SET of a number within 2^bits of INT64_MIN the wrapped
  // room makes Redis see an overflow upwards, so SAT stores the maximum. redis-server 7.0
  // replies 127 to "OVERFLOW SAT SET i8 0 -9223372036854775808"; we compute the same wrap
  // in unsigned arithmetic (defined behaviour) to match it.
  const auto room_up =
      static_cast<int64_t>(static_cast<uint64_t>(max) - static_cast<uint64_t>(value));
  const auto room_down =
      static_cast<int64_t>(static_cast<uint64_t>(min) - static_cast<uint64_t>(value));
  // For 64-bit fields the rooms are only meaningful on the side where they cannot wrap.
  bool up =
      value > max || (bits != 64 && incr > room_up) || (value >= 0 && incr > 0 && incr > room_up);
  bool down = !up && (value < min || (bits != 64 && incr < room_down) ||
                      (value < 0 && incr < 0 && incr < room_down));
  if (!up && !down) {
    return {.value = value + incr, .overflowed = false};
  }
  switch (overflow) {
    case Overflow::kSat:
      return {.value = up ? max : min, .overflowed = true};
    case Overflow::kFail:
      return {.value = 0, .overflowed = true};
    case Overflow::kWrap:
      break;
  }
  uint64_t sum = static_cast<uint64_t>(value) + static_cast<uint64_t>(incr);
  if (bits < 64) {
    uint64_t high = ~uint64_t{0} << bits;
    sum = ((sum >> (bits - 1)) & 1) != 0 ? (sum | high) : (sum & ~high);
  }
  return {.value = static_cast<int64_t>(sum), .overflowed = true};
}

FieldUpdate AddUnsigned(uint64_t value, int64_t incr, int bits, Overflow overflow) {
  const uint64_t max = (uint64_t{1} << bits) - 1;
  // value <= max < 2^63 whenever these are compared, so they do not wrap.
  bool up = value > max || (incr > 0 && static_cast<uint64_t>(incr) > max - value);
  bool down = !up && incr < 0 && static_cast<uint64_t>(-(incr + 1)) + 1 > value;
  if (!up && !down) {
    return {.value = static_cast<int64_t>(value + static_cast<uint64_t>(incr)),
            .overflowed = false};
  }
  switch (overflow) {
    case Overflow::kSat:
      return {.value = up ? static_cast<int64_t>(max) : 0, .overflowed = true};
    case Overflow::kFail:
      return {.value = 0, .overflowed = true};
    case Overflow::kWrap:
      break;
  }
  return {.value = static_cast<int64_t>((value + static_cast<uint64_t>(incr)) & max),
          .overflowed = true};
}

}  // namespace redoubt::commands
