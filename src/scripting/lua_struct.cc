// struct for scripts; see lua_struct.h.
#include "scripting/lua_struct.h"

#include <bit>
#include <cctype>
#include <climits>
#include <cstdint>
#include <cstring>
#include <lua.hpp>
#include <string>

namespace redoubt::scripting {
namespace {

constexpr size_t kMaxIntSize = 32;
// The strictest alignment '!' without a number asks for: a double's, or an int's if larger.
constexpr size_t kMaxAlign = alignof(double) > sizeof(int) ? alignof(double) : sizeof(int);

enum class ByteOrder { kBig, kLittle };
constexpr ByteOrder kNative =
    std::endian::native == std::endian::little ? ByteOrder::kLittle : ByteOrder::kBig;

struct Layout {
  ByteOrder order = kNative;
  size_t align = 1;
};

// The decimal number at *fmt (advancing past it), or fallback when there is none.
size_t ReadCount(lua_State* L, const char** fmt, size_t fallback) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) {
    return fallback;
  }
  int n = 0;
  while (isdigit(static_cast<unsigned char>(**fmt))) {
    const int digit = **fmt - '0';
    if (n > INT_MAX / 10 || n * 10 > INT_MAX - digit) {
      luaL_error(L, "integral size overflow");
    }
    n = n * 10 + digit;
    ++*fmt;
  }
  return static_cast<size_t>(n);
}

// b B h H l L T i I: integers (lower case signed).
bool IsInteger(char opt) {
  return opt != '\0' && strchr("bBhHlLTiI", opt) != nullptr;
}

// The bytes an item of option opt takes (0 for options that are no item).
size_t ItemSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'b':
    case 'B':
    case 'x':
      return 1;
    case 'h':
    case 'H':
      return sizeof(short);
    case 'l':
    case 'L':
      return sizeof(long);
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'c':
      return ReadCount(L, fmt, 1);
    case 'i':
    case 'I': {
      const size_t size = ReadCount(L, fmt, sizeof(int));
      if (size > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", static_cast<int>(size),
                   static_cast<int>(kMaxIntSize));
      }
      return size;
    }
    default:
      return 0;
  }
}

// Padding that aligns an item of `size` bytes at offset `pos`.
size_t Padding(size_t pos, const Layout& layout, char opt, size_t size) {
  if (size == 0 || opt == 'c') {
    return 0;
  }
  const size_t align = size > layout.align ? layout.align : size;
  return (align - (pos & (align - 1))) & (align - 1);
}

// The options that are no item: byte order, alignment, spaces; any other is refused.
void ApplyControl(lua_State* L, char opt, const char** fmt, Layout* layout) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      layout->order = ByteOrder::kBig;
      return;
    case '<':
      layout->order = ByteOrder::kLittle;
      return;
    case '!': {
      const size_t align = ReadCount(L, fmt, kMaxAlign);
      if (align == 0 || (align & (align - 1)) != 0) {
        luaL_error(L, "alignment %d is not a power of 2", static_cast<int>(align));
      }
      layout->align = align;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

// The bytes of a float or double in the layout's order.
void ToOrder(char* bytes, size_t size, ByteOrder order) {
  if (order != kNative) {
    for (size_t i = 0, j = size - 1; i < j; ++i, --j) {
      std::swap(bytes[i], bytes[j]);
    }
  }
}

void PutInteger(lua_State* L, std::string* out, int arg, ByteOrder order, size_t size) {
  const lua_Number n = luaL_checknumber(L, arg);
  // As struct: a negative number through the signed type, then its two's complement bytes;
  // past 8 bytes the value has no more bits. NaN and what no 64-bit type holds give x86's
  // answer (the sign bit alone) instead of an undefined conversion.
  uint64_t value = uint64_t{1} << 63;
  if (n < 0 && n >= -9223372036854775808.0) {
    value = static_cast<uint64_t>(static_cast<int64_t>(n));
  } else if (n >= 0 && n < 18446744073709551616.0) {
    value = static_cast<uint64_t>(n);
  }
  char bytes[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    const size_t at = order == ByteOrder::kLittle ? i : size - 1 - i;
    bytes[at] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out->append(bytes, size);
}

lua_Number GetInteger(const char* bytes, ByteOrder order, bool is_signed, size_t size) {
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) {
    const size_t at = order == ByteOrder::kBig ? i : size - 1 - i;
    value = (value << 8) | static_cast<unsigned char>(bytes[at]);
  }
  if (!is_signed) {
    return static_cast<lua_Number>(value);
  }
  // The sign bit of a `size`-byte integer (x86's shift: the count taken modulo 64).
  const uint64_t mask = ~uint64_t{0} << ((size * 8 - 1) % 64);
  if (value & mask) {
    value |= mask;
  }
  return static_cast<lua_Number>(static_cast<int64_t>(value));
}

int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Layout layout;
  int arg = 2;
  size_t total = 0;
  std::string out;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    size_t size = ItemSize(L, opt, &fmt);
    const size_t padding = Padding(total, layout, opt, size);
    out.append(padding, '\0');
    total += padding;
    if (IsInteger(opt)) {
      PutInteger(L, &out, arg++, layout.order, size);
      total += size;
      continue;
    }
    switch (opt) {
      case 'x':
        out.push_back('\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        ToOrder(reinterpret_cast<char*>(&f), size, layout.order);
        out.append(reinterpret_cast<const char*>(&f), size);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        ToOrder(reinterpret_cast<char*>(&d), size, layout.order);
        out.append(reinterpret_cast<const char*>(&d), size);
        break;
      }
      case 'c':
      case 's': {
        size_t len = 0;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) {
          size = len;
        }
        // struct names the argument after this one here; kept, for the same message.
        luaL_argcheck(L, len >= size, arg, "string too short");
        out.append(s, size);
        if (opt == 's') {
          out.push_back('\0');
          ++size;
        }
        break;
      }
      default:
        ApplyControl(L, opt, &fmt, &layout);
    }
    total += size;
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

int Unpack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  size_t len = 0;
  const char* data = luaL_checklstring(L, 2, &len);
  const lua_Integer start = luaL_optinteger(L, 3, 1);
  luaL_argcheck(L, start > 0, 3, "offset must be 1 or greater");
  size_t pos = static_cast<size_t>(start) - 1;
  Layout layout;
  int results = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    size_t size = ItemSize(L, opt, &fmt);
    pos += Padding(pos, layout, opt, size);
    luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    if (IsInteger(opt)) {
      lua_pushnumber(L, GetInteger(data + pos, layout.order, islower(opt) != 0, size));
      ++results;
      pos += size;
      continue;
    }
    switch (opt) {
      case 'x':
        break;
      case 'f': {
        float f;
        memcpy(&f, data + pos, size);
        ToOrder(reinterpret_cast<char*>(&f), sizeof(f), layout.order);
        lua_pushnumber(L, f);
        ++results;
        break;
      }
      case 'd': {
        double d;
        memcpy(&d, data + pos, size);
        ToOrder(reinterpret_cast<char*>(&d), sizeof(d), layout.order);
        lua_pushnumber(L, d);
        ++results;
        break;
      }
      case 'c':
        if (size == 0) {
          // c0: the length is the number unpacked just before.
          if (results == 0 || !lua_isnumber(L, -1)) {
            luaL_error(L, "format 'c0' needs a previous size");
          }
          const lua_Number given = lua_tonumber(L, -1);
          size = given >= 0 && given <= static_cast<lua_Number>(len) ? static_cast<size_t>(given)
                                                                     : len + 1;
          lua_pop(L, 1);
          --results;
          luaL_argcheck(L, size <= len && pos <= len - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        ++results;
        break;
      case 's': {
        const void* end = memchr(data + pos, '\0', len - pos);
        if (end == nullptr) {
          luaL_error(L, "unfinished string in data");
        }
        size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        ++results;
        break;
      }
      default:
        ApplyControl(L, opt, &fmt, &layout);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return results + 1;
}

int Size(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Layout layout;
  size_t pos = 0;
  while (*fmt != '\0') {
    const char opt = *fmt++;
    const size_t size = ItemSize(L, opt, &fmt);
    pos += Padding(pos, layout, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!isalnum(static_cast<unsigned char>(opt))) {
      ApplyControl(L, opt, &fmt, &layout);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, Pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, Unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, Size);
  lua_setfield(L, -2, "size");
  return 1;
}

}  // namespace redoubt::scripting
