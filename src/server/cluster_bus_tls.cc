// TLS on the cluster bus; see cluster_bus_tls.h.
#include "server/cluster_bus_tls.h"

#include <unistd.h>

#include "server/server.h"
#include "server/tls_client_settings.h"
#include "tls/tls_transport.h"

namespace redoubt::server {
namespace {

class TlsBusLink final : public cluster::BusTransport {
 public:
  explicit TlsBusLink(std::unique_ptr<tls::TlsTransport> session) : session_(std::move(session)) {}
  Step Handshake(std::string* error) override {
    switch (session_->Handshake(error)) {
      case tls::TlsTransport::HandshakeStatus::kDone:
        return Step::kDone;
      case tls::TlsTransport::HandshakeStatus::kWantRead:
        return Step::kWantRead;
      case tls::TlsTransport::HandshakeStatus::kWantWrite:
        return Step::kWantWrite;
      case tls::TlsTransport::HandshakeStatus::kFailed:
        break;
    }
    return Step::kFailed;
  }
  net::IoResult Read(char* buf, size_t len) override { return session_->Read(buf, len); }
  net::IoResult Write(const char* buf, size_t len) override { return session_->Write(buf, len); }
  bool tls() const override { return true; }
  int fd() const override { return session_->fd(); }

 private:
  std::unique_ptr<tls::TlsTransport> session_;  // owns the socket
};

}  // namespace

absl::Status ClusterBusTls::Configure(const Config& c) {
  std::shared_ptr<const tls::TlsClientContext> client;
  if (c.tls_cluster) {
    absl::StatusOr<std::shared_ptr<const tls::TlsClientContext>> built =
        tls::TlsClientContext::Create(TlsClientSettingsOf(c));
    if (!built.ok()) {
      return absl::InvalidArgumentError("tls-cluster: " + std::string(built.status().message()));
    }
    client = *std::move(built);
  }
  client_.store(std::move(client), std::memory_order_release);
  connect_tls_.store(c.tls_cluster, std::memory_order_release);
  return absl::OkStatus();
}

std::unique_ptr<cluster::BusTransport> ClusterBusTls::AcceptTls(int fd, std::string* error) {
  std::shared_ptr<const tls::TlsContext> context = server_.tls_context();
  common::UniqueSsl ssl = context != nullptr ? context->NewSession() : nullptr;
  if (ssl == nullptr) {
    close(fd);
    *error = context == nullptr ? "no certificate configured (tls-cert-file)"
                                : "can't create a TLS session";
    return nullptr;
  }
  return std::make_unique<TlsBusLink>(std::make_unique<tls::TlsTransport>(fd, std::move(ssl)));
}

bool ClusterBusTls::AcceptsPlaintext() const {
  return server_.tls_mode() != TlsMode::kRequired;
}

std::unique_ptr<cluster::BusTransport> ClusterBusTls::ConnectTls(int fd, std::string* error) {
  std::shared_ptr<const tls::TlsClientContext> client = client_.load(std::memory_order_acquire);
  std::unique_ptr<tls::TlsTransport> session = client != nullptr ? client->NewSession(fd) : nullptr;
  if (session == nullptr) {
    *error = client == nullptr ? "tls-cluster is off" : "can't create a TLS session";
    close(fd);  // taken in every case, as BusSecurity promises
    return nullptr;
  }
  return std::make_unique<TlsBusLink>(std::move(session));
}

int64_t ClusterBusTls::handshake_timeout_ms() const {
  return server_.tls_handshake_timeout_us() / 1000;
}

}  // namespace redoubt::server
