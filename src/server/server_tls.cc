// The server's TLS context over its life: built and checked from the configuration (start-up,
// CONFIG SET through the "tls" applier), re-read on SIGHUP, announced in the log, and applied to
// open connections when new CRLs revoke their certificates; the warning for expired CRLs.
#include <algorithm>
#include <string>

#include "common/clock.h"
#include "common/log.h"
#include "server/connection.h"
#include "server/server.h"

namespace redoubt::server {

absl::Status Server::PrepareTls(const Config& current, const Config& next,
                                std::shared_ptr<const tls::TlsContext>* context,
                                bool reread_files) const {
  // Checked even while no certificate is loaded (TLS off), so that a setting which would
  // refuse every client later is refused now, where it is typed.
  bool has_ca = !next.tls.ca_cert_file.empty() || !next.tls.ca_cert_dir.empty();
  if (next.tls.client_auth != tls::ClientAuth::kNo && !has_ca) {
    return absl::InvalidArgumentError(
        "tls-auth-clients " + std::string(tls::ClientAuthName(next.tls.client_auth)) +
        " needs tls-ca-cert-file or tls-ca-cert-dir: the CAs whose client certificates are "
        "accepted");
  }
  if (!next.tls.crl_file.empty() && !has_ca) {
    return absl::InvalidArgumentError(
        "tls-crl-file needs tls-ca-cert-file or tls-ca-cert-dir: the CAs that sign its CRLs");
  }
  *context = tls_context();
  if (next.tls != current.tls || *context == nullptr || reread_files) {
    if (next.tls.cert_file.empty() && next.tls.key_file.empty()) {
      *context = nullptr;
    } else {
      absl::StatusOr<std::shared_ptr<const tls::TlsContext>> built =
          tls::TlsContext::Create(next.tls, ticket_keys_);
      if (!built.ok()) {
        return built.status();
      }
      *context = *built;
    }
  }
  if (*context == nullptr && next.tls_mode != TlsMode::kNone) {
    return absl::FailedPreconditionError(
        "tls-mode " + std::string(TlsModeName(next.tls_mode)) +
        " needs a certificate: set tls-cert-file and tls-key-file first");
  }
  if (*context == nullptr && next.tls_port != 0) {
    return absl::FailedPreconditionError(
        "tls-port needs a certificate: set tls-cert-file and tls-key-file");
  }
  return absl::OkStatus();
}

absl::Status Server::ReloadTlsFiles() {
  absl::MutexLock lock(&config_mu_);
  if (config_.tls.cert_file.empty()) {
    return absl::OkStatus();
  }
  absl::StatusOr<std::shared_ptr<const tls::TlsContext>> built =
      tls::TlsContext::Create(config_.tls, ticket_keys_);
  if (!built.ok()) {
    stats_.tls_certificate_reload_failures.fetch_add(1, std::memory_order_relaxed);
    common::Log(common::LogLevel::kWarning,
                "TLS reload by SIGHUP failed, keeping the current certificate: " +
                    std::string(built.status().message()));
    return built.status();
  }
  tls_context_.store(*built, std::memory_order_release);
  stats_.tls_certificate_reloads.fetch_add(1, std::memory_order_relaxed);
  LogTlsReload(**built, "SIGHUP");
  CloseRevokedCertificateClients(*built);
  return absl::OkStatus();
}

void Server::LogTlsReload(const tls::TlsContext& context, std::string_view by) {
  common::Log(common::LogLevel::kNotice, "TLS certificate reloaded by " + std::string(by) +
                                             " (serial " + context.certificate().serial_hex +
                                             ", expires " + context.certificate().not_after + ")");
}

void Server::CloseRevokedCertificateClients(std::shared_ptr<const tls::TlsContext> context) {
  if (context == nullptr || context->crl_info().count == 0) {
    return;
  }
  tls::CrlInfo crl = context->crl_info();
  common::Log(common::LogLevel::kNotice,
              "CRLs loaded: " + std::to_string(crl.count) + " list(s), " +
                  std::to_string(crl.revoked) + " revoked serial(s), next update " +
                  (crl.next_update.empty() ? std::string("none") : crl.next_update) +
                  (crl.expired ? " (EXPIRED)" : ""));
  // The new context decides: each connection's own context still has the old lists.
  CloseClientsWhere(
      [context](const Connection& c) {
        return c.is_tls() && c.peer_certificate().present &&
               context->IsRevoked(c.peer_certificate());
      },
      nullptr, &stats_.tls_revoked_connections_closed, "certificate revoked");
}

void Server::WarnIfCrlExpired() {
  // Once a minute at most: with tls-crl-expired-policy reject, every client of that CA is
  // being refused, which an operator must hear about before the clients do.
  int64_t now = common::UnixMillis();
  if (now - last_crl_warning_ms_ < 60000) {
    return;
  }
  std::shared_ptr<const tls::TlsContext> context = tls_context();
  if (context == nullptr || context->crl_info().count == 0 || !context->crl_info().expired) {
    return;
  }
  last_crl_warning_ms_ = now;
  bool reject = context->settings().crl_expired_policy == tls::CrlExpiredPolicy::kReject;
  common::Log(common::LogLevel::kWarning,
              "tls-crl-file " + context->settings().crl_file + " is past its next update (" +
                  context->crl_info().next_update + "): " +
                  (reject ? "client certificates are refused (tls-crl-expired-policy reject)"
                          : "still used (tls-crl-expired-policy allow)"));
}

}  // namespace redoubt::server
