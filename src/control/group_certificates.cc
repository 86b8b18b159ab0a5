// The replication groups' node certificates (replication_groups.h): issued by the control
// plane's CA when a node's in-transit encryption is first turned on, for the node's address and
// the group's wildcard name, and renewed before they expire. A renewal writes the new pair under
// the other of two names (node.crt/node.key and node-1.crt/node-1.key), so that the files a
// running node uses are never overwritten, then points the node at them with CONFIG SET, which
// loads and checks the pair and keeps the old one when it does not load. Connections open
// before keep their session; new handshakes get the new certificate.
#include "common/clock.h"
#include "control/endpoint_names.h"
#include "control/iso_time.h"
#include "control/replication_groups.h"

namespace redoubt::control {

absl::Status ReplicationGroups::EnsureCertificate(const GroupRecord& group, NodeRecord* node) {
  return node->tls_cert_file.empty() ? IssueCertificate(group, node) : absl::OkStatus();
}

absl::Status ReplicationGroups::IssueCertificate(const GroupRecord& group, NodeRecord* node) {
  if (!ca_) {
    return absl::FailedPreconditionError("this control plane has no CA");
  }
  CertificateRequest request;
  request.common_name = node->cluster_id;
  request.ip_addresses = {node->address};
  request.dns_names = {CertificateWildcard(group, options_.dns_zone)};
  request.valid_seconds = options_.node_cert_seconds;
  request.rsa = options_.node_cert_rsa;
  const int64_t issued_ms = common::UnixMillis();
  absl::StatusOr<IssuedCertificate> issued = ca_->Issue(request);
  if (!issued.ok()) {
    return issued.status();
  }
  // The first certificate is node.*, the next node-1.*, then node.* again.
  const int64_t generation = node->tls_cert_file.empty() ? 0 : node->tls_cert_generation + 1;
  const std::string base = generation % 2 == 0 ? "node" : "node-1";
  absl::StatusOr<std::string> key =
      host_.WriteNodeFile(node->cluster_id, base + ".key", issued->key_pem, 0600);
  absl::StatusOr<std::string> cert =
      host_.WriteNodeFile(node->cluster_id, base + ".crt", issued->cert_pem, 0644);
  absl::StatusOr<std::string> ca =
      host_.WriteNodeFile(node->cluster_id, "ca.crt", ca_->ca_pem(), 0644);
  for (const absl::StatusOr<std::string>* written : {&key, &cert, &ca}) {
    if (!written->ok()) {
      return written->status();
    }
  }
  node->tls_key_file = *key;
  node->tls_cert_file = *cert;
  node->tls_ca_file = *ca;
  node->tls_cert_issued_ms = issued_ms;
  node->tls_cert_not_after_ms = issued->not_after_ms;
  node->tls_cert_generation = generation;
  return absl::OkStatus();
}

void ReplicationGroups::RenewCertificates() {
  const int64_t now = common::UnixMillis();
  std::vector<std::pair<GroupRecord, std::string>> due;  // group, cluster id
  {
    std::lock_guard lock(mu_);
    for (const auto& [id, group] : groups_) {
      if (group.status == kStatusCreating || group.status == kStatusDeleting) {
        continue;
      }
      for (const NodeRecord& node : group.nodes) {
        // Two thirds through its life (a certificate from before lives were recorded: now).
        const int64_t renew_at = node.tls_cert_issued_ms +
                                 (node.tls_cert_not_after_ms - node.tls_cert_issued_ms) * 2 / 3;
        if (!node.tls_cert_file.empty() && node.pid != 0 && now >= renew_at &&
            now >= renew_retry_ms_[node.cluster_id]) {
          due.emplace_back(group, node.cluster_id);
        }
      }
    }
  }
  for (auto& [group, cluster_id] : due) {
    NodeRecord renewed = *group.FindNode(cluster_id);
    absl::Status s = IssueCertificate(group, &renewed);
    if (s.ok()) {
      absl::StatusOr<tools::RespReply> reply =
          CallNode(AddressOf(group, *group.FindNode(cluster_id)),
                   {"CONFIG", "SET", "tls-cert-file", renewed.tls_cert_file, "tls-key-file",
                    renewed.tls_key_file});
      s = reply.ok() ? absl::OkStatus() : reply.status();
    }
    if (!s.ok()) {
      renew_retry_ms_[cluster_id] = now + 60000;
      RecordEvent(
          kSourceCluster, cluster_id,
          "Certificate renewal failed (tried again in a minute): " + std::string(s.message()));
      continue;
    }
    UpdateNode(RecordKey(group), cluster_id, [&](NodeRecord& node) {
      node.tls_cert_file = renewed.tls_cert_file;
      node.tls_key_file = renewed.tls_key_file;
      node.tls_cert_issued_ms = renewed.tls_cert_issued_ms;
      node.tls_cert_not_after_ms = renewed.tls_cert_not_after_ms;
      node.tls_cert_generation = renewed.tls_cert_generation;
    });
    RecordEvent(kSourceCluster, cluster_id,
                "Certificate renewed, valid until " + FormatIsoTime(renewed.tls_cert_not_after_ms));
  }
}

}  // namespace redoubt::control
