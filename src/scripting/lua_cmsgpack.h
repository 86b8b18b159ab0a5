// The `cmsgpack` library Redis gives scripts (lua-cmsgpack 0.4's API: pack, unpack, unpack_one,
// unpack_limit), on msgpack-c for the bytes: a Lua value packs as lua-cmsgpack packs it (a
// table whose keys are exactly 1..n as an array, any other as a map; integral numbers as the
// smallest integer, others as a float when a float holds them exactly, else a double; tables
// nested deeper than 16 as nil, which also ends circular references), so a script's bytes are
// Redis's bytes. Debian ships no C build of lua-cmsgpack; msgpack-c does the format.
//
// Thread: functions of one lua_State.
#pragma once

struct lua_State;

namespace redoubt::scripting {

// A lua_CFunction: pushes the library's table.
int OpenCmsgpack(lua_State* L);

}  // namespace redoubt::scripting
