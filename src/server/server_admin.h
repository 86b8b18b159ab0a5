// What the server's own commands (CONFIG, CLIENT, INFO, MEMORY, LATENCY, ACL SAVE/LOAD,
// LASTSAVE, DEBUG, SHUTDOWN) may ask of the node: a narrow interface that Server implements
// and that a handler reaches through its command context (Admin(ctx) in command_helpers.h).
// The handlers include this header, not server.h, so the build keeps them from reaching into
// the rest of Server; what concerns the calling connection itself (CLIENT SETNAME, HELLO,
// MONITOR) stays on the connection.
//
// Thread: every method is safe from any I/O thread.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "commands/command_spec.h"
#include "commands/execution_services.h"
#include "commands/latency_histogram.h"
#include "server/client_registry.h"
#include "server/config.h"
#include "server/memory_stats.h"
#include "server/pubsub_registry.h"

namespace redoubt::cluster {
class ClusterState;
}  // namespace redoubt::cluster

namespace redoubt::server {

class SnapshotService;
class AofService;
class ReplicationService;
enum class ShutdownSave : uint8_t { kDefault, kSave, kNoSave };

class ServerAdmin : public commands::AdminServices {
 public:
  // CONFIG GET / SET / REWRITE / RESETSTAT. SetConfig applies all pairs (names as the client
  // typed them) or none, with Redis's texts; caller_is_local: the client is on the loopback
  // interface or a unix socket, for enable-protected-configs local.
  virtual Config config() const = 0;
  virtual absl::Status SetConfig(const std::vector<std::pair<std::string, std::string>>& changes,
                                 bool caller_is_local) = 0;
  virtual absl::Status RewriteConfig() = 0;
  // Resets the server, keyspace and command counters; each I/O thread resets its own (the
  // caller's now, the others soon after).
  virtual void ResetStats() = 0;

  // ACL SAVE / LOAD with the aclfile directive's file (Redis's texts), and closing the
  // connections of users that were deleted, switched off or redefined.
  virtual absl::Status SaveAclFile() = 0;
  virtual absl::Status LoadAclFile() = 0;
  virtual void CloseRevokedUserClients() = 0;
  // Closes the subscribed clients whose user's channel rules no longer allow one of their
  // subscriptions (after ACL SETUSER or ACL LOAD), as Redis 7's ACLKillPubsubClientsIfNeeded.
  virtual void CloseSubscribersWithoutPermission() = 0;

  // The connected clients (CLIENT LIST, KILL, …).
  virtual ClientRegistry& clients() = 0;
  virtual PubSubRegistry& pubsub() = 0;

  // Reports: INFO's text for the sections asked for; MEMORY STATS / DOCTOR's figures now
  // (*clients receives the clients' buffers); a command's latency histogram merged over every
  // I/O thread (LATENCY HISTOGRAM).
  virtual std::string Info(std::span<const std::string_view> sections) = 0;
  virtual MemoryOverhead MemoryNow(ClientMemory* clients) = 0;
  virtual commands::LatencyDistribution LatencyOf(const commands::CommandSpec& spec) = 0;

  // LASTSAVE; SHUTDOWN (`save`: kShutdownSave / kShutdownNoSave / kShutdownDefault, which saves
  // when save points are configured, as Redis); SAVE and BGSAVE.
  virtual int64_t last_save_seconds() const = 0;
  virtual void RequestShutdown() = 0;
  virtual void RequestShutdownSaving(ShutdownSave save) = 0;
  virtual SnapshotService& snapshots() = 0;
  virtual AofService& aof() = 0;
  virtual ReplicationService& replication() = 0;
  // REPLICAOF: the primary followed now ("host port", empty for none), so that CONFIG GET and
  // CONFIG REWRITE show the role the node has.
  virtual void RecordReplicaOf(std::string text) = 0;
  // Cluster mode's state (CLUSTER …); null when cluster-enabled is no.
  virtual cluster::ClusterState* cluster() = 0;
  // PUBLISH and SPUBLISH in cluster mode: the message goes to the other nodes over the bus
  // (every node, or this node's shard) for their subscribers. Nothing outside cluster mode.
  virtual void PublishToCluster(std::string_view channel, std::string_view message, bool shard) = 0;

 protected:
  ~ServerAdmin() override = default;
};

}  // namespace redoubt::server
