// Cluster mode's stage of the dispatcher (Redis's getNodeByQuery): whether a command's keys
// are served by this node, or the client must go elsewhere (-MOVED, -ASK), split its keys
// (-CROSSSLOT), retry (-TRYAGAIN) or wait for the cluster (-CLUSTERDOWN). The implementation
// lives in cluster/ (slot_router.h); the dispatcher holds only this interface, null outside
// cluster mode.
//
// Thread: Admit runs on the command's thread, for any client; implementations are thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "commands/command_spec.h"
#include "common/hash_slot.h"

namespace redoubt::commands {

class ClusterRouting {
 public:
  virtual ~ClusterRouting() = default;
  // Whether client may run args (resolved to spec, with the checks' flags) on this node now.
  // When not, *error is the reply: "MOVED 3999 127.0.0.1:6381", "CROSSSLOT …", ….
  // EXEC is judged with every command the client queued. When admitted and `known` is not null,
  // the slot of the command's first key is set there (hash_slot.h), so that the keyspace does
  // not compute it again for the rest of the command.
  virtual bool Admit(Client& client, const CommandSpec& spec, uint32_t flags,
                     std::span<const std::string_view> args, std::string* error,
                     common::KnownKeySlot* known) = 0;
};

}  // namespace redoubt::commands
