// Each thread's Lua states; see scripting.h.
#include "scripting/scripting.h"

#include <memory>

#include "common/ascii.h"
#include "common/log.h"

namespace redoubt::scripting {
namespace {

// The thread's states, and whose and which generation of the cache and of the libraries they
// were made for.
struct ThreadStates {
  const Scripting* owner = nullptr;
  uint64_t generation = 0;
  int64_t reported_bytes = 0;  // what the owner's lua_bytes_ counts for the EVAL state
  std::unique_ptr<LuaEnvironment> environment;
  const Scripting* functions_owner = nullptr;
  int64_t reported_function_bytes = 0;
  ThreadFunctions functions;
};
thread_local ThreadStates thread_states;

}  // namespace

const ThreadFunctions::Loaded* ThreadFunctions::Find(std::string_view name) const {
  auto it = by_lower_name.find(common::ToLower(name));
  return it == by_lower_name.end() ? nullptr : &it->second;
}

LuaEnvironment& Scripting::EnvironmentForThisThread() {
  ThreadStates& mine = thread_states;
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

ThreadFunctions& Scripting::FunctionsForThisThread() {
  ThreadStates& mine = thread_states;
  ThreadFunctions& f = mine.functions;
  const uint64_t generation = functions_.generation();
  if (f.lua != nullptr && mine.functions_owner == this && f.generation == generation) {
    return f;
  }
  // Any change to the libraries makes the state again from all of them: changes are rare
  // (FUNCTION LOAD, DELETE, FLUSH, RESTORE) and a fresh state drops what replaced libraries
  // left behind, as Redis frees a deleted library's callbacks.
  if (mine.functions_owner == this) {
    function_lua_bytes_.fetch_sub(mine.reported_function_bytes, std::memory_order_relaxed);
  }
  mine.reported_function_bytes = 0;
  mine.functions_owner = this;
  f.by_lower_name.clear();
  f.lua.reset();
  f.generation = generation;
  f.libraries = functions_.Current();
  f.lua = std::make_unique<LuaEnvironment>(redis_version_, LuaMode::kFunctions);
  for (const auto& [name, library] : f.libraries->libraries) {
    std::vector<RegisteredFunction> registered;
    std::string error;
    // Each loaded once already, when it was added: only a bug makes it fail now.
    if (!f.lua->LoadLibrary(std::string_view(library.code).substr(library.body_offset), 0,
                            &registered, &error)) {
      common::Log(common::LogLevel::kWarning,
                  "Function library '" + name + "' did not load again: " + error);
      continue;
    }
    for (const RegisteredFunction& r : registered) {
      for (const FunctionDef& def : library.functions) {
        if (def.name == r.def.name) {
          f.by_lower_name[common::ToLower(def.name)] = {&def, r.ref};
        }
      }
    }
  }
  return f;
}

void Scripting::RecordMemoryOfThisThread() {
  ThreadStates& mine = thread_states;
  if (mine.environment != nullptr && mine.owner == this) {
    const int64_t now = mine.environment->memory_bytes();
    lua_bytes_.fetch_add(now - mine.reported_bytes, std::memory_order_relaxed);
    mine.reported_bytes = now;
  }
  if (mine.functions.lua != nullptr && mine.functions_owner == this) {
    const int64_t now = mine.functions.lua->memory_bytes();
    function_lua_bytes_.fetch_add(now - mine.reported_function_bytes, std::memory_order_relaxed);
    mine.reported_function_bytes = now;
  }
}

std::string Scripting::CompileLibrary(std::string_view code, int64_t timeout_ms,
                                      const FunctionLibraries::Set* existing,
                                      FunctionLibrary* library) const {
  if (std::string error = ParseLibraryMetadata(code, library); !error.empty()) {
    return error;
  }
  if (!ValidFunctionName(library->name)) {
    return "Library names can only contain letters, numbers, or underscores(_) and must be at "
           "least one character long";
  }
  if (!common::EqualsIgnoreCase(library->engine, "lua")) {
    return "Engine '" + library->engine + "' not found";
  }
  if (existing != nullptr && existing->libraries.contains(library->name)) {
    return "Library '" + library->name + "' already exists";
  }
  library->code = std::string(code);
  LuaEnvironment scratch(redis_version_, LuaMode::kFunctions);
  std::vector<RegisteredFunction> registered;
  std::string error;
  if (!scratch.LoadLibrary(code.substr(library->body_offset), timeout_ms, &registered, &error)) {
    return error;
  }
  if (registered.empty()) {
    return "No functions registered";
  }
  library->functions.clear();
  for (RegisteredFunction& r : registered) {
    library->functions.push_back(std::move(r.def));
  }
  return {};
}

uint64_t Scripting::MemoryBytes() const {
  const int64_t states = lua_bytes() + function_lua_bytes();
  return static_cast<uint64_t>(states > 0 ? states : 0) + cache_.body_bytes() +
         cache_.size() * kScriptOverheadBytes + functions_.memory_bytes();
}

std::vector<std::string> Scripting::FunctionLibraryCodes() const {
  std::vector<std::string> codes;
  for (const auto& [name, library] : functions_.Current()->libraries) {
    codes.push_back(library.code);
  }
  return codes;
}

bool Scripting::LoadFunctionLibrary(std::string_view code, std::string* error) {
  FunctionLibrary library;
  *error = CompileLibrary(code, /*timeout_ms=*/0, functions_.Current().get(), &library);
  if (error->empty()) {
    *error = functions_.Add(std::move(library), /*replace=*/false);
  }
  return error->empty();
}

}  // namespace redoubt::scripting
