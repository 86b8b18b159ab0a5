// Scripting as the server holds it: the shared script cache and function libraries, the script
// running now, and each executing thread's two Lua states (EVAL's and the functions'). The
// server makes one and hands it to the command handlers through ExecutionServices::scripting.
//
// Thread: cache(), functions() and running() are thread-safe; EnvironmentForThisThread() and
// FunctionsForThisThread() return the calling thread's own states.
#pragma once

#include <absl/container/flat_hash_map.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "commands/execution_services.h"
#include "scripting/function_libraries.h"
#include "scripting/lua_environment.h"
#include "scripting/running_script.h"
#include "scripting/script_cache.h"

namespace redoubt::scripting {

// A thread's functions: a Lua state with every library of one generation loaded, and where
// each function's callback is in it.
struct ThreadFunctions {
  struct Loaded {
    const FunctionDef* def = nullptr;  // in `libraries`, which it keeps alive
    int ref = 0;
  };
  uint64_t generation = 0;
  std::shared_ptr<const FunctionLibraries::Set> libraries;
  std::unique_ptr<LuaEnvironment> lua;
  absl::flat_hash_map<std::string, Loaded> by_lower_name;

  // The function named name (any case), or nullptr.
  const Loaded* Find(std::string_view name) const;
};

class Scripting : public commands::ScriptingServices {
 public:
  // redis_version: what scripts read as redis.REDIS_VERSION.
  explicit Scripting(std::string redis_version) : redis_version_(std::move(redis_version)) {}

  ScriptCache& cache() { return cache_; }
  FunctionLibraries& functions() { return functions_; }
  RunningScript& running() { return running_; }
  const std::string& redis_version() const { return redis_version_; }

  // The calling thread's Lua state, made on first use and made again after SCRIPT FLUSH.
  LuaEnvironment& EnvironmentForThisThread();
  // The calling thread's functions, loaded again from functions() after any change to them.
  ThreadFunctions& FunctionsForThisThread();
  // Notes what the calling thread's Lua states hold now (after a script, a function or a
  // compile), for INFO memory's used_memory_vm_eval and used_memory_vm_functions, the sums
  // over the threads.
  void RecordMemoryOfThisThread();
  int64_t lua_bytes() const { return lua_bytes_.load(std::memory_order_relaxed); }
  int64_t function_lua_bytes() const { return function_lua_bytes_.load(std::memory_order_relaxed); }

  // Compiles and runs library code (FUNCTION LOAD's argument, shebang included) in a state of
  // its own, as Redis's functionsCreateWithLibraryCtx: *library gets its metadata and the
  // functions it registered. timeout_ms: 0 for none (code from a primary, the AOF, an RDB).
  // existing: libraries whose names it may not take (checked before the code runs, as Redis
  // does without REPLACE); null: none. Returns an empty string, or Redis's error without its
  // ERR prefix.
  std::string CompileLibrary(std::string_view code, int64_t timeout_ms,
                             const FunctionLibraries::Set* existing,
                             FunctionLibrary* library) const;

  // commands::ScriptingServices: the libraries for snapshots, loaders and full syncs.
  std::vector<std::string> FunctionLibraryCodes() const override;
  bool LoadFunctionLibrary(std::string_view code, std::string* error) override;
  void ClearFunctionLibraries() override { functions_.ReplaceAll({}); }
  uint64_t MemoryBytes() const override;
  // The estimated bytes of one cached script besides its body: its 40-byte SHA1 name and a
  // hash table entry (Redis counts the name's and body's allocations).
  static constexpr size_t kScriptOverheadBytes = 40 + 48;

 private:
  std::atomic<int64_t> lua_bytes_{0};
  std::atomic<int64_t> function_lua_bytes_{0};
  std::string redis_version_;
  ScriptCache cache_;
  FunctionLibraries functions_;
  RunningScript running_;
};

}  // namespace redoubt::scripting
