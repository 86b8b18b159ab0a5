// Each thread's Lua state; see scripting.h.
#include "scripting/scripting.h"

#include <memory>

namespace redoubt::scripting {
namespace {

// The thread's state, and whose and which generation of the cache it was made for.
struct ThreadEnvironment {
  const Scripting* owner = nullptr;
  uint64_t generation = 0;
  int64_t reported_bytes = 0;  // what the owner's lua_bytes_ counts for this state
  std::unique_ptr<LuaEnvironment> environment;
};
thread_local ThreadEnvironment thread_environment;

}  // namespace

LuaEnvironment& Scripting::EnvironmentForThisThread() {
  ThreadEnvironment& mine = thread_environment;
  const uint64_t generation = cache_.generation();
  if (mine.environment == nullptr || mine.owner != this || mine.generation != generation) {
    // SCRIPT FLUSH drops the scripts and everything they left in Lua, as Redis's new state.
    if (mine.owner == this) {
      lua_bytes_.fetch_sub(mine.reported_bytes, std::memory_order_relaxed);
    }
    mine.reported_bytes = 0;
    mine.environment.reset();
    mine.environment = std::make_unique<LuaEnvironment>(redis_version_);
    mine.owner = this;
    mine.generation = generation;
  }
  return *mine.environment;
}

void Scripting::RecordMemoryOfThisThread() {
  ThreadEnvironment& mine = thread_environment;
  if (mine.environment == nullptr || mine.owner != this) {
    return;
  }
  const int64_t now = mine.environment->memory_bytes();
  lua_bytes_.fetch_add(now - mine.reported_bytes, std::memory_order_relaxed);
  mine.reported_bytes = now;
}

}  // namespace redoubt::scripting
