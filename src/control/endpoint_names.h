// The DNS names of a group's endpoints, in ElastiCache's two formats under a configurable zone
// (ElastiCache's is REGION.cache.amazonaws.com):
//
//                  before in-transit encryption           with it (added at preferred)
//   configuration  ID.HASH.clustercfg.ZONE                clustercfg.ID.HASH.ZONE
//   primary        ID.HASH.ng.0001.ZONE                   master.ID.HASH.ZONE
//   reader         ID-ro.HASH.ng.0001.ZONE                replica.ID.HASH.ZONE
//   node           NODE.HASH.0001.ZONE                    NODE.ID.HASH.ZONE
//
// The plaintext-era names exist while the group is not encrypted or is in preferred; the TLS-era
// names while it is encrypted (preferred or required); a modification publishes the union of
// where it comes from and where it goes. Node certificates name the TLS-era names through the
// wildcard *.ID.HASH.ZONE.
//
// Thread: pure functions.
#pragma once

#include <string>
#include <vector>

#include "control/group_model.h"
#include "control/hosts_file.h"

namespace redoubt::control {

// The names Describe shows: the TLS-era ones once encryption is on, else the plaintext-era.
struct EndpointNames {
  std::string configuration;  // cluster mode
  std::string primary;        // cluster mode disabled
  std::string reader;
};
EndpointNames ShownNames(const GroupRecord& group, const std::string& zone);
std::string ShownNodeName(const GroupRecord& group, const NodeRecord& node,
                          const std::string& zone);

// *.ID.HASH.ZONE: what node certificates carry besides their addresses.
std::string CertificateWildcard(const GroupRecord& group, const std::string& zone);

// Every name the group publishes now, with its address: the configuration name resolves to every
// primary, the reader to every replica (the primary when there is none).
std::vector<HostsEntry> PublishedNames(const GroupRecord& group, const std::string& zone);

// A new HASH: six characters of a–z and 0–9.
std::string NewNameHash();

}  // namespace redoubt::control
