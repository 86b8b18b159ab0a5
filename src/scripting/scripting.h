// Scripting as the server holds it: the shared script cache, the script running now, and each
// executing thread's Lua state. The server makes one and hands it to the command handlers
// through ExecutionServices::scripting.
//
// Thread: cache() and running() are thread-safe; EnvironmentForThisThread() returns the calling
// thread's own state.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "commands/execution_services.h"
#include "scripting/lua_environment.h"
#include "scripting/running_script.h"
#include "scripting/script_cache.h"

namespace redoubt::scripting {

class Scripting : public commands::ScriptingServices {
 public:
  // redis_version: what scripts read as redis.REDIS_VERSION.
  explicit Scripting(std::string redis_version) : redis_version_(std::move(redis_version)) {}

  ScriptCache& cache() { return cache_; }
  RunningScript& running() { return running_; }

  // The calling thread's Lua state, made on first use and made again after SCRIPT FLUSH.
  LuaEnvironment& EnvironmentForThisThread();
  // Notes what the calling thread's Lua state holds now (after a script or a compile), for
  // INFO memory's used_memory_lua, the sum over the threads.
  void RecordMemoryOfThisThread();
  int64_t lua_bytes() const { return lua_bytes_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> lua_bytes_{0};
  std::string redis_version_;
  ScriptCache cache_;
  RunningScript running_;
};

}  // namespace redoubt::scripting
