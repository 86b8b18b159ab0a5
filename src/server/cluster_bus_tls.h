// TLS on the cluster bus: the server's side of cluster::BusSecurity. Inbound TLS links are
// sessions of the server's own context (the certificate clients see, tls-auth-clients and the
// CRL as for clients); outbound ones use a client context built from tls-client-cert-file (or
// else tls-cert-file) that verifies the peer against tls-ca-cert-file / -dir, as a replica's
// link to its primary does. tls-cluster decides the outbound kind and tls-mode required
// refuses inbound plaintext, both read at every link so that CONFIG SET moves the bus online.
//
// Thread: Configure under the server's config lock; everything else on the bus's thread.
#pragma once

#include <absl/status/status.h>

#include <atomic>
#include <memory>

#include "cluster/bus_transport.h"
#include "server/config.h"
#include "tls/tls_client_context.h"

namespace redoubt::server {

class Server;

class ClusterBusTls final : public cluster::BusSecurity {
 public:
  explicit ClusterBusTls(const Server& server) : server_(server) {}

  // Checks and publishes c's tls-cluster and its client context: refused (nothing changed)
  // when tls-cluster is yes and the context cannot be built (no CA, an unreadable key).
  absl::Status Configure(const Config& c);

  std::unique_ptr<cluster::BusTransport> AcceptTls(int fd, std::string* error) override;
  bool AcceptsPlaintext() const override;
  bool ConnectsWithTls() const override { return connect_tls_.load(std::memory_order_acquire); }
  std::unique_ptr<cluster::BusTransport> ConnectTls(int fd, std::string* error) override;
  int64_t handshake_timeout_ms() const override;

 private:
  const Server& server_;
  std::atomic<bool> connect_tls_{false};
  std::atomic<std::shared_ptr<const tls::TlsClientContext>> client_;
};

}  // namespace redoubt::server
