// Client SSL_CTX and per-connection SSL setup; see tls_client_context.h.
#include "tools/tls_client_context.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <utility>

#include "tools/openssl_util.h"

namespace redoubt::tools {

absl::StatusOr<std::unique_ptr<TlsClientContext>> TlsClientContext::Create(
    const TlsClientOptions& options) {
  ERR_clear_error();
  common::UniqueSslCtx ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return absl::InternalError("SSL_CTX_new: " + DrainOpenSslErrors());
  }
  if (SSL_CTX_set_min_proto_version(ctx.get(), options.min_version) != 1 ||
      SSL_CTX_set_max_proto_version(ctx.get(), options.max_version) != 1) {
    return absl::InvalidArgumentError("cannot set the TLS protocol versions: " +
                                      DrainOpenSslErrors());
  }
  // The write buffer is a std::string that may grow (and move) between an SSL_write that
  // wanted to wait and its retry; OpenSSL would otherwise reject the retry as a "bad write retry".
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);

  if (options.verify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    int loaded = options.ca_file.empty()
                     ? SSL_CTX_set_default_verify_paths(ctx.get())
                     : SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr);
    if (loaded != 1) {
      return absl::InvalidArgumentError(
          "cannot load CA certificates from " +
          (options.ca_file.empty() ? std::string("the system store") : options.ca_file) + ": " +
          DrainOpenSslErrors());
    }
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }

  if (options.cert_file.empty() != options.key_file.empty()) {
    return absl::InvalidArgumentError("--cert and --key must be given together");
  }
  if (!options.cert_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), options.cert_file.c_str()) != 1) {
      return absl::InvalidArgumentError("cannot load client certificate " + options.cert_file +
                                        ": " + DrainOpenSslErrors());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), options.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return absl::InvalidArgumentError("cannot load client key " + options.key_file + ": " +
                                        DrainOpenSslErrors());
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
      return absl::InvalidArgumentError(options.key_file + " does not match " + options.cert_file);
    }
  }
  return std::unique_ptr<TlsClientContext>(new TlsClientContext(std::move(ctx), options));
}

absl::StatusOr<common::UniqueSsl> TlsClientContext::NewSsl(int fd, const std::string& host) const {
  ERR_clear_error();
  common::UniqueSsl ssl(SSL_new(ctx_.get()));
  if (!ssl) {
    return absl::InternalError("SSL_new: " + DrainOpenSslErrors());
  }
  if (SSL_set_fd(ssl.get(), fd) != 1) {
    return absl::InternalError("SSL_set_fd: " + DrainOpenSslErrors());
  }
  if (!options_.sni.empty() && SSL_set_tlsext_host_name(ssl.get(), options_.sni.c_str()) != 1) {
    return absl::InvalidArgumentError("invalid SNI name " + options_.sni + ": " +
                                      DrainOpenSslErrors());
  }
  if (options_.verify) {
    const std::string& name = options_.sni.empty() ? host : options_.sni;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    // An IP literal must match an IP SAN, a name a DNS SAN (or the CN); set1_ip_asc fails for
    // anything that is not an address, which tells the two apart.
    if (X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) != 1) {
      ERR_clear_error();
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
      if (X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0) != 1) {
        return absl::InvalidArgumentError("cannot check the server's name against " + name + ": " +
                                          DrainOpenSslErrors());
      }
    }
  }
  return ssl;
}

}  // namespace redoubt::tools
