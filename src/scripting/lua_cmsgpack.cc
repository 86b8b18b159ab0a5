// cmsgpack for scripts; see lua_cmsgpack.h. Error texts are lua-cmsgpack's.
#include "scripting/lua_cmsgpack.h"

#include <msgpack.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <lua.hpp>
#include <string>

namespace redoubt::scripting {
namespace {

constexpr int kMaxNesting = 16;

int AppendToString(void* data, const char* bytes, size_t len) {
  static_cast<std::string*>(data)->append(bytes, len);
  return 0;
}

// Whether n is an integer an int64 holds (lua-cmsgpack's IS_INT64_EQUIVALENT, without the
// undefined cast of NaN or of what is out of range).
bool IsInt64(lua_Number n) {
  return n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
         static_cast<lua_Number>(static_cast<int64_t>(n)) == n;
}

// Whether the table on top has exactly the keys 1..n.
bool IsArray(lua_State* L) {
  const int top = lua_gettop(L);
  luaL_checkstack(L, 2, "in function table_is_an_array");
  int64_t count = 0;
  lua_Number max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    lua_pop(L, 1);
    const lua_Number n = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
    if (n <= 0 || n > INT_MAX || static_cast<lua_Number>(static_cast<int>(n)) != n) {
      lua_settop(L, top);
      return false;
    }
    max = n > max ? n : max;
    ++count;
  }
  lua_settop(L, top);
  return max == static_cast<lua_Number>(count);
}

// Packs the value on top and pops it.
void Pack(lua_State* L, msgpack_packer* pk, int level) {
  int type = lua_type(L, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) {
    type = LUA_TNIL;
  }
  switch (type) {
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, -1, &len);
      msgpack_pack_str(pk, len);
      msgpack_pack_str_body(pk, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      if (lua_toboolean(L, -1)) {
        msgpack_pack_true(pk);
      } else {
        msgpack_pack_false(pk);
      }
      break;
    case LUA_TNUMBER: {
      const lua_Number n = lua_tonumber(L, -1);
      if (IsInt64(n)) {
        msgpack_pack_int64(pk, static_cast<int64_t>(n));
      } else if (const float f = static_cast<float>(n); static_cast<double>(f) == n) {
        msgpack_pack_float(pk, f);
      } else {
        msgpack_pack_double(pk, n);
      }
      break;
    }
    case LUA_TTABLE:
      if (IsArray(L)) {
        const size_t len = lua_objlen(L, -1);
        msgpack_pack_array(pk, len);
        luaL_checkstack(L, 1, "in function mp_encode_lua_table_as_array");
        for (size_t i = 1; i <= len; ++i) {
          lua_pushnumber(L, static_cast<lua_Number>(i));
          lua_gettable(L, -2);
          Pack(L, pk, level + 1);
        }
      } else {
        luaL_checkstack(L, 3, "in function mp_encode_lua_table_as_map");
        size_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pop(L, 1);
          ++pairs;
        }
        msgpack_pack_map(pk, pairs);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
          lua_pushvalue(L, -2);
          Pack(L, pk, level + 1);  // the key
          Pack(L, pk, level + 1);  // the value
        }
      }
      break;
    default:
      msgpack_pack_nil(pk);
      break;
  }
  lua_pop(L, 1);
}

int PackAll(lua_State* L) {
  const int nargs = lua_gettop(L);
  if (nargs == 0) {
    return luaL_argerror(L, 0, "MessagePack pack needs input.");
  }
  if (!lua_checkstack(L, nargs)) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  std::string out;
  msgpack_packer pk;
  msgpack_packer_init(&pk, &out, AppendToString);
  for (int i = 1; i <= nargs; ++i) {
    lua_pushvalue(L, i);
    Pack(L, &pk, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

// Pushes a decoded object; false for what lua-cmsgpack does not read (bin, ext).
bool PushObject(lua_State* L, const msgpack_object& o) {
  luaL_checkstack(L, 3, "too many return values at once; use unpack_one or unpack_limit instead.");
  switch (o.type) {
    case MSGPACK_OBJECT_NIL:
      lua_pushnil(L);
      return true;
    case MSGPACK_OBJECT_BOOLEAN:
      lua_pushboolean(L, o.via.boolean ? 1 : 0);
      return true;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      lua_pushnumber(L, static_cast<lua_Number>(o.via.u64));
      return true;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      lua_pushnumber(L, static_cast<lua_Number>(o.via.i64));
      return true;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      lua_pushnumber(L, o.via.f64);
      return true;
    case MSGPACK_OBJECT_STR:
      lua_pushlstring(L, o.via.str.ptr, o.via.str.size);
      return true;
    case MSGPACK_OBJECT_ARRAY:
      lua_newtable(L);
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        lua_pushnumber(L, static_cast<lua_Number>(i + 1));
        if (!PushObject(L, o.via.array.ptr[i])) {
          return false;
        }
        lua_settable(L, -3);
      }
      return true;
    case MSGPACK_OBJECT_MAP:
      lua_newtable(L);
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        if (!PushObject(L, o.via.map.ptr[i].key) || !PushObject(L, o.via.map.ptr[i].val)) {
          return false;
        }
        lua_settable(L, -3);
      }
      return true;
    default:
      return false;
  }
}

// lua-cmsgpack's mp_unpack_full: limit 0 and offset 0 decode everything; otherwise up to
// limit objects from offset, preceded by the next offset (-1 at the end).
int Unpack(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    // lua-cmsgpack reports the input's length as the limit.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  if (all) {
    limit = INT_MAX;
  }
  // Freed however this ends (a Lua error is an exception).
  struct Unpacked {
    msgpack_unpacked value;
    Unpacked() { msgpack_unpacked_init(&value); }
    ~Unpacked() { msgpack_unpacked_destroy(&value); }
  } unpacked;
  msgpack_unpacked& result = unpacked.value;
  size_t pos = static_cast<size_t>(offset);
  int count = 0;
  const char* error = nullptr;
  for (; pos < len && count < limit; ++count) {
    const msgpack_unpack_return r = msgpack_unpack_next(&result, s, len, &pos);
    if (r == MSGPACK_UNPACK_CONTINUE) {
      error = "Missing bytes in input.";
    } else if (r < 0 || !PushObject(L, result.data)) {
      error = "Bad data format in input.";
    }
    if (error != nullptr) {
      break;
    }
  }
  if (error != nullptr) {
    return luaL_error(L, "%s", error);
  }
  if (!all) {
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, pos == len ? -1 : static_cast<lua_Integer>(pos));
    lua_insert(L, 2);
    ++count;
  }
  return count;
}

int UnpackAll(lua_State* L) {
  return Unpack(L, 0, 0);
}

int UnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return Unpack(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return Unpack(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  const std::pair<const char*, lua_CFunction> functions[] = {
      {"pack", PackAll},
      {"unpack", UnpackAll},
      {"unpack_one", UnpackOne},
      {"unpack_limit", UnpackLimit},
  };
  for (const auto& [name, function] : functions) {
    lua_pushcfunction(L, function);
    lua_setfield(L, -2, name);
  }
  const std::pair<const char*, const char*> fields[] = {
      {"_NAME", "cmsgpack"},
      {"_VERSION", "lua-cmsgpack 0.4.0"},
      {"_COPYRIGHT", "Copyright (C) 2012, Salvatore Sanfilippo"},
      {"_DESCRIPTION", "MessagePack C implementation for Lua"},
  };
  for (const auto& [name, value] : fields) {
    lua_pushstring(L, value);
    lua_setfield(L, -2, name);
  }
  return 1;
}

}  // namespace redoubt::scripting
