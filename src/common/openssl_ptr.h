// Owning pointers for OpenSSL objects, one set for every folder that uses OpenSSL (tls/,
// security/, persistence/, tools/ and their tests): std::unique_ptr with the object's own free
// function, so that an early return cannot leak and no folder writes deleters of its own.
//
// Header-only on purpose: common/ is the one folder tls/, security/ and tools/ may all include,
// and it links no OpenSSL. A library that includes this header uses OpenSSL and links it.
#pragma once

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <memory>

namespace redoubt::common {

// Calls kFree, OpenSSL's free function for the type (every one of them accepts null).
template <auto kFree>
struct OpenSslFree {
  template <typename T>
  void operator()(T* object) const {
    kFree(object);
  }
};

using UniqueSslCtx = std::unique_ptr<SSL_CTX, OpenSslFree<&SSL_CTX_free>>;
using UniqueSsl = std::unique_ptr<SSL, OpenSslFree<&SSL_free>>;
using UniqueSslSession = std::unique_ptr<SSL_SESSION, OpenSslFree<&SSL_SESSION_free>>;
using UniqueX509 = std::unique_ptr<X509, OpenSslFree<&X509_free>>;
using UniqueX509Crl = std::unique_ptr<X509_CRL, OpenSslFree<&X509_CRL_free>>;
using UniqueX509Name = std::unique_ptr<X509_NAME, OpenSslFree<&X509_NAME_free>>;
using UniqueX509Store = std::unique_ptr<X509_STORE, OpenSslFree<&X509_STORE_free>>;
using UniqueX509StoreCtx = std::unique_ptr<X509_STORE_CTX, OpenSslFree<&X509_STORE_CTX_free>>;
using UniqueEvpPkey = std::unique_ptr<EVP_PKEY, OpenSslFree<&EVP_PKEY_free>>;
using UniqueEvpMdCtx = std::unique_ptr<EVP_MD_CTX, OpenSslFree<&EVP_MD_CTX_free>>;
using UniqueEvpCipherCtx = std::unique_ptr<EVP_CIPHER_CTX, OpenSslFree<&EVP_CIPHER_CTX_free>>;
using UniqueEvpKdf = std::unique_ptr<EVP_KDF, OpenSslFree<&EVP_KDF_free>>;
using UniqueEvpKdfCtx = std::unique_ptr<EVP_KDF_CTX, OpenSslFree<&EVP_KDF_CTX_free>>;
using UniqueBio = std::unique_ptr<BIO, OpenSslFree<&BIO_free>>;
using UniqueBignum = std::unique_ptr<BIGNUM, OpenSslFree<&BN_free>>;
using UniqueAsn1Integer = std::unique_ptr<ASN1_INTEGER, OpenSslFree<&ASN1_INTEGER_free>>;
using UniqueAsn1Time = std::unique_ptr<ASN1_TIME, OpenSslFree<&ASN1_TIME_free>>;

// Bytes OpenSSL allocated for the caller (the output of i2d_*, ASN1_STRING_to_UTF8,
// BN_bn2hex). OPENSSL_free is a macro, not a function, hence a deleter of its own.
struct OpenSslBytesFree {
  void operator()(void* bytes) const { OPENSSL_free(bytes); }
};
template <typename T>
using UniqueOpenSslBytes = std::unique_ptr<T, OpenSslBytesFree>;

}  // namespace redoubt::common
