// What the control plane knows of a replication group and its nodes: the records the API
// describes, the state store keeps (as JSON documents) and the orchestration changes. A group is
// node groups (shards: one with cluster mode disabled) of one primary and its replicas; each
// node is a cache cluster in ElastiCache's terms (CacheClusterId rg-0001-002, one cache node
// "0001"), a redoubt-server on an address of its own.
//
// Thread: values; ReplicationGroups guards the live ones.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace redoubt::control {

// ElastiCache's statuses, as DescribeReplicationGroups writes them.
inline constexpr char kStatusCreating[] = "creating";
inline constexpr char kStatusAvailable[] = "available";
inline constexpr char kStatusModifying[] = "modifying";
inline constexpr char kStatusDeleting[] = "deleting";

struct NodeRecord {
  std::string cluster_id;     // CacheClusterId: rg-0001-001 (cluster mode), rg-001 (not)
  std::string node_group_id;  // 0001
  std::string address;        // its own loopback address
  int port = 6379;
  bool primary = false;  // the role it was given or last reported
  std::string status = kStatusAvailable;
  int64_t pid = 0;  // of its process, 0 when not running
  int64_t create_time_ms = 0;
  // Its transport, as last applied (a restart by the supervisor starts it so): tls-mode, and
  // whether its replication and cluster-bus links use TLS (tls-replication, tls-cluster).
  std::string tls_mode = "none";
  bool tls_links = false;
  // Its certificate, key and the CA, as its host wrote them (empty before TLS was first on).
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_ca_file;
  // The certificate's life (issued, expires) and how many it has had: files alternate between
  // two names, so that a renewal never overwrites the pair the node is using.
  int64_t tls_cert_issued_ms = 0;
  int64_t tls_cert_not_after_ms = 0;
  int64_t tls_cert_generation = 0;
};

struct NodeGroupRecord {
  std::string id;     // 0001
  std::string slots;  // "0-8191" (cluster mode), empty otherwise
};

struct TagRecord {
  std::string key;
  std::string value;
};
// Its JSON form, for every record that has tags.
void to_json(nlohmann::json& json, const TagRecord& tag);
void from_json(const nlohmann::json& json, TagRecord& tag);

struct GroupRecord {
  std::string id;
  // A cache cluster that outlived its replication group (DeleteReplicationGroup with
  // RetainPrimaryCluster): its one node, the old primary, keeps the group's settings and `id`
  // (its names and certificate carry it), but it is no replication group any more.
  bool standalone = false;
  // While deleting with RetainPrimaryCluster: the node that stays, as the standalone cache
  // cluster (recorded before anything stops, so that a restart finishes the same deletion).
  std::string retained_cluster_id;
  std::string description;
  std::string status = kStatusCreating;
  std::string node_type;
  std::string engine = "redis";
  std::string engine_version = "7.0";
  std::string parameter_group;
  std::string subnet_group;
  bool cluster_enabled = false;
  bool automatic_failover = false;
  bool multi_az = false;
  bool transit_encryption = false;
  std::string transit_encryption_mode;  // "preferred" / "required" when encrypted
  int port = 6379;
  int64_t maxmemory = 0;
  int64_t create_time_ms = 0;
  std::string dns_hash;  // the HASH of its endpoint names (endpoint_names.h)
  // A ModifyReplicationGroup being applied (status modifying): what it moves to and when it
  // began (the dwell is counted from there; a restarted control plane resumes it).
  // The auth tokens the nodes accept (the default user's passwords), oldest first: two during a
  // ROTATE, none when AUTH is off. Kept in the state file (mode 0600) as the nodes' configs
  // keep them.
  std::vector<std::string> auth_tokens;
  int64_t auth_token_modified_ms = 0;
  // An auth token change being applied: ROTATE, SET or DELETE, and the new token.
  std::string pending_auth_strategy;
  std::string pending_auth_token;
  // TestFailover being applied: the node group whose primary hands over to a replica.
  std::string pending_failover;
  // The failover is the supervisor's, because the primary's process exited (without cluster
  // mode, with automatic failover): the most advanced replica is promoted.
  bool pending_failover_automatic = false;
  // The password of the control plane's own ACL user on the nodes (users.h,
  // kServiceUserName), which replication links and the control plane's calls authenticate
  // with; empty for groups created before it existed (they use the auth tokens).
  std::string service_password;
  // New UserGroupIds being applied.
  bool pending_user_groups = false;
  std::vector<std::string> pending_user_group_ids;
  // New SecurityGroupIds being applied.
  bool pending_security_groups = false;
  std::vector<std::string> pending_security_group_ids;
  bool pending_transit = false;
  bool pending_transit_enabled = false;
  std::string pending_transit_mode;
  int64_t modify_started_ms = 0;
  std::vector<NodeGroupRecord> node_groups;
  std::vector<NodeRecord> nodes;
  std::vector<TagRecord> tags;
  std::vector<std::string> security_group_ids;
  std::vector<std::string> user_group_ids;

  // The primary of a node group, or null while it has none.
  const NodeRecord* PrimaryOf(const std::string& node_group_id) const;
  const NodeRecord* FindNode(const std::string& cluster_id) const;
  NodeRecord* FindNode(const std::string& cluster_id);
};

// AddTagsToResource and RemoveTagsFromResource on a resource's tags: adds (or replaces the
// value of) each tag of add, then removes the keys of remove.
void ChangeTags(std::vector<TagRecord>* tags, const std::vector<TagRecord>& add,
                const std::vector<std::string>& remove);

// A line of DescribeEvents.
struct EventRecord {
  int64_t time_ms = 0;
  std::string source_type;  // replication-group, cache-cluster, …
  std::string source_id;
  std::string message;
};

// The key of a record in the control plane's map and state store: the group's id, or for a
// standalone cache cluster "cluster:" and its cache cluster id (':' is in no group id).
std::string RecordKey(const GroupRecord& group);

// The JSON document the state store keeps for a group; ParseGroupJson fails on a document that
// is not one (a member of the wrong type), and reads missing members as their defaults.
std::string GroupToJson(const GroupRecord& group);
absl::StatusOr<GroupRecord> ParseGroupJson(std::string_view text);

}  // namespace redoubt::control
