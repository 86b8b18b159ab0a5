// The client side of the TLS links this server opens itself (a replica's link to its primary,
// the cluster bus's outbound links), from the configuration: the server's tls-* settings (CAs,
// protocols, ciphers) and tls-client-cert-file / -key-file (or else tls-cert-file / -key-file).
#pragma once

#include "server/config.h"
#include "tls/tls_client_context.h"

namespace redoubt::server {

inline tls::TlsClientSettings TlsClientSettingsOf(const Config& c) {
  return tls::TlsClientSettings{.server = c.tls,
                                .client_cert_file = c.tls_client_cert_file,
                                .client_key_file = c.tls_client_key_file,
                                .client_key_file_pass = c.tls_client_key_file_pass};
}

}  // namespace redoubt::server
