// Listpack encoding and validation; see listpack.h. Redis 7.0's listpack.c is the reference.
#include "persistence/listpack.h"

#include <cstring>

#include "common/numbers.h"

namespace redoubt::persistence {

namespace {

// Bytes of the back-length that records an element of `len` bytes.
size_t BacklenSize(uint64_t len) {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

// The back-length, most significant group first; every byte but the first has bit 7 set, so
// that reading backwards from the element's end finds where it stops.
size_t EncodeBacklen(uint64_t len, uint8_t* out) {
  size_t n = BacklenSize(len);
  for (size_t i = 0; i < n; ++i) {
    uint8_t group = static_cast<uint8_t>((len >> (7 * (n - 1 - i))) & 127);
    out[i] = i == 0 ? group : static_cast<uint8_t>(group | 128);
  }
  return n;
}

}  // namespace

void ListpackBuilder::AppendEntry(const uint8_t* encoded, size_t n) {
  body_.append(reinterpret_cast<const char*>(encoded), n);
  uint8_t back[5];
  size_t b = EncodeBacklen(n, back);
  body_.append(reinterpret_cast<const char*>(back), b);
  ++count_;
}

void ListpackBuilder::AppendInteger(int64_t v) {
  uint8_t buf[9];
  size_t n;
  if (v >= 0 && v <= 127) {
    buf[0] = static_cast<uint8_t>(v);
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    uint64_t u = v < 0 ? (uint64_t{1} << 13) + v : static_cast<uint64_t>(v);
    buf[0] = static_cast<uint8_t>((u >> 8) | 0xC0);
    buf[1] = static_cast<uint8_t>(u & 0xFF);
    n = 2;
  } else {
    int bytes = v >= -32768 && v <= 32767          ? 2
                : v >= -8388608 && v <= 8388607    ? 3
                : v >= INT32_MIN && v <= INT32_MAX ? 4
                                                   : 8;
    buf[0] = bytes == 2 ? 0xF1 : bytes == 3 ? 0xF2 : bytes == 4 ? 0xF3 : 0xF4;
    uint64_t u = static_cast<uint64_t>(v);
    for (int i = 0; i < bytes; ++i) {
      buf[1 + i] = static_cast<uint8_t>(u >> (8 * i));
    }
    n = 1 + static_cast<size_t>(bytes);
  }
  AppendEntry(buf, n);
}

void ListpackBuilder::Append(std::string_view element) {
  // lpStringToInt64: the canonical text of an int64 (no sign on zero, no leading zeros).
  if (!element.empty() && element.size() < 21) {
    if (std::optional<int64_t> v = common::ParseInt64(element)) {
      return AppendInteger(*v);
    }
  }
  size_t len = element.size();
  std::string entry;
  if (len < 64) {
    entry.push_back(static_cast<char>(0x80 | len));
  } else if (len < 4096) {
    entry.push_back(static_cast<char>(0xE0 | (len >> 8)));
    entry.push_back(static_cast<char>(len & 0xFF));
  } else {
    entry.push_back(static_cast<char>(0xF0));
    for (int i = 0; i < 4; ++i) {
      entry.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
    }
  }
  entry.append(element);
  AppendEntry(reinterpret_cast<const uint8_t*>(entry.data()), entry.size());
}

std::string ListpackBuilder::Finish() const {
  std::string out;
  uint32_t total = static_cast<uint32_t>(body_.size() + 7);
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>((total >> (8 * i)) & 0xFF));
  }
  uint16_t count = count_ < 65535 ? static_cast<uint16_t>(count_) : 65535;
  out.push_back(static_cast<char>(count & 0xFF));
  out.push_back(static_cast<char>(count >> 8));
  out.append(body_);
  out.push_back(static_cast<char>(0xFF));
  return out;
}

bool DecodeListpack(std::string_view blob, std::vector<std::string>* out, std::string* error) {
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  const size_t size = blob.size();
  if (size < 7) {
    *error = "listpack shorter than its header";
    return false;
  }
  uint32_t total = p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24);
  uint16_t count = static_cast<uint16_t>(p[4] | (p[5] << 8));
  if (total != size) {
    *error = "listpack size does not match its header";
    return false;
  }
  if (p[size - 1] != 0xFF) {
    *error = "listpack without its terminator";
    return false;
  }
  size_t pos = 6;
  size_t seen = 0;
  const size_t end = size - 1;
  while (pos < end) {
    uint8_t b = p[pos];
    uint64_t header = 0;
    uint64_t data_len = 0;
    bool is_int = true;
    int64_t value = 0;
    auto need = [&](uint64_t n) { return n <= end - pos; };
    if ((b & 0x80) == 0) {
      header = 1;
      value = b & 0x7F;
    } else if ((b & 0xC0) == 0x80) {
      is_int = false;
      header = 1;
      data_len = b & 0x3F;
    } else if ((b & 0xE0) == 0xC0) {
      if (!need(2)) {
        break;
      }
      header = 2;
      uint64_t u = (uint64_t{b & 0x1Fu} << 8) | p[pos + 1];
      value = u >= 4096 ? static_cast<int64_t>(u) - 8192 : static_cast<int64_t>(u);
    } else if ((b & 0xF0) == 0xE0) {
      if (!need(2)) {
        break;
      }
      is_int = false;
      header = 2;
      data_len = (uint64_t{b & 0x0Fu} << 8) | p[pos + 1];
    } else if (b == 0xF0) {
      if (!need(5)) {
        break;
      }
      is_int = false;
      header = 5;
      data_len = p[pos + 1] | (p[pos + 2] << 8) | (p[pos + 3] << 16) | (uint64_t{p[pos + 4]} << 24);
    } else if (b >= 0xF1 && b <= 0xF4) {
      int bytes = b == 0xF1 ? 2 : b == 0xF2 ? 3 : b == 0xF3 ? 4 : 8;
      if (!need(1 + bytes)) {
        break;
      }
      header = 1 + bytes;
      uint64_t u = 0;
      for (int i = bytes - 1; i >= 0; --i) {
        u = (u << 8) | p[pos + 1 + i];
      }
      if (bytes < 8 && (u >> (8 * bytes - 1)) & 1) {
        u |= ~uint64_t{0} << (8 * bytes);  // sign-extend
      }
      value = static_cast<int64_t>(u);
    } else {
      *error = "listpack element with an invalid encoding";
      return false;
    }
    uint64_t entry_len = header + data_len;
    uint64_t back = BacklenSize(entry_len);
    if (!need(entry_len + back)) {
      break;
    }
    uint8_t expect[5];
    EncodeBacklen(entry_len, expect);
    if (std::memcmp(expect, p + pos + entry_len, back) != 0) {
      *error = "listpack element with a wrong back-length";
      return false;
    }
    if (is_int) {
      out->push_back(std::to_string(value));
    } else {
      out->emplace_back(blob.substr(pos + header, data_len));
    }
    pos += entry_len + back;
    ++seen;
  }
  if (pos != end) {
    *error = "listpack element runs past the end";
    return false;
  }
  if (count != 65535 && count != seen) {
    *error = "listpack count does not match its elements";
    return false;
  }
  return true;
}

}  // namespace redoubt::persistence
