// Replies to Lua values and back; see lua_replies.h.
#include "scripting/lua_replies.h"

#include <cstdint>
#include <limits>
#include <lua.hpp>
#include <string>

#include "common/numbers.h"

namespace redoubt::scripting {
namespace {

// Where a reply is read from: the bytes and the position of the next one.
struct Cursor {
  std::string_view bytes;
  size_t pos = 0;

  // The rest of the current line (without its CRLF), advancing past it; false when the line
  // is incomplete.
  bool Line(std::string_view* line) {
    size_t end = bytes.find("\r\n", pos);
    if (end == std::string_view::npos) {
      return false;
    }
    *line = bytes.substr(pos, end - pos);
    pos = end + 2;
    return true;
  }
  bool Body(size_t n, std::string_view* body) {
    if (bytes.size() - pos < n + 2) {
      return false;
    }
    *body = bytes.substr(pos, n);
    pos += n + 2;
    return true;
  }
};

// A length or an integer reply's digits (written by the server's own reply writer).
int64_t ToInteger(std::string_view digits) {
  return common::ParseInt64(digits).value_or(0);
}

// Pushes {name = value-on-top}, replacing the value.
void WrapInField(lua_State* L, const char* name) {
  lua_newtable(L);
  lua_pushstring(L, name);
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  lua_remove(L, -2);
}

bool PushValue(lua_State* L, Cursor& in);

// Pushes a table of n elements read one after the other: an array (1..n), a map's pairs
// (keys and values) or a set's members (member = true).
enum class Shape { kArray, kMap, kSet };
bool PushAggregate(lua_State* L, Cursor& in, int64_t n, Shape shape) {
  lua_createtable(L, shape == Shape::kArray ? static_cast<int>(n) : 0,
                  shape == Shape::kArray ? 0 : static_cast<int>(n));
  for (int64_t i = 1; i <= n; ++i) {
    if (!lua_checkstack(L, 4)) {
      return false;
    }
    switch (shape) {
      case Shape::kArray:
        if (!PushValue(L, in)) {
          return false;
        }
        lua_rawseti(L, -2, static_cast<int>(i));
        break;
      case Shape::kMap: {
        const bool key = PushValue(L, in);
        if (!key || !PushValue(L, in)) {  // the key, then its value
          return false;
        }
        lua_settable(L, -3);
        break;
      }
      case Shape::kSet:
        if (!PushValue(L, in)) {
          return false;
        }
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
        break;
    }
  }
  return true;
}

bool PushValue(lua_State* L, Cursor& in) {
  if (in.pos >= in.bytes.size()) {
    return false;
  }
  const char type = in.bytes[in.pos++];
  std::string_view line;
  if (!in.Line(&line)) {
    return false;
  }
  switch (type) {
    case '+':
      lua_newtable(L);
      lua_pushstring(L, "ok");
      lua_pushlstring(L, line.data(), line.size());
      lua_settable(L, -3);
      return true;
    case '-':
      PushErrorTable(L, "-" + std::string(line));
      return true;
    case ':':
      lua_pushnumber(L, static_cast<lua_Number>(ToInteger(line)));
      return true;
    case '$': {
      int64_t n = ToInteger(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      std::string_view body;
      if (!in.Body(static_cast<size_t>(n), &body)) {
        return false;
      }
      lua_pushlstring(L, body.data(), body.size());
      return true;
    }
    case '*':
    case '>': {
      int64_t n = ToInteger(line);
      if (n < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      return PushAggregate(L, in, n, Shape::kArray);
    }
    case '%':
      if (!PushAggregate(L, in, ToInteger(line), Shape::kMap)) {
        return false;
      }
      WrapInField(L, "map");
      return true;
    case '~':
      if (!PushAggregate(L, in, ToInteger(line), Shape::kSet)) {
        return false;
      }
      WrapInField(L, "set");
      return true;
    case '_':
      lua_pushnil(L);
      return true;
    case '#':
      lua_pushboolean(L, line == "t");
      return true;
    case ',':
      // ",nan" is the one double ParseDouble refuses.
      lua_pushnumber(L,
                     common::ParseDouble(line).value_or(std::numeric_limits<double>::quiet_NaN()));
      WrapInField(L, "double");
      return true;
    case '(':
      lua_pushlstring(L, line.data(), line.size());
      WrapInField(L, "big_number");
      return true;
    case '=': {
      std::string_view body;
      if (!in.Body(static_cast<size_t>(ToInteger(line)), &body) || body.size() < 4) {
        return false;
      }
      lua_newtable(L);
      lua_pushstring(L, "format");
      lua_pushlstring(L, body.data(), 3);
      lua_settable(L, -3);
      lua_pushstring(L, "string");
      lua_pushlstring(L, body.data() + 4, body.size() - 4);
      lua_settable(L, -3);
      WrapInField(L, "verbatim_string");
      return true;
    }
    case '|':
      // Attributes carry nothing a script sees: read and dropped, then the reply itself.
      if (!PushAggregate(L, in, ToInteger(line), Shape::kMap)) {
        return false;
      }
      lua_pop(L, 1);
      return PushValue(L, in);
    default:
      return false;
  }
}

// Redis replaces CR and LF in a status or big number with spaces.
std::string WithoutLineBreaks(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  return out;
}

// The string field `name` of the table on top, or false (the stack is left as it was).
bool StringField(lua_State* L, const char* name, std::string* value) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  const bool found = lua_type(L, -1) == LUA_TSTRING;
  if (found) {
    size_t len = 0;
    const char* s = lua_tolstring(L, -1, &len);
    value->assign(s, len);
  }
  lua_pop(L, 1);
  return found;
}

// Writes the table on top as a map or set reply when its field `name` holds one (and pops
// nothing); false when it does not.
bool WriteMapOrSet(lua_State* L, protocol::ReplyWriter& out, bool script_resp3, const char* name,
                   bool map) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) != LUA_TTABLE) {
    lua_pop(L, 1);
    return false;
  }
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    ++n;
  }
  if (map) {
    out.MapHeader(n);
  } else {
    out.SetHeader(n);
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    // Stack: table, key, value.
    if (map) {
      lua_pushvalue(L, -2);
      WriteLuaValue(L, out, script_resp3);  // the key
      WriteLuaValue(L, out, script_resp3);  // the value
    } else {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteLuaValue(L, out, script_resp3);  // the member
    }
  }
  lua_pop(L, 1);
  return true;
}

void WriteTable(lua_State* L, protocol::ReplyWriter& out, bool script_resp3) {
  std::string text;
  if (StringField(L, "err", &text)) {
    lua_getfield(L, -1, kCountedField);
    const bool counted_already = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
    out.Error(text, /*counted=*/!counted_already);
    return;
  }
  if (StringField(L, "ok", &text)) {
    out.SimpleString(WithoutLineBreaks(text));
    return;
  }
  lua_pushstring(L, "double");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TNUMBER) {
    out.Double(lua_tonumber(L, -1));
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (StringField(L, "big_number", &text)) {
    out.BigNumber(text);
    return;
  }
  lua_pushstring(L, "verbatim_string");
  lua_rawget(L, -2);
  if (lua_type(L, -1) == LUA_TTABLE) {
    std::string format;
    if (StringField(L, "format", &format) && StringField(L, "string", &text)) {
      out.Verbatim(format, text);
      lua_pop(L, 1);
      return;
    }
  }
  lua_pop(L, 1);
  if (WriteMapOrSet(L, out, script_resp3, "map", /*map=*/true) ||
      WriteMapOrSet(L, out, script_resp3, "set", /*map=*/false)) {
    return;
  }
  // An array: elements 1..n up to the first nil.
  size_t n = 0;
  for (;; ++n) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    const bool end = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (end) {
      break;
    }
  }
  out.ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteLuaValue(L, out, script_resp3);
  }
}

}  // namespace

size_t PushReply(lua_State* L, std::string_view resp) {
  Cursor in{resp};
  const int top = lua_gettop(L);
  if (!PushValue(L, in)) {
    lua_settop(L, top);
    return 0;
  }
  return in.pos;
}

void PushErrorTable(lua_State* L, std::string_view text) {
  std::string code = "ERR";
  std::string_view message = text;
  if (!text.empty() && text[0] == '-') {
    size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      message = text.substr(1);
    } else {
      code.assign(text.substr(1, space - 1));
      message = text.substr(space + 1);
    }
  }
  while (!message.empty() && (message.back() == '\r' || message.back() == '\n')) {
    message.remove_suffix(1);
  }
  while (!message.empty() && (message.front() == '\r' || message.front() == '\n')) {
    message.remove_prefix(1);
  }
  std::string full = code + " " + std::string(message);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, full.data(), full.size());
  lua_settable(L, -3);
}

void WriteLuaValue(lua_State* L, protocol::ReplyWriter& out, bool script_resp3) {
  if (!lua_checkstack(L, 4)) {
    out.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      out.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (!script_resp3) {
        if (lua_toboolean(L, -1)) {
          out.Integer(1);
        } else {
          out.Null();
        }
      } else {
        out.Bool(lua_toboolean(L, -1) != 0);
      }
      break;
    case LUA_TNUMBER: {
      // Truncated as C's (long long) cast; what x86 gives for NaN and out-of-range values
      // (INT64_MIN) instead of a cast that is undefined for them.
      const lua_Number v = lua_tonumber(L, -1);
      const bool representable = v >= -9223372036854775808.0 && v < 9223372036854775808.0;
      out.Integer(representable ? static_cast<int64_t>(v) : INT64_MIN);
      break;
    }
    case LUA_TTABLE:
      WriteTable(L, out, script_resp3);
      break;
    default:
      out.Null();
      break;
  }
  lua_pop(L, 1);
}

}  // namespace redoubt::scripting
