// Cluster mode's stage of the dispatcher (Redis's getNodeByQuery): whether a command's keys
// are served by this node, or the client must go elsewhere (-MOVED, -ASK), split its keys
// (-CROSSSLOT), retry (-TRYAGAIN) or wait for the cluster (-CLUSTERDOWN). The implementation
// lives in cluster/ (slot_router.h); the dispatcher holds only this interface, null outside
// cluster mode.
//
// The common case, a command with one key in a slot this node serves with no migration either
// way, is decided here, inline in the dispatcher, from the routing table's SlotGate part
// (slot_gate.h): it costs the key's slot (the CRC's call) and a bit test, with no other call.
// Any other case is the implementation's (virtual Admit).
//
// Thread: Admit runs on the command's thread, for any client; implementations are thread-safe.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "commands/client.h"
#include "commands/command_spec.h"
#include "commands/slot_gate.h"
#include "common/hash_slot.h"

namespace redoubt::commands {

class ClusterRouting {
 public:
  // gates: the routing tables as their publisher (cluster/) publishes them; read only here.
  explicit ClusterRouting(const SlotGates& gates) : gates_(gates) {}
  virtual ~ClusterRouting() = default;

  // True when args (resolved to spec) has one key position, the key is there, the cluster is
  // up and this node serves the key's slot with no migration either way: then it runs here,
  // whoever the client, and the slot is set in *known (hash_slot.h) so that the keyspace does
  // not compute it again. False means only "ask Admit". Shard pub/sub commands may pass too:
  // they differ from keys only on replicas and in migrating slots, which are not stable here.
  // Requires: known is not null. Hot path: every keyed command in cluster mode.
  bool AdmitsOneKeyHere(const CommandSpec& spec, std::span<const std::string_view> args,
                        common::KnownKeySlot* known) {
    const int first = spec.keys.first;
    if (first <= 0 || spec.keys.last != first || spec.key_finder != nullptr ||
        static_cast<size_t>(first) >= args.size()) {
      return false;
    }
    const SlotGate& gate = gates_.Current();
    if (!gate.ok) {
      return false;
    }
    const std::string_view key = args[first];
    const int slot = common::ComputeKeyHashSlot(key);
    if (!gate.stable_here[slot]) {
      return false;
    }
    known->Set(key, slot);
    return true;
  }

  // Whether client may run args (resolved to spec, with the checks' flags) on this node now,
  // by all of Redis's rules (AdmitsOneKeyHere's case included). When not, *error is the reply:
  // "MOVED 3999 127.0.0.1:6381", "CROSSSLOT …", …. EXEC is judged with every command the
  // client queued. When admitted and `known` is not null, the slot of the command's first key
  // is set there.
  virtual bool Admit(Client& client, const CommandSpec& spec, uint32_t flags,
                     std::span<const std::string_view> args, std::string* error,
                     common::KnownKeySlot* known) = 0;

 private:
  const SlotGates& gates_;
};

}  // namespace redoubt::commands
