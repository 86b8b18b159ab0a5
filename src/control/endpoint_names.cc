// Endpoint names; see endpoint_names.h.
#include "control/endpoint_names.h"

#include <openssl/rand.h>

namespace redoubt::control {
namespace {

bool PlaintextEra(const GroupRecord& g) {
  const bool now = !g.transit_encryption || g.transit_encryption_mode == "preferred";
  const bool next =
      g.pending_transit && (!g.pending_transit_enabled || g.pending_transit_mode == "preferred");
  return now || next;
}

bool TlsEra(const GroupRecord& g) {
  return g.transit_encryption || (g.pending_transit && g.pending_transit_enabled);
}

std::string Suffix(const GroupRecord& g, const std::string& zone) {
  return g.id + "." + g.dns_hash + "." + zone;
}

struct AllNames {
  std::string configuration, primary, reader;
};

AllNames PlaintextNames(const GroupRecord& g, const std::string& zone) {
  return {g.id + "." + g.dns_hash + ".clustercfg." + zone,
          g.id + "." + g.dns_hash + ".ng.0001." + zone,
          g.id + "-ro." + g.dns_hash + ".ng.0001." + zone};
}

AllNames TlsNames(const GroupRecord& g, const std::string& zone) {
  return {"clustercfg." + Suffix(g, zone), "master." + Suffix(g, zone),
          "replica." + Suffix(g, zone)};
}

std::string PlaintextNodeName(const GroupRecord& g, const NodeRecord& n, const std::string& zone) {
  return n.cluster_id + "." + g.dns_hash + ".0001." + zone;
}

std::string TlsNodeName(const GroupRecord& g, const NodeRecord& n, const std::string& zone) {
  return n.cluster_id + "." + Suffix(g, zone);
}

}  // namespace

EndpointNames ShownNames(const GroupRecord& group, const std::string& zone) {
  const AllNames names =
      group.transit_encryption ? TlsNames(group, zone) : PlaintextNames(group, zone);
  return {names.configuration, names.primary, names.reader};
}

std::string ShownNodeName(const GroupRecord& group, const NodeRecord& node,
                          const std::string& zone) {
  return group.transit_encryption ? TlsNodeName(group, node, zone)
                                  : PlaintextNodeName(group, node, zone);
}

std::string CertificateWildcard(const GroupRecord& group, const std::string& zone) {
  return "*." + Suffix(group, zone);
}

std::vector<HostsEntry> PublishedNames(const GroupRecord& group, const std::string& zone) {
  std::vector<HostsEntry> entries;
  std::vector<const NodeRecord*> primaries;
  std::vector<const NodeRecord*> replicas;
  for (const NodeRecord& node : group.nodes) {
    (node.primary ? primaries : replicas).push_back(&node);
  }
  if (replicas.empty()) {
    replicas = primaries;
  }
  for (int era = 0; era < 2; ++era) {
    if (era == 0 ? !PlaintextEra(group) : !TlsEra(group)) {
      continue;
    }
    const AllNames names = era == 0 ? PlaintextNames(group, zone) : TlsNames(group, zone);
    if (group.cluster_enabled) {
      for (const NodeRecord* node : primaries) {
        entries.push_back({node->address, names.configuration});
      }
    } else {
      for (const NodeRecord* node : primaries) {
        entries.push_back({node->address, names.primary});
      }
      for (const NodeRecord* node : replicas) {
        entries.push_back({node->address, names.reader});
      }
    }
    for (const NodeRecord& node : group.nodes) {
      entries.push_back({node.address, era == 0 ? PlaintextNodeName(group, node, zone)
                                                : TlsNodeName(group, node, zone)});
    }
  }
  return entries;
}

std::string NewNameHash() {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[6];
  RAND_bytes(bytes, sizeof bytes);
  std::string hash;
  for (unsigned char b : bytes) {
    hash += kAlphabet[b % 36];
  }
  return hash;
}

}  // namespace redoubt::control
