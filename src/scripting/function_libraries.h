// The function libraries of the server (Redis 7.0's FUNCTION LOAD): each library's name, code
// and the functions it registered with their flags and descriptions. One set per server,
// shared by every thread; each thread runs the functions in a Lua state of its own
// (function_runtime.h) that it rebuilds from here when the generation changes.
//
// Changes (load, delete, flush, restore) make a new immutable set and swap it in, so a reader
// takes a shared pointer and never waits for a change in progress. Library names are
// case-sensitive; function names are looked up without regard to case and must be unique across
// libraries, as in Redis (its functions dictionary hashes case-insensitively).
//
// Thread: thread-safe.
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scripting/script_flags.h"

namespace redoubt::scripting {

struct FunctionDef {
  std::string name;
  std::optional<std::string> description;  // nullopt: none given (FUNCTION LIST shows nil)
  ScriptFlags flags;                       // has_shebang always set: functions declare flags
};

struct FunctionLibrary {
  std::string name;
  std::string engine;      // as the shebang spells it ("lua"); FUNCTION LIST shows "LUA"
  std::string code;        // the whole code given to FUNCTION LOAD, shebang included
  size_t body_offset = 0;  // where the code after the shebang line starts (its line feed)
  std::vector<FunctionDef> functions;  // in registration order
};

// The first line of a library's code, "#!<engine> name=<library>", as Redis's
// functionExtractLibMetaData reads it. Returns an empty string, or Redis's error without its
// ERR prefix.
std::string ParseLibraryMetadata(std::string_view code, FunctionLibrary* library);

// Redis's rule for library and function names: letters, digits and underscores, at least one.
bool ValidFunctionName(std::string_view name);

class FunctionLibraries {
 public:
  struct Set {
    std::map<std::string, FunctionLibrary> libraries;  // by name: FUNCTION LIST's order
    // Lowercased function name -> its library's name.
    absl::flat_hash_map<std::string, std::string> library_of_function;
    size_t function_count = 0;

    // The function named name (any case) and its library, or nullptr.
    const FunctionDef* Find(std::string_view name, const FunctionLibrary** library) const;
    // INFO memory's used_memory_functions: the code, names and descriptions kept, and an
    // estimate of the structures around them.
    size_t MemoryEstimate() const;
  };

  FunctionLibraries();

  // The current set; it never changes (a change swaps in another).
  std::shared_ptr<const Set> Current() const;
  // Bumped by every change: a thread's Lua state made for another generation is stale.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // The current set's MemoryEstimate, kept as it changes (maxmemory's accounting reads it on
  // every write command).
  size_t memory_bytes() const { return memory_bytes_.load(std::memory_order_relaxed); }

  // Adds library (its code already run and its functions registered). Without replace, a
  // library of that name is refused; with it, the old one goes. Refused too when one of its
  // functions exists in another library. Returns an empty string, or Redis's error.
  std::string Add(FunctionLibrary library, bool replace);
  // Adds several at once (FUNCTION RESTORE APPEND or REPLACE): all or none.
  std::string AddAll(std::vector<FunctionLibrary> libraries, bool replace);
  // False when there is no library of that name.
  bool Delete(std::string_view name);
  // Replaces every library by these (FUNCTION FLUSH with none, FUNCTION RESTORE FLUSH, a full
  // sync from a primary); refused, changing nothing, when two of them collide.
  std::string ReplaceAll(std::vector<FunctionLibrary> libraries);

 private:
  // Joins libraries into set; on a collision returns the error and set is to be dropped.
  static std::string Join(Set& set, std::vector<FunctionLibrary> libraries, bool replace);
  void Publish(std::shared_ptr<const Set> set) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  std::shared_ptr<const Set> current_ ABSL_GUARDED_BY(mu_);
  std::atomic<uint64_t> generation_{1};
  std::atomic<size_t> memory_bytes_{0};
};

}  // namespace redoubt::scripting
