// Ziplist decoding; see ziplist.h. The checks follow Redis 7.0.15's ziplist.c (zipEntrySafe,
// ziplistValidateIntegrity), so that a blob loads here exactly when it loads in redis-server.
#include "persistence/ziplist.h"

#include <cstddef>
#include <cstdint>

#include "common/numbers.h"
#include "persistence/blob_bytes.h"

namespace redoubt::persistence {

namespace {

constexpr size_t kZiplistHeaderBytes = 10;  // zlbytes, zltail, zllen
constexpr uint8_t kZiplistEnd = 0xFF;
constexpr uint8_t kBigPrevlen = 0xFE;  // prevlen as 0xFE and a u32
constexpr uint16_t kZiplistUnknownCount = 65535;

// Integer encodings: the byte, then that many bytes little endian.
constexpr uint8_t kInt8 = 0xFE;
constexpr uint8_t kInt16 = 0xC0;
constexpr uint8_t kInt24 = 0xF0;
constexpr uint8_t kInt32 = 0xD0;
constexpr uint8_t kInt64 = 0xE0;
// 1111xxxx with xxxx from 0001 to 1101: the integer xxxx - 1, no data bytes.
constexpr uint8_t kImmediateMin = 0xF1;
constexpr uint8_t kImmediateMax = 0xFD;

uint64_t LoadBe(const uint8_t* p, size_t bytes) {
  uint64_t v = 0;
  for (size_t i = 0; i < bytes; ++i) {
    v = (v << 8) | p[i];
  }
  return v;
}

// Bytes of the integer after an integer encoding byte; 0 for the immediates, -1 for a byte that
// is no encoding.
int IntegerBytes(uint8_t encoding) {
  switch (encoding) {
    case kInt8:
      return 1;
    case kInt16:
      return 2;
    case kInt24:
      return 3;
    case kInt32:
      return 4;
    case kInt64:
      return 8;
    default:
      return encoding >= kImmediateMin && encoding <= kImmediateMax ? 0 : -1;
  }
}

bool ZiplistFail(std::string* error, std::string_view what, size_t offset) {
  return BlobFail(error, "ziplist", what, offset);
}

}  // namespace

bool DecodeZiplist(std::string_view blob, std::vector<std::string>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < kZiplistHeaderBytes + 1) {
    return ZiplistFail(error, "blob shorter than a header and a terminator", 0);
  }
  if (LoadLe(p, 4) != size) {
    return ZiplistFail(error, "zlbytes differs from the blob's size", 0);
  }
  if (p[size - 1] != kZiplistEnd) {
    return ZiplistFail(error, "no terminator", size - 1);
  }
  const uint64_t zltail = LoadLe(p + 4, 4);
  if (zltail > size - 1) {
    return ZiplistFail(error, "zltail points past the end", 4);
  }
  const auto header_count = static_cast<uint16_t>(LoadLe(p + 8, 2));

  // Every entry must end at or before `end`, the terminator's offset (zipEntrySafe's
  // OUT_OF_RANGE). Sizes are 64-bit so that a 32-bit length near 4 GB cannot wrap.
  const size_t end = size - 1;
  size_t pos = kZiplistHeaderBytes;
  size_t prev_entry_bytes = 0;  // the first entry's prevlen must be 0
  size_t last_start = 0;
  size_t count = 0;
  while (p[pos] != kZiplistEnd) {
    const size_t start = pos;
    const size_t prevlen_bytes = p[pos] < kBigPrevlen ? 1 : 5;
    if (prevlen_bytes > end - pos) {
      return ZiplistFail(error, "prevlen runs past the end", start);
    }
    const uint64_t prevlen = prevlen_bytes == 1 ? p[pos] : LoadLe(p + pos + 1, 4);
    pos += prevlen_bytes;

    // pos <= end: the encoding byte is readable (it may be the terminator, which is no
    // encoding).
    const uint8_t encoding = p[pos];
    size_t encoding_bytes = 1;
    uint64_t data_bytes;
    int integer_bytes = -1;
    if (encoding < 0xC0) {
      // A string; the top two bits give the length's size. Redis ignores the low six bits of a
      // 32-bit length's first byte (ZIP_ENTRY_ENCODING masks them), so this does too.
      encoding_bytes = encoding < 0x40 ? 1 : encoding < 0x80 ? 2 : 5;
    } else {
      integer_bytes = IntegerBytes(encoding);
      if (integer_bytes < 0) {
        return ZiplistFail(error, "invalid encoding byte", pos);
      }
    }
    if (encoding_bytes > end - pos) {
      return ZiplistFail(error, "entry header runs past the end", start);
    }
    if (integer_bytes >= 0) {
      data_bytes = static_cast<uint64_t>(integer_bytes);
    } else if (encoding_bytes == 1) {
      data_bytes = encoding & 0x3F;
    } else if (encoding_bytes == 2) {
      data_bytes = (uint64_t{encoding & 0x3Fu} << 8) | p[pos + 1];
    } else {
      data_bytes = LoadBe(p + pos + 1, 4);
    }
    if (data_bytes > end - pos - encoding_bytes) {
      return ZiplistFail(error, "entry runs past the end", start);
    }
    if (prevlen != prev_entry_bytes) {
      return ZiplistFail(error, "prevlen differs from the previous entry's size", start);
    }

    const size_t data = pos + encoding_bytes;
    if (integer_bytes < 0) {
      out->emplace_back(blob.substr(data, data_bytes));
    } else {
      int64_t v = integer_bytes == 0 ? (encoding & 0x0F) - 1
                                     : SignExtend(LoadLe(p + data, integer_bytes),
                                                  8 * static_cast<unsigned>(integer_bytes));
      std::string text;
      common::AppendInt64(&text, v);
      out->push_back(std::move(text));
    }
    pos = data + data_bytes;
    prev_entry_bytes = pos - start;
    last_start = start;
    ++count;
  }
  if (pos != end) {
    return ZiplistFail(error, "0xFF before the end", pos);
  }
  if (count > 0 && zltail != last_start) {
    return ZiplistFail(error, "zltail is not the last entry's offset", 4);
  }
  if (header_count != kZiplistUnknownCount && header_count != count) {
    return ZiplistFail(error, "zllen differs from the entries", 8);
  }
  return true;
}

}  // namespace redoubt::persistence
