// Redis's getNodeByQuery for Redoubt: decides, from the routing table (routing_table.h), the
// client's READONLY and ASKING flags and, for a slot being migrated, which of the command's
// keys are still here, whether this node serves the command or which error sends the client
// elsewhere. The dispatcher calls it for EXEC and for every command with keys that its inline
// common case (ClusterRouting::AdmitsOneKeyHere, commands/cluster_routing.h) did not admit.
//
// The rules, in Redis 7.0's order: the first key's slot must be served by someone (else
// CLUSTERDOWN Hash slot not served) and every other key must share it (CROSSSLOT); a cluster
// that is down refuses (reads may go on with cluster-allow-reads-when-down); a migrating
// slot sends missing keys on with ASK (TRYAGAIN when only some are missing); an importing
// slot serves an ASKING client (TRYAGAIN for several keys not all here yet); a replica serves
// a READONLY client's reads of its primary's slots; any other node's slot gets MOVED.
//
// Thread: thread-safe (the routing table is per thread; the key look locks one shard).
#pragma once

#include "cluster/cluster_state.h"
#include "commands/cluster_routing.h"
#include "commands/command_table.h"
#include "storage/keyspace.h"

namespace redoubt::cluster {

class SlotRouter final : public commands::ClusterRouting {
 public:
  SlotRouter(ClusterState& state, const commands::CommandTable& table, storage::Keyspace& keyspace);

  // By the rules in this file's header, in their order. The dispatcher asks
  // AdmitsOneKeyHere (cluster_routing.h) first, so this runs for the other cases.
  bool Admit(commands::Client& client, const commands::CommandSpec& spec, uint32_t flags,
             std::span<const std::string_view> args, std::string* error,
             common::KnownKeySlot* known) override;

  // Whether a command of this spec is routed at all: it names keys (or channels of a shard),
  // or it is EXEC. PING, KEYS, FLUSHALL, PUBLISH, CLUSTER … never are.
  bool IsRouted(const commands::CommandSpec& spec) const;

 private:
  bool IsShardPubSub(const commands::CommandSpec& spec) const {
    return &spec == spublish_ || &spec == ssubscribe_ || &spec == sunsubscribe_;
  }

  ClusterState& state_;
  const commands::CommandTable& table_;
  storage::Keyspace& keyspace_;
  // Rows told apart by identity rather than by name: compared for every command.
  const commands::CommandSpec* exec_;
  const commands::CommandSpec* spublish_;
  const commands::CommandSpec* ssubscribe_;
  const commands::CommandSpec* sunsubscribe_;
};

}  // namespace redoubt::cluster
