// The control plane's own CA: it signs the nodes' certificates when a group's in-transit
// encryption is turned on. Kept in DATA/ca/ (ca.crt, and ca.key readable by the control plane
// only), made on first use: ECDSA P-256, ten years. Node certificates are P-256 by default (a
// full handshake costs the server ~25 µs of signing, against ~300 µs with RSA-2048), RSA-2048 on
// request, and name every address and name a client may reach the node by (IP and DNS SANs),
// for serverAuth and clientAuth: the node presents the same certificate on its replication and
// cluster-bus links.
//
// Thread: immutable after LoadOrCreate; Issue may be called from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/openssl_ptr.h"

namespace redoubt::control {

struct IssuedCertificate {
  std::string cert_pem;
  std::string key_pem;
  int64_t not_after_ms = 0;
};

struct CertificateRequest {
  std::string common_name;
  std::vector<std::string> ip_addresses;
  std::vector<std::string> dns_names;
  int64_t valid_seconds = 365 * 86400;
  bool rsa = false;  // RSA-2048 instead of ECDSA P-256
};

class CertificateAuthority {
 public:
  // Loads dir/ca.crt and dir/ca.key, or makes and writes them when neither exists.
  static absl::StatusOr<std::shared_ptr<const CertificateAuthority>> LoadOrCreate(
      const std::string& dir);

  absl::StatusOr<IssuedCertificate> Issue(const CertificateRequest& request) const;

  // The CA's certificate file, for the clients' trust, and its PEM, which every node's host
  // gets as its tls-ca-cert-file.
  const std::string& ca_file() const { return ca_file_; }
  const std::string& ca_pem() const { return ca_pem_; }

 private:
  CertificateAuthority(common::UniqueX509 cert, common::UniqueEvpPkey key, std::string ca_file,
                       std::string ca_pem)
      : cert_(std::move(cert)),
        key_(std::move(key)),
        ca_file_(std::move(ca_file)),
        ca_pem_(std::move(ca_pem)) {}

  common::UniqueX509 cert_;
  common::UniqueEvpPkey key_;
  std::string ca_file_;
  std::string ca_pem_;
};

}  // namespace redoubt::control
