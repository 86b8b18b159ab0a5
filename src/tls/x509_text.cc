// Text forms of X.509 fields; see x509_text.h.
#include "tls/x509_text.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>

#include <ctime>

#include "common/openssl_ptr.h"

namespace redoubt::tls {
namespace {

// The text a mem BIO holds; the BIO stays owned by the caller.
std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

}  // namespace

std::string FormatAsn1Time(const ASN1_TIME* t) {
  if (t == nullptr) {
    return {};
  }
  common::UniqueBio bio(BIO_new(BIO_s_mem()));
  std::string out;
  if (bio != nullptr && ASN1_TIME_print(bio.get(), t) == 1) {
    out = BioText(bio.get());
  }
  return out;
}

int64_t Asn1TimeToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return 0;
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string SerialHex(const ASN1_INTEGER* serial) {
  if (serial == nullptr) {
    return {};
  }
  common::UniqueBignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
  common::UniqueOpenSslBytes<char> hex(bn == nullptr ? nullptr : BN_bn2hex(bn.get()));
  return hex == nullptr ? std::string() : std::string(hex.get());
}

std::string NameToText(const X509_NAME* name) {
  if (name == nullptr) {
    return {};
  }
  common::UniqueBio bio(BIO_new(BIO_s_mem()));
  std::string out;
  if (bio != nullptr && X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) >= 0) {
    out = BioText(bio.get());
  }
  return out;
}

}  // namespace redoubt::tls
