// Converting between Redis replies and Lua values, as Redis 7.0's scripting does.
//
// A command's reply (RESP2 or RESP3 bytes, as the script's client received them) becomes a Lua
// value for redis.call: integer → number, bulk → string, array → table, status → {ok=…},
// error → {err=…}, RESP2 nulls → false; and in RESP3 (redis.setresp(3)) null → nil, boolean,
// {double=…}, {map=…}, {set=…}, {big_number=…}, {verbatim_string={format=…, string=…}}.
//
// A script's result goes the other way into the caller's reply: string → bulk, number →
// integer (truncated), boolean → 1 / null in RESP2 and a boolean in RESP3, table → an error,
// status, double, big number, verbatim string, map, set or else an array of its elements 1..n
// up to the first nil; anything else → null.
//
// Thread: functions of one lua_State, on the thread that runs it.
#pragma once

#include <string_view>

#include "protocol/reply_writer.h"

struct lua_State;

namespace redoubt::scripting {

// The field of an error table from a failed redis.call or redis.pcall that says its error was
// counted in errorstats when it happened (Redis's name for it).
inline constexpr const char* kCountedField = "ignore_error_stats_update";

// Pushes the Lua value of the reply at the start of resp; returns the bytes it took (0 when
// resp holds no complete reply: nothing is pushed then).
size_t PushReply(lua_State* L, std::string_view resp);

// Pushes {err = text} as Redis's luaPushErrorBuff: text is "-CODE message" (the code taken from
// it) or a plain message (the code ERR added); a trailing CR/LF is dropped.
void PushErrorTable(lua_State* L, std::string_view text);

// Writes the value on top of the stack to out and pops it. script_resp3: the protocol the
// script chose with redis.setresp (booleans differ).
void WriteLuaValue(lua_State* L, protocol::ReplyWriter& out, bool script_resp3);

}  // namespace redoubt::scripting
