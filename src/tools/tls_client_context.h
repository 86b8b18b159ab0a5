// The client side of TLS for the tools: one SSL_CTX built from the command line (CA file,
// optional client certificate, protocol versions, verification on or off) and the per-connection
// SSL objects made from it, with SNI and the server-name check set as real clients set them.
//
// Verification follows redis-cli and the usual client libraries: the server's chain must lead to
// --cacert (or the system store when none is given) and its certificate must name the host we
// connected to, or --sni when given. An IP address is checked against IP SANs, so a certificate
// with "IP:127.0.0.1" works for --host 127.0.0.1.
//
// Thread: immutable after Create(); the tools are single-threaded anyway.
#pragma once

#include <absl/status/statusor.h>
#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "common/openssl_ptr.h"

namespace redoubt::tools {

struct TlsClientOptions {
  std::string ca_file;    // empty: the system's default verify paths
  std::string cert_file;  // client certificate, for servers with tls-auth-clients yes
  std::string key_file;
  std::string sni;     // server name sent in the ClientHello; empty: none
  bool verify = true;  // false (--insecure): accept any certificate
  int min_version = TLS1_2_VERSION;
  int max_version = 0;  // 0: the highest OpenSSL supports
};

class TlsClientContext {
 public:
  // Fails with a message naming the file or setting that is wrong.
  [[nodiscard]] static absl::StatusOr<std::unique_ptr<TlsClientContext>> Create(
      const TlsClientOptions& options);

  // A new SSL in client mode on `fd`, set up to verify the server as `host` (or as the SNI name
  // when one is configured). Does not start the handshake.
  [[nodiscard]] absl::StatusOr<common::UniqueSsl> NewSsl(int fd, const std::string& host) const;

  const TlsClientOptions& options() const { return options_; }

 private:
  TlsClientContext(common::UniqueSslCtx ctx, TlsClientOptions options)
      : ctx_(std::move(ctx)), options_(std::move(options)) {}

  const common::UniqueSslCtx ctx_;
  const TlsClientOptions options_;
};

}  // namespace redoubt::tools
