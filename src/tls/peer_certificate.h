// Who a TLS client is: the identity read from its certificate once the handshake has verified
// it. The audit log, CLIENT LIST and (later) the certificate-to-user mapping read the text
// fields; TlsContext::IsRevoked reads the binary ones to find connections whose certificate a
// newly loaded CRL revokes.
//
// Thread: a plain value; copy it freely between threads.
#pragma once

#include <openssl/x509.h>

#include <cstdint>
#include <string>

namespace redoubt::tls {

struct PeerCertificate {
  // False when the client sent no certificate (tls-auth-clients no, or optional and none
  // sent); every other field is then empty or 0.
  bool present = false;
  std::string subject;      // one-line RFC 2253 form, as CertificateInfo::subject
  std::string issuer;       // same form, of the issuer
  std::string common_name;  // the subject's CN, UTF-8; empty if it has none, more than one,
                            // or one holding a NUL byte (not a usable identity)
  std::string serial_hex;   // upper-case hex, as CertificateInfo::serial_hex
  int64_t not_after_unix = 0;

  // What TlsContext::IsRevoked compares against a CRL (byte strings, not text): the DER of the
  // issuer's name and the DER of the serial number (an ASN.1 INTEGER).
  std::string issuer_der;
  std::string serial_der;

  bool operator==(const PeerCertificate&) const = default;
};

// The identity of cert (borrowed); present is false when cert is null.
PeerCertificate DescribePeerCertificate(const X509* cert);

}  // namespace redoubt::tls
