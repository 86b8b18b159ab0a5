// The scripts EVAL and SCRIPT LOAD have seen, by the SHA1 of their body: what EVALSHA runs and
// SCRIPT EXISTS answers. One cache per server, shared by every thread; each thread's Lua state
// compiles a script from here the first time it runs it (lua_environment.h), and SCRIPT FLUSH
// bumps generation() so that every state drops what it compiled.
//
// Thread: thread-safe (one mutex, held for a map lookup or insert).
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace redoubt::scripting {

// The SHA1 of bytes as 40 lowercase hex digits (redis.sha1hex, a script's name).
std::string Sha1Hex(std::string_view bytes);

class ScriptCache {
 public:
  // Stores body under its SHA1 (once) and returns the SHA1.
  std::string Add(std::string_view body);
  // The body of the script named sha (in any case), or nothing.
  std::optional<std::string> Find(std::string_view sha) const;
  bool Contains(std::string_view sha) const;
  // SCRIPT FLUSH: forgets every script.
  void Flush();

  // Changes with each Flush: a Lua state compiled for an older generation starts afresh.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // INFO memory's number_of_cached_scripts and used_memory_scripts_eval; counted as the cache
  // changes, so that maxmemory's accounting reads them without the lock.
  size_t size() const { return count_.load(std::memory_order_relaxed); }
  size_t body_bytes() const { return body_bytes_.load(std::memory_order_relaxed); }

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::string> bodies_ ABSL_GUARDED_BY(mu_);
  std::atomic<size_t> body_bytes_{0};  // changed under mu_
  std::atomic<size_t> count_{0};       // changed under mu_
  std::atomic<uint64_t> generation_{0};
};

}  // namespace redoubt::scripting
