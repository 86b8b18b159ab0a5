// EC2 security groups, the part of them a cache's users script: named sets of ingress rules
// (protocol, port range, source CIDR) that replication groups name in SecurityGroupIds. A node
// admits a client when a rule of one of its replication group's security groups lets TCP reach
// the node's port from the client's address: the rules become the node's network-allow
// (ReplicationGroups adds the control plane's own source and the group's nodes, which AWS's
// service traffic does not pass through security groups either). A replication group that
// names no security group admits every source.
//
// Only CIDR sources: a rule whose source is another security group or a prefix list is refused
// (InvalidParameterValue), since nothing here gives such a source addresses.
//
// Thread: safe; one mutex guards the records. The change listener (the replication groups,
// which push changed rules to their nodes) is called after it is released.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/state_store.h"

namespace redoubt::control {

// The VPC of groups created without VpcId: this control plane has one network.
inline constexpr char kDefaultVpcId[] = "vpc-0000000000000000d";

struct IngressRule {
  std::string protocol = "tcp";  // tcp, udp, icmp, icmpv6, or -1 (every protocol)
  int from_port = -1;            // -1 with protocol -1
  int to_port = -1;
  std::string cidr;  // the source, IPv4 or IPv6, canonical (host bits zero)
  std::string description;
  std::string rule_id;  // sgr-…, given when it is added

  // The same rule as EC2 compares them: protocol, ports and source (not the description).
  bool SameAs(const IngressRule& other) const;
  // Lets TCP reach port.
  bool AdmitsTcpTo(int port) const;
  // As EC2's InvalidPermission errors describe a rule.
  std::string Describe() const;
};

struct SecurityGroupRecord {
  std::string id;  // sg- and 17 hex digits
  std::string name;
  std::string description;
  std::string vpc_id;
  std::vector<TagRecord> tags;
  std::vector<IngressRule> ingress;
};

// text as a CIDR block with its host bits cleared ("10.1.2.3/8" → "10.0.0.0/8"), or nullopt
// when it is not one.
std::optional<std::string> CanonicalCidr(std::string_view text);

class SecurityGroups {
 public:
  explicit SecurityGroups(StateStore& store) : store_(store) {}

  // Reads the stored groups; call once, before serving.
  absl::Status Load();

  // Called with a group's id after its rules changed.
  void OnRulesChanged(std::function<void(const std::string&)> listener) {
    rules_changed_ = std::move(listener);
  }
  // The replication groups naming a security group (DeleteSecurityGroup refuses while any do).
  void SetUsersOf(std::function<std::vector<std::string>(const std::string&)> users_of) {
    users_of_ = std::move(users_of);
  }

  // draft: name, description, VPC and tags; on success *created has its id.
  std::optional<ApiError> Create(SecurityGroupRecord draft, SecurityGroupRecord* created);
  std::optional<ApiError> Delete(const std::string& id);
  // Adds rules (none of which may exist already) and gives them ids in *added.
  std::optional<ApiError> Authorize(const std::string& id, std::vector<IngressRule> rules,
                                    std::vector<IngressRule>* added);
  // Removes rules, every one of which must exist.
  std::optional<ApiError> Revoke(const std::string& id, const std::vector<IngressRule>& rules);

  // The id of the group named by id or, without one, by name (in the default VPC), or EC2's
  // error: neither given, a malformed id, no such group.
  std::optional<ApiError> Resolve(const std::optional<std::string>& id,
                                  const std::optional<std::string>& name,
                                  std::string* resolved) const;
  std::optional<SecurityGroupRecord> Find(const std::string& id) const;
  std::vector<SecurityGroupRecord> All() const;  // ordered by id

  // The sources the rules of groups ids let reach TCP port `port`, each once, in rule order.
  // Ids that name no group add nothing.
  std::vector<std::string> SourcesAdmitted(const std::vector<std::string>& ids, int port) const;

 private:
  absl::Status SaveLocked(const SecurityGroupRecord& group);
  void NotifyChanged(const std::string& id) const;

  StateStore& store_;
  std::function<void(const std::string&)> rules_changed_;
  std::function<std::vector<std::string>(const std::string&)> users_of_;
  mutable std::mutex mu_;
  std::map<std::string, SecurityGroupRecord> groups_;  // by id
};

// The EC2 errors shared by the operations and their request readers.
ApiError SecurityGroupNotFound(const std::string& id_or_name);
ApiError MalformedSecurityGroupId(const std::string& id);

}  // namespace redoubt::control
