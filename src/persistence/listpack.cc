// Listpack encoding and validation; see listpack.h. The layout and the checks follow Redis
// 7.0.15's listpack.c (lpEncodeIntegerGetType, lpEncodeString, lpEncodeBacklen,
// lpValidateNext, lpValidateIntegrity).
#include "persistence/listpack.h"

#include <optional>

#include "common/check.h"
#include "common/numbers.h"
#include "persistence/blob_bytes.h"
#include "storage/listpack_size.h"

namespace redoubt::persistence {

namespace {

constexpr uint8_t kTerminator = 0xFF;
constexpr uint16_t kListpackUnknownCount = 65535;

// Encoding bytes. The high bits say the type: 0xxxxxxx a 7-bit unsigned integer, 10xxxxxx a
// string of up to 63 bytes, 110xxxxx a 13-bit integer, 1110xxxx a string of up to 4095 bytes,
// then whole bytes for the rest.
constexpr uint8_t kString6Bit = 0x80;
constexpr uint8_t kInt13Bit = 0xC0;
constexpr uint8_t kString12Bit = 0xE0;
constexpr uint8_t kString32Bit = 0xF0;
constexpr uint8_t kInt16Bit = 0xF1;
constexpr uint8_t kInt24Bit = 0xF2;
constexpr uint8_t kInt32Bit = 0xF3;
constexpr uint8_t kInt64Bit = 0xF4;

// Writes the back-length of `len`, most significant 7 bits first. Only the first byte has bit 7
// clear: read backwards from the element's end, it is where the back-length stops.
void AppendBacklen(uint64_t len, std::string* out) {
  size_t n = storage::ListpackBacklenBytes(len);
  for (size_t i = 0; i < n; ++i) {
    auto group = static_cast<uint8_t>((len >> (7 * (n - 1 - i))) & 127);
    out->push_back(static_cast<char>(i == 0 ? group : group | 128));
  }
}

// Reads a back-length backwards from its last byte, p[last], as lpDecodeBacklen does: groups of
// 7 bits until a byte with bit 7 clear, at most 5 bytes. Redis accepts any back-length that
// reads back as the element's size, even one that reaches into the element's own bytes, so
// this does too. Requires: last >= 4 (the header alone is 6 bytes, so it always is).
std::optional<uint64_t> ReadBacklen(const uint8_t* p, size_t last) {
  uint64_t value = 0;
  for (unsigned shift = 0; shift <= 28; shift += 7) {
    uint8_t b = p[last - shift / 7];
    value |= uint64_t{b & 127u} << shift;
    if ((b & 128) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

// What an encoding byte says about its element.
struct EntryShape {
  size_t head_bytes = 0;  // encoding byte and length bytes: what must be readable first
  bool is_string = false;
  // For an integer, its bytes after the encoding byte: 0 (7-bit), 1 (the low byte of a 13-bit
  // integer), 2, 3, 4 or 8.
  size_t int_bytes = 0;
};

// The shape of the element whose encoding byte is `b`, or nullopt for a byte Redis gives no
// meaning (0xF5 to 0xFE; 0xFF is the terminator and never reaches here).
std::optional<EntryShape> ShapeOf(uint8_t b) {
  if ((b & 0x80) == 0) {
    return EntryShape{.head_bytes = 1};
  }
  if ((b & 0xC0) == kString6Bit) {
    return EntryShape{.head_bytes = 1, .is_string = true};
  }
  if ((b & 0xE0) == kInt13Bit) {
    return EntryShape{.head_bytes = 1, .int_bytes = 1};
  }
  if ((b & 0xF0) == kString12Bit) {
    return EntryShape{.head_bytes = 2, .is_string = true};
  }
  switch (b) {
    case kString32Bit:
      return EntryShape{.head_bytes = 5, .is_string = true};
    case kInt16Bit:
      return EntryShape{.head_bytes = 1, .int_bytes = 2};
    case kInt24Bit:
      return EntryShape{.head_bytes = 1, .int_bytes = 3};
    case kInt32Bit:
      return EntryShape{.head_bytes = 1, .int_bytes = 4};
    case kInt64Bit:
      return EntryShape{.head_bytes = 1, .int_bytes = 8};
    default:
      return std::nullopt;
  }
}

bool ListpackFail(std::string* error, std::string_view what, size_t offset) {
  return BlobFail(error, "listpack", what, offset);
}

}  // namespace

void ListpackBuilder::AppendEntry(std::string_view head, std::string_view data) {
  body_.append(head);
  body_.append(data);
  AppendBacklen(head.size() + data.size(), &body_);
  ++count_;
}

void ListpackBuilder::AppendInteger(int64_t v) {
  char buf[9];
  size_t n;
  if (v >= 0 && v <= 127) {
    buf[0] = static_cast<char>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    auto u = static_cast<uint64_t>(v) & 0x1FFF;  // 13-bit two's complement
    buf[0] = static_cast<char>(kInt13Bit | (u >> 8));
    buf[1] = static_cast<char>(u & 0xFF);
    n = 2;
  } else {
    size_t int_bytes;
    if (v >= INT16_MIN && v <= INT16_MAX) {
      buf[0] = static_cast<char>(kInt16Bit);
      int_bytes = 2;
    } else if (v >= -8388608 && v <= 8388607) {
      buf[0] = static_cast<char>(kInt24Bit);
      int_bytes = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      buf[0] = static_cast<char>(kInt32Bit);
      int_bytes = 4;
    } else {
      buf[0] = static_cast<char>(kInt64Bit);
      int_bytes = 8;
    }
    auto u = static_cast<uint64_t>(v);
    for (size_t i = 0; i < int_bytes; ++i) {
      buf[1 + i] = static_cast<char>((u >> (8 * i)) & 0xFF);
    }
    n = 1 + int_bytes;
  }
  AppendEntry(std::string_view(buf, n), {});
}

void ListpackBuilder::Append(std::string_view element) {
  // ParseInt64 is string2ll, the rule of lpStringToInt64 (which also refuses 21 bytes or more).
  if (std::optional<int64_t> v = common::ParseInt64(element)) {
    return AppendInteger(*v);
  }
  size_t len = element.size();
  char head[5];
  size_t n;
  if (len < 64) {
    head[0] = static_cast<char>(kString6Bit | len);
    n = 1;
  } else if (len < 4096) {
    head[0] = static_cast<char>(kString12Bit | (len >> 8));
    head[1] = static_cast<char>(len & 0xFF);
    n = 2;
  } else {
    head[0] = static_cast<char>(kString32Bit);
    for (size_t i = 0; i < 4; ++i) {
      head[1 + i] = static_cast<char>((len >> (8 * i)) & 0xFF);
    }
    n = 5;
  }
  AppendEntry(std::string_view(head, n), element);
}

std::string ListpackBuilder::Finish() const {
  REDOUBT_CHECK(bytes() <= UINT32_MAX);
  const auto total = static_cast<uint32_t>(bytes());
  const auto count =
      static_cast<uint16_t>(count_ < kListpackUnknownCount ? count_ : kListpackUnknownCount);
  std::string out;
  out.reserve(total);
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((total >> (8 * i)) & 0xFF));
  }
  out.push_back(static_cast<char>(count & 0xFF));
  out.push_back(static_cast<char>(count >> 8));
  out.append(body_);
  out.push_back(static_cast<char>(kTerminator));
  return out;
}

bool DecodeListpack(std::string_view blob, std::vector<std::string>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < kListpackHeaderBytes + 1) {
    return ListpackFail(error, "blob shorter than a header and a terminator", 0);
  }
  if (LoadLe(p, 4) != size) {
    return ListpackFail(error, "total bytes in the header differ from the blob's size", 0);
  }
  if (p[size - 1] != kTerminator) {
    return ListpackFail(error, "no terminator", size - 1);
  }
  const auto header_count = static_cast<uint16_t>(LoadLe(p + 4, 2));

  // Every entry must end at or before `end`, the terminator's offset (lpValidateNext's
  // OUT_OF_RANGE). Sizes are 64-bit so that a 32-bit string length near 4 GB cannot wrap.
  const size_t end = size - 1;
  size_t pos = kListpackHeaderBytes;
  size_t count = 0;
  while (p[pos] != kTerminator) {
    const uint8_t b = p[pos];
    std::optional<EntryShape> shape = ShapeOf(b);
    if (!shape) {
      return ListpackFail(error, "invalid encoding byte", pos);
    }
    if (shape->head_bytes > end - pos) {
      return ListpackFail(error, "entry header runs past the end", pos);
    }
    uint64_t data_bytes = shape->int_bytes;
    if (shape->is_string) {
      if (shape->head_bytes == 1) {
        data_bytes = b & 0x3F;
      } else if (shape->head_bytes == 2) {
        data_bytes = (uint64_t{b & 0x0Fu} << 8) | p[pos + 1];
      } else {
        data_bytes = LoadLe(p + pos + 1, 4);
      }
    }
    const uint64_t entry_bytes = shape->head_bytes + data_bytes;
    const uint64_t backlen_bytes = storage::ListpackBacklenBytes(entry_bytes);
    if (entry_bytes + backlen_bytes > end - pos) {
      return ListpackFail(error, "entry runs past the end", pos);
    }
    std::optional<uint64_t> backlen = ReadBacklen(p, pos + entry_bytes + backlen_bytes - 1);
    if (!backlen || *backlen != entry_bytes) {
      return ListpackFail(error, "back-length does not match the entry's size", pos);
    }

    if (shape->is_string) {
      out->emplace_back(blob.substr(pos + shape->head_bytes, data_bytes));
    } else {
      int64_t v;
      if ((b & 0x80) == 0) {
        v = b;
      } else if ((b & 0xE0) == kInt13Bit) {
        v = SignExtend((uint64_t{b & 0x1Fu} << 8) | p[pos + 1], 13);
      } else {
        v = SignExtend(LoadLe(p + pos + 1, shape->int_bytes),
                       static_cast<unsigned>(8 * shape->int_bytes));
      }
      std::string text;
      common::AppendInt64(&text, v);
      out->push_back(std::move(text));
    }
    pos += entry_bytes + backlen_bytes;
    ++count;
  }
  if (pos != end) {
    return ListpackFail(error, "0xFF before the end", pos);
  }
  if (header_count != kListpackUnknownCount && header_count != count) {
    return ListpackFail(error, "element count in the header differs from the elements", 4);
  }
  return true;
}

}  // namespace redoubt::persistence
