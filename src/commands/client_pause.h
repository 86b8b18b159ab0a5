// CLIENT PAUSE state: until a deadline, commands of every client wait (PAUSE ALL) or only those
// that may write (PAUSE WRITE), as Redis 7.0's pauseClients. The dispatcher asks Holds() before
// running a command; a held command stays in its client's buffer and is tried again.
//
// Thread: any thread. Pause/Unpause serialise on a mutex; Holds() reads two atomics (mode
// stored before deadline, so a reader that sees a deadline sees its mode).
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/synchronization/mutex.h>

#include <atomic>
#include <cstdint>

namespace redoubt::commands {

class ClientPause {
 public:
  // While a pause is active, a second one extends but never shortens it, and ALL wins over
  // WRITE; an expired pause is replaced.
  void Pause(int64_t until_unix_ms, bool writes_only);
  void Unpause();
  // True when a command with these CommandSpec flags must wait now.
  bool Holds(uint32_t command_flags) const;

 private:
  // Guards no field: serialises Pause/Unpause, whose read-modify-write of the two atomics
  // must not interleave (readers need no lock, see Holds).
  absl::Mutex mu_;
  std::atomic<int64_t> until_ms_{0};
  std::atomic<bool> writes_only_{false};
};

}  // namespace redoubt::commands
