// What the dispatcher tells client-side caching (CLIENT TRACKING) about the commands it runs:
// the keys a tracking client's read-only command read, and where each top-level command begins
// and ends, so that an invalidation for the client running it waits until its reply is written
// (Redis's tracking_pending_keys). The server's TrackingRegistry implements it.
//
// Thread: any; every call is made on the thread running the command.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>
#include <string_view>

namespace redoubt::commands {

class KeyTracking {
 public:
  virtual ~KeyTracking() = default;

  // Whether any client tracks keys: the dispatcher skips the rest when none does. Not
  // virtual: the dispatcher asks before every command, and with no tracking client that
  // question (one relaxed load) is all client-side caching costs.
  bool active() const { return clients_tracking_.load(std::memory_order_relaxed) > 0; }
  // The client may cache these keys now: their next change invalidates them. Called under the
  // keys' shard locks, so that no change slips between the read and the remembering.
  virtual void RememberKeys(uint64_t client_id, std::span<const std::string_view> keys) = 0;
  // A top-level command of client_id begins on this thread; returns the client whose command
  // was running (a busy script's thread serves other clients from inside its command).
  virtual uint64_t BeginCommand(uint64_t client_id) = 0;
  // It ended and its reply is written: the invalidations held for client_id go out now, then
  // `previous` is the running client again.
  virtual void EndCommand(uint64_t client_id, uint64_t previous) = 0;
  // A handler runs (Redis's call()): only the invalidations its changes cause for the running
  // client wait for the reply; those of the checks before it (an eviction for maxmemory) go
  // out at once, ahead of the reply, as in Redis. Nested calls (EXEC, scripts) count.
  virtual void EnterCall() = 0;
  virtual void LeaveCall() = 0;

 protected:
  // Clients with tracking on; kept by the implementation.
  std::atomic<uint64_t> clients_tracking_{0};
};

}  // namespace redoubt::commands
