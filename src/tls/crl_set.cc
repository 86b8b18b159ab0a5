// Certificate revocation lists; see crl_set.h.
#include "tls/crl_set.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tls/tls_context.h"
#include "tls/x509_text.h"

namespace redoubt::tls {
namespace {

using CrlList = std::vector<common::UniqueX509Crl>;

std::string Quoted(const std::string& path) {
  return "tls-crl-file '" + path + "'";
}

bool IsEndOfPem() {
  unsigned long code = ERR_peek_last_error();
  return ERR_GET_LIB(code) == ERR_LIB_PEM && ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
}

// Every CRL in the file. PEM blocks of other kinds (a certificate kept beside the CRL) are
// skipped by OpenSSL's reader, as `openssl crl` does.
absl::Status ReadCrls(const std::string& path, CrlList* out) {
  if (access(path.c_str(), R_OK) != 0) {
    return absl::InvalidArgumentError("can't read " + Quoted(path) + ": " + std::strerror(errno));
  }
  common::UniqueBio bio(BIO_new_file(path.c_str(), "r"));
  if (bio == nullptr) {
    return absl::InvalidArgumentError("can't read " + Quoted(path) + ": " + TakeOpenSslError());
  }
  for (;;) {
    common::UniqueX509Crl crl(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
    if (crl != nullptr) {
      out->push_back(std::move(crl));
      continue;
    }
    if (!out->empty() && IsEndOfPem()) {
      ERR_clear_error();
      return absl::OkStatus();
    }
    if (out->empty() && IsEndOfPem()) {
      return absl::InvalidArgumentError("no CRL found in " + Quoted(path) + ": " +
                                        TakeOpenSslError());
    }
    return absl::InvalidArgumentError("can't read CRL from " + Quoted(path) + ": " +
                                      TakeOpenSslError());
  }
}

// The CRL must be signed by a configured CA: one loaded from another CA's file would revoke
// nothing (OpenSSL matches CRLs to certificates by issuer), and one whose signature does not
// verify would make every handshake of that CA's clients fail. Both are refused now, with the
// issuer named, rather than found by clients.
absl::Status CheckIssuer(X509_CRL* crl, X509_STORE* trust, const std::string& path) {
  const X509_NAME* issuer = X509_CRL_get_issuer(crl);
  std::string issuer_text = NameToText(issuer);
  STACK_OF(X509)* cas = nullptr;
  {
    common::UniqueX509StoreCtx lookup(X509_STORE_CTX_new());
    if (lookup == nullptr || X509_STORE_CTX_init(lookup.get(), trust, nullptr, nullptr) != 1) {
      return absl::InternalError("can't check the CRL issuer: " + TakeOpenSslError());
    }
    // Several CAs may share a name (a CA renewed with a new key): any of them may have signed.
    cas = X509_STORE_CTX_get1_certs(lookup.get(), issuer);
  }
  bool named = false;
  X509* signer = nullptr;
  for (int i = 0; cas != nullptr && i < sk_X509_num(cas); ++i) {
    X509* ca = sk_X509_value(cas, i);
    named = true;
    EVP_PKEY* key = X509_get0_pubkey(ca);
    if (key != nullptr && X509_CRL_verify(crl, key) == 1) {
      signer = ca;
      break;
    }
  }
  // X509_get_key_usage is all bits when the CA has no keyUsage extension (any use allowed).
  bool may_sign_crls = signer != nullptr && (X509_get_key_usage(signer) & KU_CRL_SIGN) != 0;
  sk_X509_pop_free(cas, X509_free);
  ERR_clear_error();
  if (signer == nullptr) {
    return absl::InvalidArgumentError(
        "CRL in " + Quoted(path) + " is not issued by a configured CA (issuer: " + issuer_text +
        (named ? "; its signature does not verify with that CA's key)" : ")"));
  }
  if (!may_sign_crls) {
    return absl::InvalidArgumentError("the CA '" + issuer_text +
                                      "' may not sign CRLs (its keyUsage lacks cRLSign), so the "
                                      "CRL in " +
                                      Quoted(path) + " cannot be used");
  }
  return absl::OkStatus();
}

CrlInfo Describe(const CrlList& crls) {
  CrlInfo info;
  info.count = static_cast<int>(crls.size());
  for (const common::UniqueX509Crl& crl : crls) {
    const ASN1_TIME* last = X509_CRL_get0_lastUpdate(crl.get());
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get());
    int64_t last_unix = Asn1TimeToUnix(last);
    if (info.last_update.empty() || last_unix < info.last_update_unix) {
      info.last_update = FormatAsn1Time(last);
      info.last_update_unix = last_unix;
    }
    // nextUpdate is optional (RFC 5280 requires it, OpenSSL does not): a CRL without one
    // never expires and so cannot be the first to.
    if (next != nullptr) {
      int64_t next_unix = Asn1TimeToUnix(next);
      if (info.next_update.empty() || next_unix < info.next_update_unix) {
        info.next_update = FormatAsn1Time(next);
        info.next_update_unix = next_unix;
      }
    }
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
    info.revoked += revoked == nullptr ? 0 : sk_X509_REVOKED_num(revoked);
  }
  return info;
}

std::string Digest(const CrlList& crls) {
  common::UniqueEvpMdCtx md(EVP_MD_CTX_new());
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok = md != nullptr && EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr) == 1;
  for (const common::UniqueX509Crl& crl : crls) {
    unsigned char* der = nullptr;
    int der_len = i2d_X509_CRL(crl.get(), &der);
    common::UniqueOpenSslBytes<unsigned char> owned(der);
    ok = ok && der_len > 0 && EVP_DigestUpdate(md.get(), der, static_cast<size_t>(der_len)) == 1;
  }
  ok = ok && EVP_DigestFinal_ex(md.get(), out, &len) == 1;
  ERR_clear_error();
  return ok ? std::string(reinterpret_cast<const char*>(out), len) : std::string();
}

// OpenSSL sorts a CRL's revoked entries on the first lookup, under the CRL's lock but after an
// unlocked "is it sorted?" check; one lookup now, before any other thread sees the CRL, leaves
// nothing to sort later.
void SortRevoked(X509_CRL* crl) {
  common::UniqueAsn1Integer zero(ASN1_INTEGER_new());
  X509_REVOKED* ignored = nullptr;
  if (zero != nullptr) {
    X509_CRL_get0_by_serial(crl, &ignored, zero.get());
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<const CrlSet>> CrlSet::Load(const std::string& path,
                                                           X509_STORE* trust) {
  ERR_clear_error();
  CrlList list;
  if (absl::Status st = ReadCrls(path, &list); !st.ok()) {
    return st;
  }
  for (const common::UniqueX509Crl& crl : list) {
    if (absl::Status st = CheckIssuer(crl.get(), trust, path); !st.ok()) {
      return st;
    }
    SortRevoked(crl.get());
  }
  CrlInfo info = Describe(list);
  std::string digest = Digest(list);
  if (digest.empty()) {
    return absl::InternalError("can't digest the CRLs in " + Quoted(path));
  }
  return std::unique_ptr<const CrlSet>(new CrlSet(std::move(list), info, std::move(digest)));
}

bool CrlSet::AddTo(X509_STORE* store) const {
  for (const common::UniqueX509Crl& crl : crls_) {
    if (X509_STORE_add_crl(store, crl.get()) != 1) {
      return false;
    }
  }
  return true;
}

bool CrlSet::IsRevoked(std::string_view issuer_der, std::string_view serial_der) const {
  const auto* p = reinterpret_cast<const unsigned char*>(issuer_der.data());
  common::UniqueX509Name issuer(d2i_X509_NAME(nullptr, &p, static_cast<long>(issuer_der.size())));
  const auto* q = reinterpret_cast<const unsigned char*>(serial_der.data());
  common::UniqueAsn1Integer serial(
      d2i_ASN1_INTEGER(nullptr, &q, static_cast<long>(serial_der.size())));
  bool revoked = false;
  if (issuer != nullptr && serial != nullptr) {
    for (const common::UniqueX509Crl& crl : crls_) {
      // X509_NAME_cmp compares canonical encodings, as OpenSSL does when it picks the CRL for
      // a certificate, so a name spelled with other string types still matches.
      X509_REVOKED* entry = nullptr;
      if (X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), issuer.get()) == 0 &&
          X509_CRL_get0_by_serial(crl.get(), &entry, serial.get()) == 1) {
        revoked = true;
        break;
      }
    }
  }
  ERR_clear_error();
  return revoked;
}

CrlInfo CrlSet::InfoAt(int64_t now_unix) const {
  CrlInfo info = info_;
  info.expired = info.ExpiredAt(now_unix);
  return info;
}

}  // namespace redoubt::tls
