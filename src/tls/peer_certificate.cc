// Peer identity from a verified certificate; see peer_certificate.h.
#include "tls/peer_certificate.h"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>

#include "common/openssl_ptr.h"
#include "tls/x509_text.h"

namespace redoubt::tls {
namespace {

// The DER encoding of an OpenSSL object, or empty when it cannot be encoded.
template <typename T, typename Encode>
std::string Der(const T* object, Encode encode) {
  unsigned char* der = nullptr;
  int len = encode(object, &der);
  common::UniqueOpenSslBytes<unsigned char> owned(der);
  return len > 0 ? std::string(reinterpret_cast<const char*>(der), static_cast<size_t>(len))
                 : std::string();
}

// A subject may hold several CNs; the last one is the most specific (X.501 order, printed
// first by RFC 2253), which is the one clients and CAs mean.
std::string CommonName(const X509_NAME* name) {
  int index = -1;
  int count = 0;
  for (int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1); i >= 0;
       i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) {
    index = i;
    ++count;
  }
  // Several CNs ("CN=alice, CN=bob") name no one in particular: which would map to an ACL
  // user is a matter of convention, so none does.
  if (index < 0 || count > 1) {
    return {};
  }
  const ASN1_STRING* value = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  int len = ASN1_STRING_to_UTF8(&utf8, value);
  common::UniqueOpenSslBytes<unsigned char> owned(utf8);
  std::string out;
  if (len > 0) {
    out.assign(reinterpret_cast<const char*>(utf8), static_cast<size_t>(len));
  }
  // "admin\0.example.com" must not read as "admin" wherever the name meets a C string (logs,
  // ACL user names): a CN with a NUL byte is no identity at all.
  if (out.find('\0') != std::string::npos) {
    out.clear();
  }
  return out;
}

}  // namespace

PeerCertificate DescribePeerCertificate(const X509* cert) {
  PeerCertificate peer;
  if (cert == nullptr) {
    return peer;
  }
  peer.present = true;
  const X509_NAME* subject = X509_get_subject_name(cert);
  const X509_NAME* issuer = X509_get_issuer_name(cert);
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  peer.subject = NameToText(subject);
  peer.issuer = NameToText(issuer);
  peer.common_name = CommonName(subject);
  peer.serial_hex = SerialHex(serial);
  peer.not_after_unix = Asn1TimeToUnix(X509_get0_notAfter(cert));
  peer.issuer_der =
      Der(issuer, [](const X509_NAME* n, unsigned char** out) { return i2d_X509_NAME(n, out); });
  peer.serial_der = Der(
      serial, [](const ASN1_INTEGER* s, unsigned char** out) { return i2d_ASN1_INTEGER(s, out); });
  return peer;
}

}  // namespace redoubt::tls
