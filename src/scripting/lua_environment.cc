// The sandboxed Lua state; see lua_environment.h. The texts of errors are Redis 7.0's.
#include "scripting/lua_environment.h"

#include <lua.hpp>
// Debian's declarations of the two libraries' entry points, which are C functions.
extern "C" {
#include <lua5.1/lua-bitop.h>
#include <lua5.1/lua-cjson.h>
}

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <vector>

#include "common/clock.h"
#include "common/log.h"
#include "scripting/lua_cmsgpack.h"
#include "scripting/lua_replies.h"
#include "scripting/lua_struct.h"
#include "scripting/script_cache.h"

namespace redoubt::scripting {

struct LuaEnvironment::ActiveRun {
  ScriptHost& host;
  bool resp3 = false;     // redis.setresp(3)
  bool propagate = true;  // redis.set_repl(REPL_NONE) clears it
  bool killed = false;
};

namespace {

// Registry keys.
constexpr const char* kProxies = "redoubt.proxies";              // proxy -> the table it guards
constexpr const char* kGlobals = "redoubt.globals";              // the globals' proxy
constexpr const char* kRealGlobals = "redoubt.real_globals";     // what it reads
constexpr const char* kEnvironment = "redoubt.environment";      // the LuaEnvironment (the hook's)
constexpr const char* kGlobalsMetatable = "redoubt.globals_mt";  // what getmetatable(_G) shows
constexpr const char* kLibraryApi = "redoubt.library_api";       // a loading library's globals

// Instructions between two checks for SCRIPT KILL and busy-reply-threshold (Redis's count).
constexpr int kHookInstructions = 100000;
// Scripts between two incremental steps of Lua's collector (Redis's LUA_GC_CYCLE_PERIOD).
constexpr int kGcPeriod = 50;

// The globals a script sees: Redis 7.0's allow lists, less what its Lua build leaves out
// (getfenv, setfenv and newproxy are not there in 7.0.15).
constexpr const char* kAllowedGlobals[] = {
    "string",         "cjson",    "bit",          "math",         "table",    "coroutine",
    "xpcall",         "tostring", "next",         "assert",       "tonumber", "rawequal",
    "collectgarbage", "rawset",   "pcall",        "type",         "select",   "unpack",
    "gcinfo",         "pairs",    "rawget",       "loadstring",   "ipairs",   "_VERSION",
    "load",           "error",    "setmetatable", "getmetatable", "cmsgpack", "struct"};

[[noreturn]] void RaiseErrorTable(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  lua_error(L);
  std::abort();  // lua_error does not return
}

int ReadonlyNewIndex(lua_State* L) {
  return luaL_error(L, "Attempt to modify a readonly table");
}

int MissingGlobal(lua_State* L) {
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'",
                    lua_tostring(L, 2));
}

// Pushes the table a proxy guards in place of the value at idx when it is a proxy.
void PushUnproxied(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxies);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
  }
}

bool IsProxy(lua_State* L, int idx) {
  lua_getfield(L, LUA_REGISTRYINDEX, kProxies);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  const bool proxy = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return proxy;
}

// rawset that refuses a read-only table, as Redis's patched Lua does.
int ProtectedRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsProxy(L, 1)) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// rawget that reads what a proxy guards.
int ProxyRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  PushUnproxied(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

// getmetatable and setmetatable as Redis shows read-only tables: the globals' metatable is a
// (read-only) table, a library table has none, and none can be given one.
int ProxyGetmetatable(lua_State* L) {
  luaL_checkany(L, 1);
  if (lua_istable(L, 1) && IsProxy(L, 1)) {
    lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMetatable);
    lua_getfield(L, LUA_REGISTRYINDEX, kGlobals);
    if (!lua_rawequal(L, 1, -1)) {
      lua_pushnil(L);
      return 1;
    }
    lua_pop(L, 1);
    return 1;
  }
  if (!lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  lua_getfield(L, -1, "__metatable");
  return lua_isnil(L, -1) ? (lua_pop(L, 1), 1) : 1;
}

int ProxySetmetatable(lua_State* L) {
  if (lua_istable(L, 1) && IsProxy(L, 1)) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_pushvalue(L, lua_upvalueindex(1));  // Lua's own setmetatable
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  return 1;
}

// next and pairs that iterate what a proxy guards.
int ProxyNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  PushUnproxied(L, 1);
  lua_replace(L, 1);
  if (lua_next(L, 1) != 0) {
    return 2;
  }
  lua_pushnil(L);
  return 1;
}

int ProxyPairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // next
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// Redis's pcall: an error that is a table with an err field is returned as that string.
int RedisPcall(lua_State* L) {
  luaL_checkany(L, 1);
  const int argc = lua_gettop(L);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

// The message handler of every script: the error as a table {err=…} with where it happened
// (the script's line, not that of a C function it called), as Redis's __redis__err__handler.
int ErrorHandler(lua_State* L) {
  lua_Debug ar;
  bool found = lua_getstack(L, 1, &ar) && lua_getinfo(L, "nSl", &ar);
  if (found && std::string_view(ar.what) == "C") {
    found = lua_getstack(L, 2, &ar) && lua_getinfo(L, "nSl", &ar);
  }
  if (!lua_istable(L, 1)) {
    // tostring(err), as the Lua handler does.
    lua_getglobal(L, "tostring");
    const char* text = nullptr;
    if (lua_isfunction(L, -1)) {
      lua_pushvalue(L, 1);
      lua_call(L, 1, 1);
      text = lua_tostring(L, -1);
    }
    std::string message = "ERR " + std::string(text != nullptr ? text : "nil");
    lua_settop(L, 0);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, message.data(), message.size());
    lua_settable(L, -3);
  } else {
    lua_settop(L, 1);
  }
  if (found) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_settable(L, -3);
    lua_pushstring(L, "line");
    lua_pushinteger(L, ar.currentline);
    lua_settable(L, -3);
  }
  return 1;
}

// loadstring and load that refuse precompiled chunks, as Redis's Lua does (bytecode is not
// verified by the VM: a crafted chunk can corrupt memory). A refused chunk answers nil and a
// message, as a chunk that does not compile.
bool IsBinaryChunk(std::string_view chunk) {
  return !chunk.empty() && chunk[0] == LUA_SIGNATURE[0];
}

int LoadChunk(lua_State* L, std::string_view chunk, const char* name) {
  if (IsBinaryChunk(chunk)) {
    lua_pushnil(L);
    lua_pushliteral(L, "binary chunks are not allowed");
    return 2;
  }
  if (luaL_loadbuffer(L, chunk.data(), chunk.size(), name) != 0) {
    lua_pushnil(L);
    lua_insert(L, -2);  // nil, message
    return 2;
  }
  return 1;
}

int TextOnlyLoadstring(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const std::string_view chunk(s, len);
  return LoadChunk(L, chunk, luaL_optstring(L, 2, s));
}

// load(reader [, name]): the pieces the reader returns, joined, then as loadstring.
int TextOnlyLoad(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* name = luaL_optstring(L, 2, "=(load)");
  std::string chunk;
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) {
      return luaL_error(L, "reader function must return a string");
    }
    size_t len = 0;
    const char* piece = lua_tolstring(L, -1, &len);
    if (len == 0) {
      lua_pop(L, 1);
      break;
    }
    chunk.append(piece, len);
    lua_pop(L, 1);
  }
  return LoadChunk(L, chunk, name);
}

// Pushes a read-only proxy of the table at idx.
void PushReadonlyProxy(lua_State* L, int idx) {
  const int real = idx > 0 ? idx : lua_gettop(L) + idx + 1;
  lua_newtable(L);
  lua_newtable(L);
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_setmetatable(L, -2);  // hidden by the getmetatable scripts see
  lua_getfield(L, LUA_REGISTRYINDEX, kProxies);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, real);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void PushStringArray(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

// math.random's generator: the POSIX 48-bit congruential one Redis uses (redisLrand48), from
// the same initial state, so that a script draws the numbers it draws on Redis. One for the
// process, as Redis's, shared by EVAL's and the functions' states of every thread: only a
// running script touches it, and a script holds every shard, so two never run at once.
unsigned short* RandomState() {
  static unsigned short state[3] = {0x330E, 0xABCD, 0x1234};
  return state;
}

// The fields of a `redis` table that both EVAL's and a loading library's have: the log levels,
// REDIS_VERSION and REDIS_VERSION_NUM (0x00MMmmpp).
void SetLogLevelsAndVersion(lua_State* L, std::string_view redis_version) {
  const std::pair<const char*, int> levels[] = {
      {"LOG_DEBUG", 0}, {"LOG_VERBOSE", 1}, {"LOG_NOTICE", 2}, {"LOG_WARNING", 3}};
  for (const auto& [name, value] : levels) {
    lua_pushinteger(L, value);
    lua_setfield(L, -2, name);
  }
  lua_pushlstring(L, redis_version.data(), redis_version.size());
  lua_setfield(L, -2, "REDIS_VERSION");
  int major = 0;
  int minor = 0;
  int patch = 0;
  sscanf(std::string(redis_version).c_str(), "%d.%d.%d", &major, &minor, &patch);
  lua_pushinteger(L, (major << 16) | (minor << 8) | patch);
  lua_setfield(L, -2, "REDIS_VERSION_NUM");
}

}  // namespace

// The C functions of the `redis` table and math.random: static members, to reach the state's
// private parts through the closure's upvalue.
struct LuaApi {
  static LuaEnvironment& Self(lua_State* L) {
    return *static_cast<LuaEnvironment*>(lua_touserdata(L, lua_upvalueindex(1)));
  }

  // The arguments of redis.call and redis.acl_check_cmd as command arguments: strings as they
  // are, numbers as "%.17g". False (an error table pushed) for any other type.
  static bool CommandArguments(lua_State* L, std::vector<std::string>* numbers,
                               std::vector<std::string_view>* args) {
    const int argc = lua_gettop(L);
    if (argc == 0) {
      PushErrorTable(L, "Please specify at least one argument for this redis lib call");
      return false;
    }
    numbers->reserve(argc);
    args->reserve(argc);
    for (int i = 1; i <= argc; ++i) {
      if (lua_type(L, i) == LUA_TNUMBER) {
        char text[64];
        snprintf(text, sizeof(text), "%.17g", static_cast<double>(lua_tonumber(L, i)));
        args->push_back(numbers->emplace_back(text));
      } else if (lua_type(L, i) == LUA_TSTRING) {
        size_t len = 0;
        const char* s = lua_tolstring(L, i, &len);
        args->emplace_back(s, len);
      } else {
        PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
        return false;
      }
    }
    return true;
  }

  static int Call(lua_State* L, bool raise) {
    LuaEnvironment& self = Self(L);
    if (self.run_ == nullptr) {
      RaiseErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
    }
    std::vector<std::string> numbers;
    std::vector<std::string_view> args;
    std::string reply;
    std::string error;
    bool failed = !CommandArguments(L, &numbers, &args);
    if (!failed &&
        !self.run_->host.Call(args, self.run_->resp3, self.run_->propagate, &reply, &error)) {
      PushErrorTable(L, "-" + error);
      failed = true;
    }
    if (!failed) {
      if (PushReply(L, reply) == 0) {
        PushErrorTable(L, "ERR the command's reply could not be read");
        failed = true;
      } else {
        failed = !reply.empty() && reply[0] == '-';
      }
    }
    if (failed) {
      // Counted in errorstats already (when it was refused or answered): a script that passes
      // it on does not count it again (Redis's ignore_error_stats_update).
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, kCountedField);
    }
    if (failed && raise) {
      // The strings above are destroyed as the error unwinds (Lua errors are exceptions).
      return lua_error(L);
    }
    return 1;
  }
  static int RedisCall(lua_State* L) { return Call(L, /*raise=*/true); }
  static int RedisPcallCommand(lua_State* L) { return Call(L, /*raise=*/false); }

  static int AclCheckCmd(lua_State* L) {
    LuaEnvironment& self = Self(L);
    if (self.run_ == nullptr) {
      RaiseErrorTable(L, "redis.acl_check_cmd can only be called inside a script invocation");
    }
    std::vector<std::string> numbers;
    std::vector<std::string_view> args;
    if (!CommandArguments(L, &numbers, &args)) {
      return lua_error(L);
    }
    bool allowed = false;
    std::string error;
    if (!self.run_->host.AclCheck(args, &allowed, &error)) {
      // Redis raises this one without an error code.
      lua_newtable(L);
      lua_pushstring(L, "err");
      lua_pushlstring(L, error.data(), error.size());
      lua_settable(L, -3);
      return lua_error(L);
    }
    lua_pushboolean(L, allowed ? 1 : 0);
    return 1;
  }

  static int Sha1hex(lua_State* L) {
    if (lua_gettop(L) != 1) {
      RaiseErrorTable(L, "wrong number of arguments");
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, 1, &len);
    std::string hex = Sha1Hex(s != nullptr ? std::string_view(s, len) : std::string_view());
    lua_pushlstring(L, hex.data(), hex.size());
    return 1;
  }

  static int ErrorReply(lua_State* L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
      PushErrorTable(L, "wrong number or type of arguments");
      return 1;
    }
    std::string_view text = lua_tostring(L, -1);
    PushErrorTable(L, text.starts_with('-') ? std::string(text) : "-" + std::string(text));
    return 1;
  }

  static int StatusReply(lua_State* L) {
    if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
      PushErrorTable(L, "wrong number or type of arguments");
      return 1;
    }
    lua_newtable(L);
    lua_pushstring(L, "ok");
    lua_pushvalue(L, -3);
    lua_settable(L, -3);
    return 1;
  }

  static int Log(lua_State* L) {
    const int argc = lua_gettop(L);
    if (argc < 2) {
      RaiseErrorTable(L, "redis.log() requires two arguments or more.");
    }
    if (!lua_isnumber(L, 1)) {
      RaiseErrorTable(L, "First argument must be a number (log level).");
    }
    const int level = static_cast<int>(lua_tonumber(L, 1));
    if (level < 0 || level > 3) {
      RaiseErrorTable(L, "Invalid debug level.");
    }
    std::string message;
    for (int i = 2; i <= argc; ++i) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      if (s != nullptr) {
        if (i != 2) {
          message.push_back(' ');
        }
        message.append(s, len);
      }
    }
    common::Log(static_cast<common::LogLevel>(level), message);
    return 0;
  }

  static int SetResp(lua_State* L) {
    LuaEnvironment& self = Self(L);
    if (self.run_ == nullptr) {
      RaiseErrorTable(L, "redis.setresp can only be called inside a script invocation");
    }
    if (lua_gettop(L) != 1) {
      RaiseErrorTable(L, "redis.setresp() requires one argument.");
    }
    const int resp = static_cast<int>(lua_tonumber(L, -1));
    if (resp != 2 && resp != 3) {
      RaiseErrorTable(L, "RESP version must be 2 or 3.");
    }
    self.run_->resp3 = resp == 3;
    return 0;
  }

  // redis.set_repl(flags): REPL_NONE keeps the commands that follow out of the AOF and the
  // replication stream. Redoubt has one log for both, so REPL_AOF and REPL_REPLICA each
  // propagate to both (only none-or-all is honoured).
  static int SetRepl(lua_State* L) {
    LuaEnvironment& self = Self(L);
    if (self.run_ == nullptr) {
      RaiseErrorTable(L, "redis.set_repl can only be called inside a script invocation");
    }
    if (lua_gettop(L) != 1) {
      RaiseErrorTable(L, "redis.set_repl() requires two arguments.");
    }
    const int flags = static_cast<int>(lua_tonumber(L, -1));
    if ((flags & ~3) != 0) {
      RaiseErrorTable(
          L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
    }
    self.run_->propagate = flags != 0;
    return 0;
  }

  static int ReplicateCommands(lua_State* L) {
    // Redis 7.0 always replicates a script's effects: kept for old scripts, always true.
    lua_pushboolean(L, 1);
    return 1;
  }

  static int Breakpoint(lua_State* L) {
    // The script debugger (SCRIPT DEBUG) is not there: as Redis without an active session.
    lua_pushboolean(L, 0);
    return 1;
  }

  static int Debug(lua_State*) { return 0; }

  // math.random and math.randomseed over Redis's generator (Lua's own formulas).
  static int Random(lua_State* L) {
    constexpr double kMax = 2147483647.0;  // REDIS_LRAND48_MAX
    const long drawn = nrand48(RandomState());
    const lua_Number r = static_cast<lua_Number>(drawn % 2147483647L) / kMax;
    switch (lua_gettop(L)) {
      case 0:
        lua_pushnumber(L, r);
        break;
      case 1: {
        const int u = luaL_checkint(L, 1);
        luaL_argcheck(L, 1 <= u, 1, "interval is empty");
        lua_pushnumber(L, std::floor(r * u) + 1);
        break;
      }
      case 2: {
        const int l = luaL_checkint(L, 1);
        const int u = luaL_checkint(L, 2);
        luaL_argcheck(L, l <= u, 2, "interval is empty");
        lua_pushnumber(L, std::floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return luaL_error(L, "wrong number of arguments");
    }
    return 1;
  }

  static int RandomSeed(lua_State* L) {
    const int32_t seed = luaL_checkint(L, 1);
    unsigned short* state = RandomState();
    state[0] = 0x330E;
    state[1] = static_cast<unsigned short>(seed & 0xffff);
    state[2] = static_cast<unsigned short>((static_cast<uint32_t>(seed) >> 16));
    return 0;
  }

  // redis.register_function's flags table: the names of Redis's script flags, in any case.
  static bool ReadFlags(lua_State* L, ScriptFlags* flags) {
    for (int i = 1;; ++i) {
      lua_rawgeti(L, -1, i);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return true;
      }
      size_t len = 0;
      const char* name = lua_isstring(L, -1) ? lua_tolstring(L, -1, &len) : nullptr;
      const bool known = name != nullptr && SetScriptFlag(std::string_view(name, len),
                                                          /*ignore_case=*/true, flags);
      lua_pop(L, 1);
      if (!known) {
        return false;
      }
    }
  }

  // A string argument (numbers become strings, as lua_isstring allows them).
  static std::optional<std::string> StringAt(lua_State* L, int idx) {
    if (!lua_isstring(L, idx)) {
      return std::nullopt;
    }
    size_t len = 0;
    const char* s = lua_tolstring(L, idx, &len);
    return std::string(s, len);
  }

  // redis.register_function{function_name=…, callback=…, flags={…}, description=…}.
  static void ReadNamedArguments(lua_State* L, RegisteredFunction* f) {
    if (!lua_istable(L, 1)) {
      RaiseErrorTable(L,
                      "calling redis.register_function with a single argument is only "
                      "applicable to Lua table (representing named arguments).");
    }
    bool named = false;
    bool has_callback = false;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
      if (!lua_isstring(L, -2)) {
        RaiseErrorTable(L, "named argument key given to redis.register_function is not a string");
      }
      const std::string_view key = lua_tostring(L, -2);
      if (common::EqualsIgnoreCase(key, "function_name")) {
        std::optional<std::string> name = StringAt(L, -1);
        if (!name) {
          RaiseErrorTable(L,
                          "function_name argument given to redis.register_function must be a "
                          "string");
        }
        f->def.name = std::move(*name);
        named = true;
      } else if (common::EqualsIgnoreCase(key, "description")) {
        f->def.description = StringAt(L, -1);
        if (!f->def.description) {
          RaiseErrorTable(L,
                          "description argument given to redis.register_function must be a "
                          "string");
        }
      } else if (common::EqualsIgnoreCase(key, "callback")) {
        if (!lua_isfunction(L, -1)) {
          RaiseErrorTable(L,
                          "callback argument given to redis.register_function must be a function");
        }
        if (has_callback) {
          luaL_unref(L, LUA_REGISTRYINDEX, f->ref);
        }
        f->ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the value
        has_callback = true;
        continue;
      } else if (common::EqualsIgnoreCase(key, "flags")) {
        if (!lua_istable(L, -1)) {
          RaiseErrorTable(L,
                          "flags argument to redis.register_function must be a table "
                          "representing function flags");
        }
        if (!ReadFlags(L, &f->def.flags)) {
          RaiseErrorTable(L, "unknown flag given");
        }
      } else {
        RaiseErrorTable(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);
    }
    if (!named) {
      RaiseErrorTable(L, "redis.register_function must get a function name argument");
    }
    if (!has_callback) {
      RaiseErrorTable(L, "redis.register_function must get a callback argument");
    }
  }

  static int RegisterFunction(lua_State* L) {
    LuaEnvironment& self = Self(L);
    if (self.loading_ == nullptr) {
      RaiseErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
    }
    const int argc = lua_gettop(L);
    if (argc < 1 || argc > 2) {
      RaiseErrorTable(L, "wrong number of arguments to redis.register_function");
    }
    RegisteredFunction f;
    f.def.flags.has_shebang = true;  // a function's flags are declared, even when none are
    // The reference is released if a check below fails (the error unwinds through here).
    struct Guard {
      lua_State* L;
      int* ref;
      bool keep = false;
      ~Guard() {
        if (!keep && *ref != 0) {
          luaL_unref(L, LUA_REGISTRYINDEX, *ref);
        }
      }
    } guard{L, &f.ref};
    if (argc == 1) {
      ReadNamedArguments(L, &f);
    } else {
      std::optional<std::string> name = StringAt(L, 1);
      if (!name) {
        RaiseErrorTable(L, "first argument to redis.register_function must be a string");
      }
      if (!lua_isfunction(L, 2)) {
        RaiseErrorTable(L, "second argument to redis.register_function must be a function");
      }
      f.def.name = std::move(*name);
      f.ref = luaL_ref(L, LUA_REGISTRYINDEX);  // pops the callback
    }
    if (!ValidFunctionName(f.def.name)) {
      RaiseErrorTable(L,
                      "Library names can only contain letters, numbers, or underscores(_) and "
                      "must be at least one character long");
    }
    // Without regard to case, as FCALL finds functions (Redis 7.0.15 compares case-sensitively
    // here, keeps one of 'f' and 'F' for FCALL, and asserts when the library is replaced).
    for (const RegisteredFunction& other : *self.loading_) {
      if (common::EqualsIgnoreCase(other.def.name, f.def.name)) {
        RaiseErrorTable(L, "Function already exists in the library");
      }
    }
    guard.keep = true;
    self.loading_->push_back(std::move(f));
    return 0;
  }

  // While a library loads: stops it past its deadline (Redis's 500 ms for FUNCTION LOAD).
  static void LoadHook(lua_State* L, lua_Debug*) {
    lua_getfield(L, LUA_REGISTRYINDEX, kEnvironment);
    LuaEnvironment& self = *static_cast<LuaEnvironment*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    if (self.load_deadline_us_ != 0 && common::MonotonicMicros() > self.load_deadline_us_) {
      lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
      RaiseErrorTable(L, "FUNCTION LOAD timeout");
    }
  }

  // Every kHookInstructions instructions: SCRIPT KILL, and the host's busy bookkeeping.
  static void Hook(lua_State* L, lua_Debug*) {
    lua_getfield(L, LUA_REGISTRYINDEX, kEnvironment);
    LuaEnvironment& self = *static_cast<LuaEnvironment*>(lua_touserdata(L, -1));
    lua_pop(L, 1);
    if (self.run_ == nullptr) {
      return;
    }
    self.run_->host.StillRunning();
    if (self.run_->killed || self.run_->host.KillRequested()) {
      // From now on at every line, so that a pcall in the script cannot swallow it.
      self.run_->killed = true;
      lua_sethook(L, Hook, LUA_MASKLINE, 0);
      RaiseErrorTable(L, "Script killed by user with SCRIPT KILL...");
    }
  }
};

LuaEnvironment::LuaEnvironment(std::string_view redis_version, LuaMode mode) : mode_(mode) {
  L_ = luaL_newstate();
  lua_newtable(L_);
  lua_setfield(L_, LUA_REGISTRYINDEX, kProxies);
  lua_pushlightuserdata(L_, this);
  lua_setfield(L_, LUA_REGISTRYINDEX, kEnvironment);
  OpenLibraries();
  RegisterRedisApi(redis_version);
  ProtectGlobals();
  if (mode_ == LuaMode::kFunctions) {
    MakeLibraryApi(redis_version);
  }
}

LuaEnvironment::~LuaEnvironment() {
  lua_close(L_);
}

void LuaEnvironment::OpenLibraries() {
  const lua_CFunction libraries[] = {luaopen_base, luaopen_table, luaopen_string, luaopen_math};
  for (lua_CFunction open : libraries) {
    lua_pushcfunction(L_, open);
    lua_call(L_, 0, 0);
  }
  // Each returns its table (cjson sets no global itself), which becomes the global.
  const std::pair<const char*, lua_CFunction> modules[] = {
      {"cjson", luaopen_cjson},
      {"bit", luaopen_bit},
      {"cmsgpack", OpenCmsgpack},
      {"struct", OpenStruct},
  };
  for (const auto& [name, open] : modules) {
    lua_pushcfunction(L_, open);
    lua_call(L_, 0, 1);
    lua_setglobal(L_, name);
  }

  lua_getglobal(L_, "math");
  lua_pushcfunction(L_, LuaApi::Random);
  lua_setfield(L_, -2, "random");
  lua_pushcfunction(L_, LuaApi::RandomSeed);
  lua_setfield(L_, -2, "randomseed");
  lua_pop(L_, 1);
}

void LuaEnvironment::RegisterRedisApi(std::string_view redis_version) {
  lua_newtable(L_);
  const std::pair<const char*, lua_CFunction> functions[] = {
      {"call", LuaApi::RedisCall},
      {"pcall", LuaApi::RedisPcallCommand},
      {"acl_check_cmd", LuaApi::AclCheckCmd},
      {"sha1hex", LuaApi::Sha1hex},
      {"error_reply", LuaApi::ErrorReply},
      {"status_reply", LuaApi::StatusReply},
      {"log", LuaApi::Log},
      {"setresp", LuaApi::SetResp},
      {"set_repl", LuaApi::SetRepl},
  };
  // EVAL's own helpers (Redis's eval.c adds them to its state only).
  const std::pair<const char*, lua_CFunction> eval_functions[] = {
      {"replicate_commands", LuaApi::ReplicateCommands},
      {"breakpoint", LuaApi::Breakpoint},
      {"debug", LuaApi::Debug},
  };
  auto add = [&](std::span<const std::pair<const char*, lua_CFunction>> list) {
    for (const auto& [name, function] : list) {
      lua_pushlightuserdata(L_, this);
      lua_pushcclosure(L_, function, 1);
      lua_setfield(L_, -2, name);
    }
  };
  add(functions);
  if (mode_ == LuaMode::kEval) {
    add(eval_functions);
  }
  const std::pair<const char*, int> constants[] = {
      {"REPL_NONE", 0}, {"REPL_AOF", 1}, {"REPL_SLAVE", 2}, {"REPL_REPLICA", 2}, {"REPL_ALL", 3},
  };
  for (const auto& [name, value] : constants) {
    lua_pushinteger(L_, value);
    lua_setfield(L_, -2, name);
  }
  SetLogLevelsAndVersion(L_, redis_version);
  lua_setglobal(L_, "redis");
}

void LuaEnvironment::MakeLibraryApi(std::string_view redis_version) {
  // Redis's LIBRARY_API: a global table holding only `redis`, itself holding only what a
  // library needs to register its functions. Both are read-only, and a read of anything they
  // lack fails as a read of a missing global does.
  lua_newtable(L_);
  lua_pushlightuserdata(L_, this);
  lua_pushcclosure(L_, LuaApi::RegisterFunction, 1);
  lua_setfield(L_, -2, "register_function");
  lua_pushlightuserdata(L_, this);
  lua_pushcclosure(L_, LuaApi::Log, 1);
  lua_setfield(L_, -2, "log");
  SetLogLevelsAndVersion(L_, redis_version);
  lua_newtable(L_);
  lua_pushcfunction(L_, MissingGlobal);
  lua_setfield(L_, -2, "__index");
  lua_setmetatable(L_, -2);
  PushReadonlyProxy(L_, -1);
  lua_newtable(L_);
  lua_insert(L_, -2);
  lua_setfield(L_, -2, "redis");
  lua_newtable(L_);
  lua_pushcfunction(L_, MissingGlobal);
  lua_setfield(L_, -2, "__index");
  lua_setmetatable(L_, -2);
  lua_setfield(L_, LUA_REGISTRYINDEX, kLibraryApi);
  lua_settop(L_, 0);
}

void LuaEnvironment::ReadGlobalsFrom(const char* registry_key) {
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobals);
  lua_getmetatable(L_, -1);  // the proxy's own metatable (scripts see another)
  lua_getfield(L_, LUA_REGISTRYINDEX, registry_key);
  lua_setfield(L_, -2, "__index");
  lua_pop(L_, 2);
}

void LuaEnvironment::ProtectGlobals() {
  // The real globals: the allowed names only, library tables behind read-only proxies.
  lua_newtable(L_);
  const int real = lua_gettop(L_);
  for (const char* name : kAllowedGlobals) {
    lua_getglobal(L_, name);
    if (lua_istable(L_, -1)) {
      PushReadonlyProxy(L_, -1);
      lua_remove(L_, -2);
    }
    lua_setfield(L_, real, name);
  }
  lua_getglobal(L_, "redis");
  PushReadonlyProxy(L_, -1);
  lua_setfield(L_, real, "redis");
  lua_pop(L_, 1);
  lua_pushcfunction(L_, ProtectedRawset);
  lua_setfield(L_, real, "rawset");
  lua_pushcfunction(L_, ProxyNext);
  lua_pushvalue(L_, -1);
  lua_setfield(L_, real, "next");
  lua_pushcclosure(L_, ProxyPairs, 1);
  lua_setfield(L_, real, "pairs");
  lua_pushcfunction(L_, RedisPcall);
  lua_setfield(L_, real, "pcall");
  lua_pushcfunction(L_, TextOnlyLoadstring);
  lua_setfield(L_, real, "loadstring");
  lua_pushcfunction(L_, TextOnlyLoad);
  lua_setfield(L_, real, "load");
  lua_pushcfunction(L_, ProxyRawget);
  lua_setfield(L_, real, "rawget");
  lua_pushcfunction(L_, ProxyGetmetatable);
  lua_setfield(L_, real, "getmetatable");
  lua_getglobal(L_, "setmetatable");
  lua_pushcclosure(L_, ProxySetmetatable, 1);
  lua_setfield(L_, real, "setmetatable");
  // Redis keeps its message handler as a global too.
  lua_pushcfunction(L_, ErrorHandler);
  lua_setfield(L_, real, "__redis__err__handler");
  // A read of anything else fails.
  lua_newtable(L_);
  lua_pushcfunction(L_, MissingGlobal);
  lua_setfield(L_, -2, "__index");
  PushReadonlyProxy(L_, -1);
  lua_setfield(L_, LUA_REGISTRYINDEX, kGlobalsMetatable);
  lua_setmetatable(L_, real);

  PushReadonlyProxy(L_, real);
  const int proxy = lua_gettop(L_);
  lua_pushvalue(L_, proxy);
  lua_setfield(L_, real, "_G");
  lua_pushvalue(L_, proxy);
  lua_setfield(L_, LUA_REGISTRYINDEX, kGlobals);
  lua_pushvalue(L_, real);
  lua_setfield(L_, LUA_REGISTRYINDEX, kRealGlobals);

  // Strings' methods come from the string proxy, and their metatable is read-only too.
  lua_pushliteral(L_, "");
  lua_getmetatable(L_, -1);
  const int string_meta = lua_gettop(L_);
  lua_getfield(L_, real, "string");
  lua_setfield(L_, string_meta, "__index");
  PushReadonlyProxy(L_, string_meta);
  lua_setfield(L_, string_meta, "__metatable");
  lua_pop(L_, 2);

  // From here on, code compiled in the state sees the protected globals.
  lua_pushvalue(L_, proxy);
  lua_replace(L_, LUA_GLOBALSINDEX);
  lua_settop(L_, 0);
}

bool LuaEnvironment::Define(std::string_view sha, std::string_view body, const ScriptFlags& flags,
                            std::string* error) {
  const std::string_view code = body.substr(flags.shebang_bytes);
  if (luaL_loadbuffer(L_, code.data(), code.size(), "@user_script") != 0) {
    *error = "ERR Error compiling script (new function): " + std::string(lua_tostring(L_, -1));
    lua_pop(L_, 1);
    return false;
  }
  const std::string name = "f_" + std::string(sha);
  lua_setfield(L_, LUA_REGISTRYINDEX, name.c_str());
  defined_.insert_or_assign(std::string(sha), flags);
  return true;
}

void LuaEnvironment::Run(std::string_view sha, std::span<const std::string_view> keys,
                         std::span<const std::string_view> argv, ScriptHost& host,
                         protocol::ReplyWriter& out) {
  ActiveRun run{host};
  // The protected globals again, for the state and the script (a script may have replaced
  // either with setfenv), and this call's KEYS and ARGV in them.
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobals);
  lua_replace(L_, LUA_GLOBALSINDEX);
  lua_getfield(L_, LUA_REGISTRYINDEX, kRealGlobals);
  PushStringArray(L_, keys);
  lua_setfield(L_, -2, "KEYS");
  PushStringArray(L_, argv);
  lua_setfield(L_, -2, "ARGV");
  lua_pop(L_, 1);

  lua_pushcfunction(L_, ErrorHandler);
  const std::string name = "f_" + std::string(sha);
  lua_getfield(L_, LUA_REGISTRYINDEX, name.c_str());
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobals);
  lua_setfenv(L_, -2);
  CallAndReply(0, sha, run, out);
}

void LuaEnvironment::CallFunction(int ref, std::string_view name,
                                  std::span<const std::string_view> keys,
                                  std::span<const std::string_view> args, ScriptHost& host,
                                  protocol::ReplyWriter& out) {
  ActiveRun run{host};
  lua_pushcfunction(L_, ErrorHandler);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, ref);
  PushStringArray(L_, keys);
  PushStringArray(L_, args);
  CallAndReply(2, name, run, out);
}

void LuaEnvironment::CallAndReply(int nargs, std::string_view name, ActiveRun& run,
                                  protocol::ReplyWriter& out) {
  run_ = &run;
  lua_sethook(L_, LuaApi::Hook, LUA_MASKCOUNT, kHookInstructions);
  const int status = lua_pcall(L_, nargs, 1, -(nargs + 2));
  lua_sethook(L_, nullptr, 0, 0);
  if (++calls_since_gc_ == kGcPeriod) {
    lua_gc(L_, LUA_GCSTEP, kGcPeriod);
    calls_since_gc_ = 0;
  }
  if (status == 0) {
    WriteLuaValue(L_, out, run.resp3);
  } else if (lua_istable(L_, -1)) {
    std::string message;
    lua_getfield(L_, -1, "err");
    if (const char* err = lua_tostring(L_, -1); err != nullptr) {
      message = err;
    } else {
      message =
          "ERR the script raised an error without a message";  // error({}) (Redis 7.0.15 crashes)
    }
    lua_pop(L_, 1);
    lua_getfield(L_, -1, kCountedField);
    const bool counted_already = lua_toboolean(L_, -1) != 0;
    lua_pop(L_, 1);
    lua_getfield(L_, -1, "source");
    lua_getfield(L_, -2, "line");
    const char* source = lua_tostring(L_, -2);
    const char* line = lua_tostring(L_, -1);
    if (source != nullptr && line != nullptr) {
      message += " script: " + std::string(name) + ", on " + source + ":" + line + ".";
    }
    lua_pop(L_, 3);
    out.Error(message, /*counted=*/!counted_already);
  } else {
    const char* text = lua_tostring(L_, -1);
    const std::string prefix = mode_ == LuaMode::kEval ? "f_" : "";
    out.Error("ERR Error running script " + prefix + std::string(name) + ", " +
              std::string(text != nullptr ? text : "execution failure").substr(0, 100));
    lua_pop(L_, 1);
  }
  lua_pop(L_, 1);  // the handler
  run_ = nullptr;
}

bool LuaEnvironment::LoadLibrary(std::string_view body, int64_t timeout_ms,
                                 std::vector<RegisteredFunction>* functions, std::string* error) {
  if (luaL_loadbuffer(L_, body.data(), body.size(), "@user_function") != 0) {
    *error = "Error compiling function: " + std::string(lua_tostring(L_, -1));
    lua_pop(L_, 1);
    return false;
  }
  // The chunk reads its globals through the proxy, pointed at the library API while it runs;
  // the functions it defines keep that proxy, and read the real globals once it is pointed back.
  lua_getfield(L_, LUA_REGISTRYINDEX, kGlobals);
  lua_setfenv(L_, -2);
  std::vector<RegisteredFunction> registered;
  loading_ = &registered;
  load_deadline_us_ = timeout_ms > 0 ? common::MonotonicMicros() + timeout_ms * 1000 : 0;
  ReadGlobalsFrom(kLibraryApi);
  lua_sethook(L_, LuaApi::LoadHook, LUA_MASKCOUNT, kHookInstructions);
  const int status = lua_pcall(L_, 0, 0, 0);
  lua_sethook(L_, nullptr, 0, 0);
  ReadGlobalsFrom(kRealGlobals);
  loading_ = nullptr;
  load_deadline_us_ = 0;
  if (status != 0) {
    // As Redis's luaExtractErrorInformation: a table's err, or "ERR " and the string.
    std::string message;
    if (lua_istable(L_, -1)) {
      lua_getfield(L_, -1, "err");
      const char* err = lua_tostring(L_, -1);
      message = err != nullptr ? err : "";
      lua_pop(L_, 1);
    } else {
      const char* text = lua_tostring(L_, -1);
      message = "ERR " + std::string(text != nullptr ? text : "");
    }
    lua_pop(L_, 1);
    for (const RegisteredFunction& f : registered) {
      luaL_unref(L_, LUA_REGISTRYINDEX, f.ref);
    }
    *error = "Error registering functions: " + message;
    return false;
  }
  for (RegisteredFunction& f : registered) {
    functions->push_back(std::move(f));
  }
  return true;
}

int64_t LuaEnvironment::memory_bytes() const {
  return static_cast<int64_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 + lua_gc(L_, LUA_GCCOUNTB, 0);
}

}  // namespace redoubt::scripting
