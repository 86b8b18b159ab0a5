// One sandboxed Lua 5.1 state, as Redis 7.0 sets up its own: the libraries scripts may use
// (string, table, math, cjson, bit, coroutine and the allowed base functions), the `redis`
// table, a deterministic math.random, and globals that scripts can read but never create or
// change. Scripts are compiled into it once, as f_<sha1>, and run with KEYS and ARGV. A state
// made for functions (LuaMode::kFunctions, Redis's second state) instead loads libraries,
// whose registered callbacks FCALL calls with (keys, args).
//
// The protections Redis gets from its patched Lua (read-only tables) are made here with stock
// Lua's metatables: every library table and the global table are empty proxies whose reads go
// to the real table and whose writes fail with Redis's "Attempt to modify a readonly table";
// rawset refuses a proxy, and next/pairs see through one. A read of an undefined global fails
// with "Script attempted to access nonexistent global variable". Lua errors are C++ exceptions
// (Debian's C++ build of Lua), so a redis.call that fails unwinds its C++ frames.
//
// Why one state per thread (scripting.h keeps them) and not one per server: a script runs
// on the I/O thread of its client, holding the shards, and a Lua state may only be used by one
// thread at a time.
//
// Thread: confined to the thread that created it.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ascii.h"
#include "protocol/reply_writer.h"
#include "scripting/function_libraries.h"
#include "scripting/script_flags.h"

struct lua_State;

namespace redoubt::scripting {

// What a running script asks of whoever runs it.
class ScriptHost {
 public:
  virtual ~ScriptHost() = default;
  // redis.call / redis.pcall: runs args as the script's client and appends its reply (RESP3
  // when resp3) to *reply; propagate: whether its effects go to the AOF and the replicas
  // (redis.set_repl). False, with *error as "CODE message", when the script may not run the
  // command.
  virtual bool Call(std::span<const std::string_view> args, bool resp3, bool propagate,
                    std::string* reply, std::string* error) = 0;
  // redis.acl_check_cmd: whether the script's user may run args; false with *error set when
  // args name no command.
  virtual bool AclCheck(std::span<const std::string_view> args, bool* allowed,
                        std::string* error) = 0;
  // Checked every so many Lua instructions: true stops the script (SCRIPT KILL) with
  // Redis's error.
  virtual bool KillRequested() = 0;
  // Called with the time the script has run so far, at the same points, so that the host can
  // answer other clients -BUSY past busy-reply-threshold.
  virtual void StillRunning() = 0;
};

// What a state is made for; Redis keeps one of each.
enum class LuaMode {
  kEval,       // EVAL's scripts: KEYS and ARGV, redis.breakpoint, redis.replicate_commands
  kFunctions,  // FUNCTION LOAD's libraries: redis.register_function while a library loads
};

// A function a library registered as it loaded (LoadLibrary): what it declared, and its
// callback's reference in the state's registry.
struct RegisteredFunction {
  FunctionDef def;
  int ref = 0;
};

class LuaEnvironment {
 public:
  // redis_version: what redis.REDIS_VERSION says.
  explicit LuaEnvironment(std::string_view redis_version, LuaMode mode = LuaMode::kEval);
  ~LuaEnvironment();
  LuaEnvironment(const LuaEnvironment&) = delete;
  LuaEnvironment& operator=(const LuaEnvironment&) = delete;

  bool Defined(std::string_view sha) const { return FlagsOf(sha) != nullptr; }
  // What the script named sha declared, once it is defined here (null before): EVALSHA of a
  // script this thread knows needs neither the shared cache nor its body.
  const ScriptFlags* FlagsOf(std::string_view sha) const {
    auto it = defined_.find(common::AbslView(sha));
    return it == defined_.end() ? nullptr : &it->second;
  }
  // Compiles body (after its shebang line, keeping the line feed so that line numbers stay
  // the user's) as the script named sha, with the flags parsed from it. False with Redis's
  // "ERR Error compiling script (new function): …" in *error.
  bool Define(std::string_view sha, std::string_view body, const ScriptFlags& flags,
              std::string* error);
  // Runs the script named sha (Defined) with KEYS and ARGV; its result, or its error as Redis
  // words it ("… script: <sha>, on @user_script:<line>."), goes to out.
  void Run(std::string_view sha, std::span<const std::string_view> keys,
           std::span<const std::string_view> argv, ScriptHost& host, protocol::ReplyWriter& out);

  // kFunctions: runs a library's code (body: what follows its shebang line, from the line
  // feed) as Redis's FUNCTION LOAD does. The globals it sees are only `redis` with
  // register_function, log and the version and log-level constants; each
  // redis.register_function adds to *functions, whose callbacks stay in this state. Stopped
  // after timeout_ms (0: no limit). False with Redis's error (no ERR prefix) in *error, and
  // nothing registered.
  bool LoadLibrary(std::string_view body, int64_t timeout_ms,
                   std::vector<RegisteredFunction>* functions, std::string* error);
  // kFunctions: calls the callback ref (from LoadLibrary) with the keys and args tables, as
  // FCALL; errors name the function.
  void CallFunction(int ref, std::string_view name, std::span<const std::string_view> keys,
                    std::span<const std::string_view> args, ScriptHost& host,
                    protocol::ReplyWriter& out);

  // INFO memory's used_memory_lua: the bytes the state holds.
  int64_t memory_bytes() const;

 private:
  struct ActiveRun;
  friend struct LuaApi;

  void OpenLibraries();
  void RegisterRedisApi(std::string_view redis_version);
  void ProtectGlobals();
  // kFunctions: the globals a loading library sees (registry kLibraryApi).
  void MakeLibraryApi(std::string_view redis_version);
  // Points the globals' reads at the library API (loading) or at the real globals.
  void ReadGlobalsFrom(const char* registry_key);
  // Calls the function on top of the stack (under the message handler below it) with nargs
  // arguments above it, as the script or function called name, and writes its result or its
  // error, worded as Redis words it, to out.
  void CallAndReply(int nargs, std::string_view name, ActiveRun& run, protocol::ReplyWriter& out);

  lua_State* L_ = nullptr;
  absl::flat_hash_map<std::string, ScriptFlags> defined_;
  const LuaMode mode_;
  // The script running now (null between scripts): what redis.call and the hook act for.
  ActiveRun* run_ = nullptr;
  // The library loading now (null otherwise): where redis.register_function adds.
  std::vector<RegisteredFunction>* loading_ = nullptr;
  int64_t load_deadline_us_ = 0;  // 0: none
  int calls_since_gc_ = 0;
};

}  // namespace redoubt::scripting
