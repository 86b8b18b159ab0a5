// The XML shapes of ElastiCache's replies about groups: ReplicationGroup, CacheCluster and Event,
// member by member as the service model (and the real service) writes them. Cluster-mode groups
// have a configuration endpoint and slots per node group; groups without cluster mode have a
// primary and a reader endpoint and each member's role.
//
// Thread: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "control/group_model.h"
#include "control/xml_writer.h"

namespace redoubt::control {

// The region and account resources are named in.
struct ServiceScope {
  std::string region;
  std::string account;
  // The zone of the endpoint names clients resolve (endpoint_names.h); empty when no names are
  // published, and endpoints are the nodes' addresses.
  std::string dns_zone;

  // arn:aws:elasticache:REGION:ACCOUNT:RESOURCE (RESOURCE as replicationgroup:ID).
  std::string Arn(std::string_view resource) const {
    return "arn:aws:elasticache:" + region + ":" + account + ":" + std::string(resource);
  }
  // The availability zone nodes are shown in: the nodes of one machine are one zone.
  std::string Zone() const { return region + "a"; }
};

void WriteReplicationGroup(XmlWriter& xml, const GroupRecord& group, const ServiceScope& scope);
void WriteCacheCluster(XmlWriter& xml, const GroupRecord& group, const NodeRecord& node,
                       bool show_node_info, const ServiceScope& scope);
void WriteEvent(XmlWriter& xml, const EventRecord& event);

}  // namespace redoubt::control
