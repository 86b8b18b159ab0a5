// The `struct` library Redis gives scripts (Roberto Ierusalimschy's struct 0.2: pack, unpack,
// size with its format language: < > ! for byte order and alignment, b B h H l L T i[n] I[n]
// integers, f d, c[n] s strings, x padding), with the same results and error texts on this
// platform (64-bit little-endian). Debian ships no build of it for Lua 5.1.
//
// Thread: functions of one lua_State.
#pragma once

struct lua_State;

namespace redoubt::scripting {

// A lua_CFunction: pushes the library's table.
int OpenStruct(lua_State* L);

}  // namespace redoubt::scripting
