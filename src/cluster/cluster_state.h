// This node's view of its cluster: the nodes it knows (itself first), which node serves each
// of the 16,384 hash slots, the slots being migrated out or imported, the epochs, and whether
// the cluster is up. Every change is saved to the node's configuration file (nodes.conf,
// nodes_file.h) before the command that made it answers, and publishes a new routing table
// (routing_table.h) for the request path.
//
// The CLUSTER command family (server/cluster_command.cc) reads and changes it; the cluster bus
// changes it from what other nodes say (cluster_state_bus.cc), and a replica's elections and
// manual failovers run here too (cluster_failover.cc). Replication follows the role decided
// here through ReplicationHooks, called with mu_ free.
//
// Thread: thread-safe; mu_ guards everything but routing_tables_, whose tables are immutable
// (published per thread). Lock order: role_mu_, then mu_; the hooks that follow or stop following a
// primary run under role_mu_ alone, the pause hooks under mu_ (they take only the pause's).
#pragma once

#include <absl/base/thread_annotations.h>
#include <absl/container/flat_hash_map.h>
#include <absl/status/status.h>
#include <absl/status/statusor.h>
#include <absl/synchronization/mutex.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/bus_message.h"
#include "cluster/cluster_node.h"
#include "cluster/routing_table.h"
#include "commands/slot_gate.h"
#include "storage/keyspace.h"

namespace redoubt::cluster {

// What this node announces and how it serves while the cluster is down (Config's cluster_*
// fields, with the addresses resolved by the server).
struct ClusterSettings {
  std::string config_file;          // nodes.conf's path
  std::string ip;                   // this node's address: cluster-announce-ip, or its bind address
  int port = 0;                     // cluster-announce-port, or port
  int tls_port = 0;                 // cluster-announce-tls-port (0: none apart from port)
  int bus_port = 0;                 // cluster-announce-bus-port, or cluster-port, or port + 10000
  std::string hostname;             // cluster-announce-hostname
  int preferred_endpoint_type = 0;  // 0 ip, 1 hostname, 2 unknown-endpoint
  int64_t node_timeout_ms = 15000;
  bool require_full_coverage = true;
  bool allow_reads_when_down = false;
  bool allow_pubsubshard_when_down = true;
  // How long after its first evaluation a primary that loaded a nodes.conf waits before
  // cluster_state may turn ok (Redis's CLUSTER_WRITABLE_DELAY, which gives a restarted primary
  // time to learn that its slots moved while it was down; the unit tests use 0). A node that
  // started without one has nothing to learn and does not wait.
  int64_t writable_delay_ms = 2000;
  // Failover: a replica that never starts an election (cluster-replica-no-failover); how stale
  // its data may be (cluster-replica-validity-factor × node timeout, plus
  // repl-ping-replica-period; 0: any); whether replicas move to primaries left without one,
  // and how many a primary keeps (cluster-allow-replica-migration, cluster-migration-barrier).
  bool replica_no_failover = false;
  int64_t replica_validity_factor = 10;
  int64_t repl_ping_period_ms = 10000;
  bool allow_replica_migration = true;
  int64_t migration_barrier = 1;
};

// What the cluster needs of replication; the server provides it once replication has started.
struct ReplicationHooks {
  // This node's replication offset (a replica's: what it has applied).
  std::function<uint64_t()> offset;
  // A replica's time without news from its primary (Redis's data age), in milliseconds.
  std::function<int64_t()> primary_silence_ms;
  // Follow the primary at ip:port (nothing when already following it) / stop following.
  std::function<void(const std::string& ip, int port)> follow;
  std::function<void()> become_primary;
  // A manual failover holds this primary's writes until its replica took over, or until then.
  std::function<void(int64_t until_unix_ms)> pause_writes;
  std::function<void()> resume_writes;
};

// CLUSTER INFO's figures.
struct ClusterInfo {
  bool ok = false;
  int slots_assigned = 0;
  int slots_ok = 0;
  int slots_pfail = 0;
  int slots_fail = 0;
  int known_nodes = 0;
  int size = 0;  // primaries that serve at least one slot
  uint64_t current_epoch = 0;
  uint64_t my_epoch = 0;
  std::array<uint64_t, kMessageTypes> sent{};  // bus messages by type
  std::array<uint64_t, kMessageTypes> received{};
};

// A copy of the state for the replies that describe the cluster (NODES, SLOTS, SHARDS).
struct ClusterView {
  std::vector<ClusterNode> nodes;  // myself first
  // Per slot, the index in `nodes` of the node migrating it to / importing it from (-1 none).
  std::vector<std::pair<int, int>> migrating;  // (slot, node index)
  std::vector<std::pair<int, int>> importing;
  ClusterSettings settings;
  uint64_t current_epoch = 0;
  uint64_t last_vote_epoch = 0;
};

// What the bus knows of the link a message came on (cluster_bus.h).
struct LinkContext {
  bool outbound = false;
  uint64_t node_serial = 0;  // the link's node; 0: an inbound link not identified yet
  std::string peer_ip;       // the socket's peer address
  std::string local_ip;      // the socket's local address (a MEET teaches a node its own)
};

// What handling a message or a cron tick asks of the bus, done once the state's lock is free.
struct BusActions {
  std::vector<std::string> reply;                         // on the message's own link
  std::vector<std::pair<uint64_t, std::string>> to_node;  // on a node's outbound link
  std::vector<uint64_t> close_links;                      // every link of these nodes
  bool close_this_link = false;
  uint64_t tie_link_to = 0;  // the inbound link turned out to be this node's
  struct Connect {
    uint64_t serial;
    std::string ip;
    int cport;
  };
  std::vector<Connect> connect;  // nodes without an outbound link
  // PUBLISH and PUBLISHSHARD messages from other nodes, for this node's subscribers.
  struct Delivery {
    std::string channel;
    std::string message;
    bool shard;
  };
  std::vector<Delivery> deliveries;
};

// One bus link as CLUSTER LINKS shows it (the bus reports its links every tick).
struct LinkReport {
  bool inbound = false;
  bool tls = false;
  uint64_t node_serial = 0;
  int64_t created_ms = 0;
  bool writing = false;  // output waits to be sent
  size_t send_buffer_used = 0;
  size_t send_buffer_allocated = 0;
};
struct LinkDescription {
  LinkReport link;
  std::string node_name;
};

class ClusterState {
 public:
  // Loads config_file when it exists (this node's name, slots and epochs, and the nodes it
  // knew), or creates it with a new node that serves nothing; either way locks it so that no
  // other node uses the same file. An unreadable or corrupt file is an error: the server stops.
  static absl::StatusOr<std::unique_ptr<ClusterState>> Open(ClusterSettings settings,
                                                            storage::Keyspace& keyspace);
  ~ClusterState();

  // The routing table of the running command's thread (routing_table.h).
  const RoutingTable& routing() {
    return static_cast<const RoutingTable&>(routing_tables_.Current());  // only those are published
  }
  // The same tables as the dispatcher's common case reads them (commands/slot_gate.h); only
  // this class publishes them, so each is a RoutingTable (routing() relies on it).
  const commands::SlotGates& routing_tables() const { return routing_tables_; }

  std::string my_name();
  ClusterInfo Info();
  ClusterView View();
  // CONFIG SET of an announced address or a down-state rule.
  void UpdateSettings(const ClusterSettings& settings);

  // ---- Changes; each saves the file and publishes a routing table. The errors are Redis's
  // replies. ----
  absl::Status AddSlots(const std::vector<int>& slots);
  absl::Status DelSlots(const std::vector<int>& slots);
  absl::Status FlushSlots();  // requires: an empty database (checked by the caller)
  enum class SlotState { kImporting, kMigrating, kStable, kNode };
  absl::Status SetSlot(int slot, SlotState state, const std::string& node_name);
  // BUMPEPOCH: true when this node's epoch was raised (BUMPED), false when it is already the
  // greatest and unique (STILL).
  bool BumpEpoch();
  absl::Status SetConfigEpoch(int64_t epoch);
  absl::Status Forget(const std::string& node_name);
  // RESET SOFT|HARD. Requires: an empty database for a primary (checked by the caller).
  absl::Status Reset(bool hard);
  absl::Status SaveConfig();

  // Whether this node knows a node of that name / of that bus serial (ClusterNode::serial).
  bool KnowsNode(const std::string& node_name);
  bool KnowsSerial(uint64_t serial);

  // ---- The cluster bus (cluster_bus.h; Redis 7.0's protocol, cluster_state_bus.cc). ----

  // CLUSTER MEET: a node in handshake at that address, greeted with MEET by the bus's next
  // tick. Errors as Redis's.
  absl::Status Meet(const std::string& ip, int64_t port, int64_t cport);
  // A message from another node, on a link the bus describes.
  void HandleBusMessage(const BusMessage& m, const LinkContext& link, BusActions* out);
  // Ten times a second, on the bus's thread: links to make, pings to send, nodes silent for
  // longer than cluster-node-timeout flagged PFAIL, handshakes that never finished dropped.
  // has_link(serial): whether the node's outbound link is up.
  void BusCron(const std::function<bool(uint64_t)>& has_link, BusActions* out);
  // The first message on a new outbound link: MEET for a node met with CLUSTER MEET, else
  // PING. Empty when the node is gone.
  std::string GreetingFor(uint64_t serial);
  // A connection to the node failed: its pending ping starts now, so it can be flagged PFAIL.
  void LinkFailed(uint64_t serial);
  // PUBLISH (every node) or SPUBLISH (this node's shard: its primary and that primary's
  // replicas) as a bus message, and the nodes to send it to.
  std::string PublishMessage(std::string_view channel, std::string_view message, bool shard,
                             std::vector<uint64_t>* targets);
  // Set once by the server, after replication has started; until then the role is not acted on.
  void set_replication_hooks(ReplicationHooks hooks) ABSL_LOCKS_EXCLUDED(role_mu_, mu_);

  // ---- Replicas and failover (cluster_failover.cc; Redis 7.0's rules). ----

  // CLUSTER REPLICATE: this node becomes a replica of that primary. Errors as Redis's.
  absl::Status Replicate(const std::string& node_name);
  // CLUSTER FAILOVER: default (the primary pauses, the replica catches up, then an election
  // its primary's voters grant), FORCE (an election without the primary), TAKEOVER (no
  // election: a new epoch of its own). Errors as Redis's.
  enum class FailoverKind { kDefault, kForce, kTakeover };
  absl::Status Failover(FailoverKind kind);
  // Brings replication in line with this node's role: follows its primary's address, or stops
  // following, and completes a won election (the slots are claimed once replication has
  // stopped, so that no client write meets a replica that is still read-only). out: where the
  // claim's PONGs go (null: the bus's next tick sends them). Does nothing unless the role
  // changed since the last call.
  void SyncReplicationRole(BusActions* out) ABSL_LOCKS_EXCLUDED(role_mu_, mu_);
  bool role_changed() const {
    return role_dirty_.load(std::memory_order_acquire) ||
           resume_writes_pending_.load(std::memory_order_acquire);
  }
  // INFO/CLUSTER INFO: whether a manual failover is under way here.
  bool manual_failover_in_progress();
  // The bus's links, reported at every tick, and CLUSTER LINKS's view of them: each node's
  // outbound link, then its inbound one, for the nodes known by name.
  void ReportLinks(std::vector<LinkReport> links);
  std::vector<LinkDescription> Links();
  // Messages sent and received by type (CLUSTER INFO); the bus counts them.
  void CountMessage(MessageType type, bool sent);

  // Ten times a second (the server cron): re-evaluates cluster_state, which a primary may
  // turn ok only two seconds after its first evaluation, as Redis's clusterUpdateState waits
  // for the rest of the cluster to tell it about changes it missed.
  void Cron();

 private:
  ClusterState(ClusterSettings settings, storage::Keyspace& keyspace);

  ClusterNode* FindLocked(const std::string& name) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The node's index in nodes_ (myself is 0), or -1.
  int IndexOfLocked(const ClusterNode* node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AssignLocked(int slot, ClusterNode* node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UnassignLocked(int slot) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Saves the file and publishes the routing table after a change.
  absl::Status CommitLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void PublishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Recomputes state_ok_ and size_; true when the state changed.
  bool UpdateStateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string RedirectTargetLocked(const ClusterNode& n) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ClusterView ViewLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RefreshMyselfLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The bus (cluster_state_bus.cc).
  ClusterNode* FindBySerialLocked(uint64_t serial) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  ClusterNode* AddNodeLocked(ClusterNode node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void DeleteNodeLocked(ClusterNode* node, BusActions* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  BusMessage HeaderLocked(MessageType type) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A PING, PONG or MEET with its gossip; a PING marks the target's ping as pending.
  std::string PingLocked(MessageType type, ClusterNode* target) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ProcessGossipLocked(const BusMessage& m, ClusterNode* sender)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Redis's clusterUpdateSlotsConfigWith: a primary's claim on slots at its epoch.
  void UpdateSlotsLocked(ClusterNode* sender, uint64_t epoch, const SlotBitmap& slots)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PFAIL → FAIL once enough primaries report the node failing (Redis's weak quorum).
  void MarkFailingIfAgreedLocked(ClusterNode* node, BusActions* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends msg on every linked node's outbound link.
  void BroadcastLocked(const std::string& msg, BusActions* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Saves after a bus change (failures are logged: the bus has no one to answer).
  void SaveLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // PONG to every node, or to the other replicas of this node's primary only.
  void BroadcastPongLocked(bool local_replicas_only, BusActions* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The sender's role from a PING, PONG or MEET header.
  void UpdateRoleOfLocked(ClusterNode* sender, const BusMessage& m)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t ReplicationOffsetLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Failover (cluster_failover.cc).
  std::vector<ClusterNode*> ReplicasOfLocked(const ClusterNode& primary)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  int CountOkReplicasLocked(const ClusterNode& primary) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Redis's clusterSetMaster: this node (no slots) follows primary.
  void SetPrimaryLocked(ClusterNode* primary) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Redis's clusterSetNodeAsMaster.
  void SetNodeAsPrimaryLocked(ClusterNode* node) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ResetManualFailoverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Forgets the election in progress, and its votes (see the definition).
  void ResetElectionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A replica's rank among its primary's replicas: how many have a greater offset.
  int ReplicaRankLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The vote of a primary with slots for the replica asking in request.
  void GrantVoteIfAllowedLocked(ClusterNode* node, const BusMessage& request, BusActions* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A replica whose primary failed (or in a manual failover): schedules, runs and wins its
  // election (Redis's clusterHandleSlaveFailover).
  void HandleReplicaFailoverLocked(BusActions* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void HandleManualFailoverLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Moves this replica to a primary left without replicas (Redis's clusterHandleSlaveMigration).
  void HandleReplicaMigrationLocked(int max_replicas) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // A won election or a takeover: the slots are claimed by SyncReplicationRole.
  void StartPromotionLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void FinishPromotionLocked(BusActions* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // MFSTART from one of this primary's replicas: writes pause, the replica is pinged.
  void PauseForManualFailoverLocked(ClusterNode* replica, BusActions* out)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The bus's tick for replicas and manual failovers (after failure detection).
  void FailoverCronLocked(BusActions* out) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  storage::Keyspace& keyspace_;
  absl::Mutex mu_;
  ClusterSettings settings_ ABSL_GUARDED_BY(mu_);
  // Myself is nodes_[0]; the others in the order they became known. Nodes in handshake are
  // here too (flag kHandshake, a name of their own until their first PONG), never in the file.
  std::vector<std::unique_ptr<ClusterNode>> nodes_ ABSL_GUARDED_BY(mu_);
  std::array<ClusterNode*, common::kClusterSlots> slots_ ABSL_GUARDED_BY(mu_){};
  std::array<ClusterNode*, common::kClusterSlots> migrating_to_ ABSL_GUARDED_BY(mu_){};
  std::array<ClusterNode*, common::kClusterSlots> importing_from_ ABSL_GUARDED_BY(mu_){};
  uint64_t current_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_vote_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  bool state_ok_ ABSL_GUARDED_BY(mu_) = false;
  // Primaries serving slots; 1 until the first evaluation after the start-up delay, as Redis.
  int size_ ABSL_GUARDED_BY(mu_) = 1;
  int64_t first_evaluation_ms_ ABSL_GUARDED_BY(mu_) = 0;
  // Started without a nodes.conf: a new node, with no configuration that peers could have moved
  // on from while it was away, so no writable delay (Redis waits after every start).
  bool started_fresh_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t next_serial_ ABSL_GUARDED_BY(mu_) = 1;
  int cron_ticks_ ABSL_GUARDED_BY(mu_) = 0;
  // CLUSTER FORGET's names, kept off for 60 seconds so that gossip does not bring them back.
  std::vector<std::pair<std::string, int64_t>> forgotten_ ABSL_GUARDED_BY(mu_);
  // Serialises SyncReplicationRole: the hooks run in the order the role changed.
  absl::Mutex role_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  ReplicationHooks hooks_ ABSL_GUARDED_BY(mu_);
  bool hooks_set_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> role_dirty_{true};
  // A manual failover this primary paused writes for is over: SyncReplicationRole resumes them
  // once the role it ended in is in effect, so that a write held by the pause and run again
  // meets the new routing table and role (MOVED), not the old ones.
  std::atomic<bool> resume_writes_pending_{false};
  // The former primary whose slots a won election claims (empty: no promotion pending).
  std::string promotion_from_ ABSL_GUARDED_BY(mu_);
  bool pong_pending_ ABSL_GUARDED_BY(mu_) = false;  // a claim's PONGs for the next tick
  // The election of a replica (Redis's failover_auth_*).
  int64_t failover_auth_time_ms_ ABSL_GUARDED_BY(mu_) = 0;
  int failover_auth_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool failover_auth_sent_ ABSL_GUARDED_BY(mu_) = false;
  int failover_auth_rank_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t failover_auth_epoch_ ABSL_GUARDED_BY(mu_) = 0;
  // A manual failover (Redis's mf_*): when it gives up (0: none), whether the replica may
  // start its election, the replica a primary paused for (a serial), and the offset at which
  // the paused primary stopped (-1: not heard yet).
  int64_t mf_end_ms_ ABSL_GUARDED_BY(mu_) = 0;
  bool mf_can_start_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t mf_replica_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t mf_primary_offset_ ABSL_GUARDED_BY(mu_) = -1;
  bool mf_send_start_ ABSL_GUARDED_BY(mu_) = false;  // a replica's MFSTART for the next tick
  std::vector<LinkReport> links_ ABSL_GUARDED_BY(mu_);
  std::array<std::atomic<uint64_t>, kMessageTypes> messages_sent_{};
  std::array<std::atomic<uint64_t>, kMessageTypes> messages_received_{};
  int lock_fd_ = -1;  // flock on config_file, held for the node's life
  // The epochs (current, last vote, this node's config) of the last save that was synced.
  std::array<uint64_t, 3> synced_epochs_ ABSL_GUARDED_BY(mu_){~0ull, ~0ull, ~0ull};
  commands::SlotGates routing_tables_{std::make_shared<RoutingTable>()};
};

}  // namespace redoubt::cluster
