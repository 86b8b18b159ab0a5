// The certificate revocation lists of tls-crl-file: read from PEM, each checked to be signed by
// one of the configured CAs, described for INFO ssl, and asked whether a certificate is revoked
// (so that connections made before a CRL reload can be checked against the new lists).
//
// Thread: immutable after Load(). IsRevoked() and info() may be called from any thread: the
// revoked entries are sorted at load, so lookups only read (OpenSSL would otherwise sort them
// on first use).
#pragma once

#include <absl/status/statusor.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/openssl_ptr.h"

namespace redoubt::tls {

// What INFO ssl shows about the loaded CRLs. With several CRLs, each field describes the worst
// case: the oldest lastUpdate and the earliest nextUpdate (the first to go stale).
struct CrlInfo {
  int count = 0;            // CRLs loaded; 0 when tls-crl-file is not set
  std::string last_update;  // "Mar 20 23:27:07 2017 GMT", as CertificateInfo prints dates
  std::string next_update;  // empty when no CRL has a nextUpdate (then none ever expires)
  int64_t last_update_unix = 0;
  int64_t next_update_unix = 0;  // 0 when next_update is empty
  int64_t revoked = 0;           // revoked serials, summed over the CRLs
  // As of TlsContext::crl_info(): now is past next_update. With tls-crl-expired-policy
  // reject, every client certificate that CRL covers is refused until a fresh one is loaded.
  bool expired = false;

  bool ExpiredAt(int64_t now_unix) const {
    return next_update_unix != 0 && now_unix > next_update_unix;
  }
};

class CrlSet {
 public:
  // Reads every CRL in path (PEM; one or more, in any order) and checks that each is signed
  // by a CA in trust, found by the CRL's issuer name. Requires: trust already holds the CAs of
  // tls-ca-cert-file / tls-ca-cert-dir; it is only read (a tls-ca-cert-dir lookup caches the
  // CA it finds in it, as a handshake would).
  // Errors:
  //   "can't read tls-crl-file '<path>': <system reason>"
  //   "no CRL found in tls-crl-file '<path>': <OpenSSL reason>"
  //   "can't read CRL from tls-crl-file '<path>': <OpenSSL reason>"
  //   "CRL in tls-crl-file '<path>' is not issued by a configured CA (issuer: <name>)"
  //     (no CA of that name, or none whose key verifies the CRL's signature; the latter adds
  //     "; its signature does not verify with that CA's key" inside the parentheses)
  //   "the CA '<name>' may not sign CRLs (its keyUsage lacks cRLSign), so the CRL in
  //    tls-crl-file '<path>' cannot be used"
  static absl::StatusOr<std::unique_ptr<const CrlSet>> Load(const std::string& path,
                                                            X509_STORE* trust);
  CrlSet(const CrlSet&) = delete;
  CrlSet& operator=(const CrlSet&) = delete;

  // Adds every CRL to store, which keeps its own references.
  [[nodiscard]] bool AddTo(X509_STORE* store) const;

  // True when a loaded CRL whose issuer is issuer_der lists serial_der (both DER, as in
  // PeerCertificate). Entries with the removeFromCRL reason (delta CRLs only) do not count.
  // Bytes that do not decode give false.
  bool IsRevoked(std::string_view issuer_der, std::string_view serial_der) const;

  // Fields as of now_unix (expired is computed, the rest was read at load).
  CrlInfo InfoAt(int64_t now_unix) const;
  // SHA-256 over the DER of every CRL in file order: two sets with the same digest revoke
  // the same certificates.
  const std::string& digest() const { return digest_; }

 private:
  CrlSet(std::vector<common::UniqueX509Crl> crls, CrlInfo info, std::string digest)
      : crls_(std::move(crls)), info_(std::move(info)), digest_(std::move(digest)) {}

  const std::vector<common::UniqueX509Crl> crls_;
  const CrlInfo info_;
  const std::string digest_;
};

}  // namespace redoubt::tls
