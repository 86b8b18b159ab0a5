// The replication groups this control plane runs: their records (in memory, and in the state
// store at every change), their nodes' processes (through a NodeHost), and the events of both.
// The ElastiCache API calls in here once it has read and checked a request.
//
// A group's life: Create reserves its addresses and records it `creating`, starts every node and
// forms the topology outside the lock, and records it `available` before it returns; Delete
// marks it `deleting`, stops and removes the nodes, then forgets it. The supervisor restarts a
// node of an available group whose process has exited, and records an event. On start, Recover
// reads the groups back: nodes still running are adopted, nodes that are not are started again,
// and an operation a crash interrupted is finished (a deletion) or reported failed (a creation).
//
// Thread: safe. One mutex guards the records; node work that waits (starting, forming, stopping)
// runs outside it, on the calling API thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "control/cache_subnet_groups.h"
#include "control/certificate_authority.h"
#include "control/group_model.h"
#include "control/hosts_file.h"
#include "control/node_client.h"
#include "control/node_host.h"
#include "control/query_protocol.h"
#include "control/security_groups.h"
#include "control/state_store.h"
#include "control/users.h"

namespace redoubt::control {

// DescribeEvents' source types of the events recorded here.
inline constexpr char kSourceGroup[] = "replication-group";
inline constexpr char kSourceCluster[] = "cache-cluster";

// ReplicationGroupNotFoundFault for id.
ApiError GroupNotFound(const std::string& id);

struct GroupsOptions {
  // Nodes take addresses from this IPv4 range (host byte order, inclusive), one each.
  uint32_t first_address = 0;
  uint32_t last_address = 0;
  // Where the control plane's calls to its nodes leave from: the range's network address,
  // which no node takes (as a VPC's router address). Nodes behind security groups admit it
  // and no other local source, so that a client on this host gets only what the rules allow.
  std::string call_source;
  int64_t start_timeout_ms = 30000;  // from spawning the nodes to a formed group
  int64_t cluster_node_timeout_ms = 5000;
  int64_t supervise_interval_ms = 250;
  int64_t role_refresh_interval_ms = 2000;
  int64_t stop_grace_ms = 10000;
  // A modification stays `modifying` at least this long (pollers that look every few seconds
  // see it), and until every node has changed.
  int64_t modify_dwell_ms = 5000;
  // How long a node certificate is valid; it is renewed (and hot-reloaded by its node) once
  // two thirds of that have passed.
  int64_t node_cert_seconds = 365 * 86400;
  // Node keys: ECDSA P-256 (a full handshake costs the node ~25 µs of signing), or RSA-2048
  // (~300 µs) for clients that take nothing else.
  bool node_cert_rsa = false;
  // The zone of endpoint names (endpoint_names.h), in node certificates and, with a hosts
  // file, in Describe.
  std::string dns_zone = "cache.redoubt.internal";
};

// What ModifyReplicationGroup asks for, read and checked against the request alone.
struct GroupModification {
  std::optional<std::string> description;
  bool transit = false;  // TransitEncryptionEnabled and/or TransitEncryptionMode given
  bool transit_enabled = false;
  std::string transit_mode;   // preferred or required when enabled
  std::string auth_strategy;  // ROTATE, SET or DELETE; empty: the token does not change
  std::string auth_token;     // the new token (ROTATE, SET)
  // SecurityGroupIds: the security groups that replace the group's.
  std::optional<std::vector<std::string>> security_group_ids;
  // UserGroupIdsToAdd / UserGroupIdsToRemove.
  std::vector<std::string> user_groups_to_add;
  std::vector<std::string> user_groups_to_remove;
};

class ReplicationGroups {
 public:
  // ca signs the nodes' certificates; null refuses in-transit encryption.
  ReplicationGroups(GroupsOptions options, StateStore& store, NodeHost& host,
                    std::shared_ptr<const CertificateAuthority> ca);
  ~ReplicationGroups();  // stops the supervisor; the nodes keep running
  ReplicationGroups(const ReplicationGroups&) = delete;
  ReplicationGroups& operator=(const ReplicationGroups&) = delete;

  // Publishes the groups' endpoint names in hosts (borrowed; call before Recover). Without one,
  // clients reach the nodes by address.
  void UseHostsFile(HostsFile* hosts) { hosts_ = hosts; }
  // Takes the nodes' network-allow from security_groups (borrowed), follows changes of their
  // rules, and keeps a security group that a replication group names from being deleted.
  // Call before Recover.
  void UseSecurityGroups(SecurityGroups* security_groups);
  // For secret rotation (secret_rotation.h), over every running node of every group whose user
  // group has user: OK when user authenticates with password on each; how the passwords of
  // user older than its newest are still used (INFO auth's credential rows).
  absl::Status TestUserPassword(const UserRecord& user, const std::string& password);
  absl::StatusOr<OlderPasswordUse> OlderPasswordUseOf(const UserRecord& user);
  // The same for the auth token of group_id (its default user), over its nodes: an error when
  // the group does not authenticate with a token, or a node of it is not running.
  absl::Status TestAuthToken(const std::string& group_id, const std::string& token);
  absl::StatusOr<OlderPasswordUse> OlderAuthTokenUse(const std::string& group_id);
  // Sends group_id's users to its running nodes again, as they are now (what a node missed).
  absl::Status RepushUsers(const std::string& group_id);
  // Takes the nodes' ACL users from users' user groups (borrowed) and follows their changes.
  // Call before Recover.
  void UseUsers(Users* users);
  // Places nodes on the subnets of their group's cache subnet group (borrowed), and keeps a
  // subnet group in use from being deleted. Without one, nodes take any address of the range.
  void UseSubnetGroups(CacheSubnetGroups* subnet_groups);

  // Reads the stored groups and brings their nodes back (see above). Call once, before serving.
  absl::Status Recover();
  void StartSupervisor();

  // draft: the group as the request describes it (ids, roles, slots, settings), without
  // addresses. On success *created is the record as CreateReplicationGroup's reply shows it.
  std::optional<ApiError> Create(GroupRecord draft, GroupRecord* created);
  // On success *deleted is the record as DeleteReplicationGroup's reply shows it (`deleting`).
  // retain_primary (groups without cluster mode): the replicas go, the primary stays as a
  // standalone cache cluster (DescribeCacheClusters, DeleteCacheCluster).
  std::optional<ApiError> Delete(const std::string& id, bool retain_primary, GroupRecord* deleted);
  // DeleteCacheCluster: a standalone cache cluster (a member of a group is refused). On
  // success *deleted is its record (`deleting`).
  std::optional<ApiError> DeleteCacheCluster(const std::string& cluster_id, GroupRecord* deleted);

  // Starts the change (status modifying, the targets in the pending values) and returns at once
  // with the record as the reply shows it; a thread of its own applies it node by node.
  std::optional<ApiError> Modify(const std::string& id, const GroupModification& change,
                                 GroupRecord* modifying);

  // TestFailover: the node group's primary hands over to its first replica (CLUSTER FAILOVER
  // on the replica, or FAILOVER TO it without cluster mode, then the other replicas follow),
  // on a thread of its own as a modification is.
  std::optional<ApiError> TestFailover(const std::string& id, const std::string& node_group_id,
                                       GroupRecord* failing_over);

  // AddTagsToResource / RemoveTagsFromResource on group id (any status); *after: its tags.
  std::optional<ApiError> ChangeGroupTags(const std::string& id, const std::vector<TagRecord>& add,
                                          const std::vector<std::string>& remove,
                                          std::vector<TagRecord>* after);

  std::optional<GroupRecord> Find(const std::string& id) const;
  // Ordered by id; with_standalone: the cache clusters that outlived their groups too.
  std::vector<GroupRecord> All(bool with_standalone = false) const;

  void RecordEvent(const std::string& source_type, const std::string& source_id,
                   const std::string& message);
  absl::StatusOr<std::vector<EventRecord>> Events(const EventFilter& filter);

 private:
  // The group id, when it is available for `what` ("modified", "deleted"…); else null, with
  // *error the refusal (not found, or another operation running on it).
  GroupRecord* AvailableLocked(const std::string& id, std::string_view what,
                               std::optional<ApiError>* error);
  // Sets the status of group and its nodes (modifying also starts the dwell's clock).
  static void SetStatusLocked(GroupRecord& group, const char* status);
  NodeSpec SpecOf(const GroupRecord& group, const NodeRecord& node) const;
  // How the control plane reaches node: over TLS once the node has a certificate.
  NodeAddress AddressOf(const GroupRecord& group, const NodeRecord& node) const;
  // Issues node's certificate (for its address) and has its host write it with the key and the
  // CA; records the paths in *node. Outside the lock.
  absl::Status EnsureCertificate(const GroupRecord& group, NodeRecord* node);
  // Issues a new certificate for node and has its host write it (with the key and the CA)
  // under the names the last one did not use; records the paths and the times in *node.
  absl::Status IssueCertificate(const GroupRecord& group, NodeRecord* node);
  // Supervisor thread: renews the certificates that are two thirds through their life, on
  // running nodes (CONFIG SET of the new files: the node reloads them without a restart).
  void RenewCertificates();
  // The network-allow of group's nodes on port: empty (everyone) when it names no security
  // group, else the control plane's own source, the group's nodes (replication, MIGRATE) and
  // what the security groups' rules admit to TCP port.
  std::string NetworkAllowOf(const GroupRecord& group, int port) const;
  // Sends every running node of group its network-allow as the security groups now give it.
  absl::Status PushNetworkAllow(const GroupRecord& group);
  // A member of GroupRecord that lists resources by id (security_group_ids, user_group_ids).
  using IdList = std::vector<std::string> GroupRecord::*;
  // The groups whose `current` or `pending` list names id.
  std::vector<std::string> GroupsNaming(const std::string& id, IdList current,
                                        IdList pending) const;
  // A resource changed: (this->*push)(group) for every group whose `current` list names id
  // (not one being created, which pushes once formed, nor one being deleted), with an event
  // each saying that `what` was applied, or why not.
  void PushToGroupsNaming(const std::string& id, IdList current, const std::string& what,
                          absl::Status (ReplicationGroups::*push)(const GroupRecord&));
  // (this->*push) on the group at key as it is now, one push per group at a time: two changes
  // in a row (a rule authorized, then revoked) reach the nodes in that order, each push
  // computing what it sends from the state it finds, never from a copy taken before another
  // push ran. OK when the group is gone. Takes mu_ (briefly) and the group's push mutex.
  std::shared_ptr<std::mutex> PushMutexOf(const std::string& key);  // takes mu_
  absl::Status PushLive(const std::string& key,
                        absl::Status (ReplicationGroups::*push)(const GroupRecord&));
  // The ACL users of group's nodes, each as the arguments after ACL SETUSER (user name first):
  // the members of its user group, or the default user with the auth tokens (or none).
  std::vector<std::vector<std::string>> NodeUsersOf(const GroupRecord& group) const;
  // Makes every running node's users exactly NodeUsersOf(group): SETUSER each, DELUSER the
  // others (never the control plane's own user).
  absl::Status PushUsers(const GroupRecord& group);
  // Rewrites the hosts file's block with the names of every group as it is now.
  void PublishNamesLocked();
  // Runs fn on the stored node (under the lock) and saves the group; group_id: its RecordKey.
  void UpdateNode(const std::string& group_id, const std::string& cluster_id,
                  const std::function<void(NodeRecord&)>& fn);
  // The modification thread: applies the pending change of group id, then the dwell.
  void ApplyModification(const std::string& id);
  absl::Status ApplyTransit(const GroupRecord& group);
  absl::Status ApplyAuthToken(const GroupRecord& group);
  absl::Status ApplyFailover(const GroupRecord& group);
  absl::Status ApplySecurityGroups(const GroupRecord& group);
  absl::Status ApplyUserGroups(const GroupRecord& group);
  // With the tag redoubt:safe-required=true[:SECONDS]: waits until no node has a plaintext
  // client (or the timeout passes), with an event naming them at once and every minute.
  absl::Status WaitForPlaintextClients(const GroupRecord& group);
  // Starts the thread that applies group id's pending change. Requires: mu_ held.
  void StartWorkerLocked(const std::string& id);
  // Gives every node of draft an address whose ports are free, from its subnet group's
  // subnets; false when they are full.
  bool AssignAddressesLocked(GroupRecord* draft);
  absl::Status SaveLocked(const GroupRecord& group);
  // Stops and removes the nodes of group (outside the lock).
  void StopNodes(const GroupRecord& group);
  // The end of a deletion (group is its `deleting` record): its nodes stop and its record
  // goes, except the node it retains (retained_cluster_id), which becomes a standalone cache
  // cluster in the same write; that record, when there is one. Takes mu_.
  std::optional<GroupRecord> FinishDeletion(const GroupRecord& group);
  // Starts the nodes of group that have no process, records their pids; outside the lock.
  absl::Status StartNodes(GroupRecord* group);
  void SuperviseOnce();
  // A replica of primary's node group has a running process. Requires: mu_ held.
  bool HasRunningReplicaLocked(const GroupRecord& group, const NodeRecord& primary);
  // For a dead primary of a group with automatic failover and no cluster mode: queues the
  // promotion of a replica (pending_failover), started at once when the group is available,
  // after the modification in progress otherwise; (cluster id, message) for its event. false
  // when there is nothing to queue. Requires: mu_ held.
  bool QueuePromotionLocked(GroupRecord& group, const NodeRecord& primary,
                            std::vector<std::pair<std::string, std::string>>* events);
  // Whether a dead primary must stay down because a replica will replace it (restarted, it
  // would come back empty and its replicas would copy that). Requires: mu_ held.
  bool IsBeingReplacedLocked(const GroupRecord& group, const NodeRecord& primary);
  // The automatic failover's promotion (ApplyFailover): the running replica with the highest
  // replication offset becomes primary (REPLICAOF NO ONE), the others follow it.
  absl::Status PromoteReplica(const GroupRecord& group, const NodeRecord& old_primary,
                              const NodeRecord** promoted);
  // At start (Recover): sends every running node its network-allow and users as this control
  // plane makes them, so that nodes an older one started get its call source and the
  // restrictions on customer users.
  void RefreshNodeAccess();
  // The running nodes (with their groups) of the groups for which has(group) holds, none of
  // them being created or deleted.
  using GroupNodes = std::vector<std::pair<GroupRecord, NodeRecord>>;
  GroupNodes RunningNodesOf(const std::function<bool(const GroupRecord&)>& has);
  // The running nodes of the groups whose user group has user user_id.
  GroupNodes NodesWithUser(const std::string& user_id);
  // OK when user_name authenticates with password on every node of nodes.
  absl::Status TestPasswordOn(const GroupNodes& nodes, const std::string& user_name,
                              const std::string& password) const;
  // Over nodes: how user_name's passwords older than its newest are still used (INFO auth's
  // credential rows).
  absl::StatusOr<OlderPasswordUse> OlderPasswordUseOn(const GroupNodes& nodes,
                                                      const std::string& user_name) const;
  // Every node of group group_id, which authenticates with an auth token, running: error
  // otherwise (a test over fewer nodes would pass for the ones it skipped).
  absl::StatusOr<GroupNodes> TokenGroupNodes(const std::string& group_id);
  // Reads every node's role in cluster-mode groups and records the roles the cluster changed by
  // itself (an automatic failover, or CLUSTER FAILOVER sent to a node directly). Supervisor
  // thread only.
  void RefreshRoles();

  const GroupsOptions options_;
  StateStore& store_;
  NodeHost& host_;
  const std::shared_ptr<const CertificateAuthority> ca_;
  HostsFile* hosts_ = nullptr;
  SecurityGroups* security_groups_ = nullptr;
  Users* users_ = nullptr;
  CacheSubnetGroups* subnet_groups_ = nullptr;
  std::unique_ptr<tools::TlsClientContext> node_tls_;  // verifies nodes against ca_

  mutable std::mutex mu_;
  std::map<std::string, GroupRecord> groups_;  // by id
  // Per node (cache cluster id): when the supervisor may restart it next. A node that exits
  // again soon after a restart (its port taken, a bad config) waits twice as long each time,
  // up to 30 s, instead of being restarted four times a second with an event each.
  struct RestartBackoff {
    int64_t last_start_ms = 0;
    int64_t delay_ms = 0;
  };
  std::map<std::string, RestartBackoff> backoff_;
  // Per group: when a promotion of a replica that failed may be tried again (its dead primary
  // stays down meanwhile).
  static constexpr int64_t kPromotionRetryMs = 30000;
  std::map<std::string, int64_t> promotion_retry_ms_;
  // Per group (RecordKey): serialises PushLive's pushes of users and network rules.
  std::map<std::string, std::shared_ptr<std::mutex>> push_mutexes_;
  int64_t last_role_refresh_ms_ = 0;  // supervisor thread only
  // Per node: when its certificate's renewal may be tried again after a failure (supervisor
  // thread only).
  std::map<std::string, int64_t> renew_retry_ms_;
  bool stopping_ = false;
  std::condition_variable wake_supervisor_;
  std::thread supervisor_;
  // The modifications' threads: joined once finished, when the next one starts, and at
  // destruction.
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
  };
  std::vector<Worker> workers_;
};

}  // namespace redoubt::control
