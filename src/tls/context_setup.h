// The steps of building an OpenSSL context that the server's context (tls_context.h) and the
// client context of the links the server opens (tls_client_context.h) share: protocol versions,
// a certificate with its key, the trusted CAs. Each step fails with an error in the words of
// the directive it reads.
//
// Thread: any; each call works on the context it is given.
#pragma once

#include <absl/status/status.h>
#include <openssl/ssl.h>

#include <string>

#include "tls/tls_context.h"

namespace redoubt::tls {

// what + ": " + the OpenSSL error queue's text, as InvalidArgument.
absl::Status Fail(const std::string& what);
// A file we cannot open gets the system's reason ("No such file or directory"), which says more
// than OpenSSL's "system lib".
absl::Status CheckReadable(const std::string& path, const char* what);
// tls-protocols: "TLSv1.2 TLSv1.3" → the lowest and highest version named. As in Redis, the
// versions in between are allowed too.
absl::Status ApplyProtocols(SSL_CTX* ctx, const std::string& protocols);
// s.cert_file (a chain) and s.key_file (decrypted with s.key_file_pass): loaded, matched and
// checked for their validity dates. The names in errors are the server's directives.
absl::Status LoadCertificateAndKey(SSL_CTX* ctx, const TlsSettings& s);
// tls-ca-cert-file / tls-ca-cert-dir as the trusted CAs (none set: nothing to load, unless
// client certificates or CRLs need them).
absl::Status LoadCaCertificates(SSL_CTX* ctx, const TlsSettings& s);

}  // namespace redoubt::tls
