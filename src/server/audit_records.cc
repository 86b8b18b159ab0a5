// Builders of audit records from connections.
#include "server/audit_records.h"

#include "common/clock.h"
#include "common/numbers.h"
#include "server/connection.h"

namespace redoubt::server {

HostPort SplitHostPort(std::string_view address) {
  HostPort hp;
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    hp.host = std::string(address);
    return hp;
  }
  hp.host = std::string(address.substr(0, colon));
  auto port = common::ParseInt64(address.substr(colon + 1));
  if (port && *port >= 0 && *port <= 65535) {
    hp.port = static_cast<uint16_t>(*port);
  }
  return hp;
}

security::ConnectAuditRecord ConnectRecord(const Connection& c) {
  security::ConnectAuditRecord r;
  HostPort peer = SplitHostPort(c.peer_address());
  r.client_id = c.id();
  r.source_address = std::move(peer.host);
  r.source_port = peer.port;
  r.local_port = SplitHostPort(c.local_address()).port;
  if (c.is_tls()) {
    r.transport = security::AuditTransport::kTls;
    r.tls_version = c.tls_version();
    r.tls_cipher = c.tls_cipher();
    if (c.peer_certificate().present) {
      r.client_certificate =
          security::AuditCertificate{c.peer_certificate().subject, c.peer_certificate().serial_hex};
    }
  }
  return r;
}

security::AuthAuditRecord AuthRecord(const Connection& c, std::string_view user,
                                     security::AuthMethod method, bool success) {
  security::AuthAuditRecord r;
  HostPort peer = SplitHostPort(c.peer_address());
  r.success = success;
  r.user = std::string(user);
  r.method = method;
  r.client_id = c.id();
  r.source_address = std::move(peer.host);
  r.source_port = peer.port;
  return r;
}

security::DisconnectAuditRecord DisconnectRecord(const Connection& c, std::string_view reason,
                                                 std::string_view user) {
  security::DisconnectAuditRecord r;
  r.reason = std::string(reason);
  r.client_id = c.id();
  r.duration_ms = common::UnixMillis() - c.created_ms();
  r.bytes_in = c.bytes_in();
  r.bytes_out = c.bytes_out();
  r.user = std::string(user);
  return r;
}

security::RefusedAuditRecord RefusedRecord(security::RefusalReason reason, std::string_view detail,
                                           std::string_view peer, std::string_view local) {
  security::RefusedAuditRecord r;
  HostPort p = SplitHostPort(peer);
  r.reason = reason;
  r.detail = std::string(detail);
  r.source_address = std::move(p.host);
  r.source_port = p.port;
  r.local_port = SplitHostPort(local).port;
  return r;
}

}  // namespace redoubt::server
