// Audit-log records (security/audit_event.h) built from the server's view of a connection:
// its "ip:port" strings, TLS details and client certificate, the user it authenticated as.
// Keeps each call site (accept, handshake, AUTH, close) to one line.
//
// Thread: the Connection overloads run on the connection's thread; the others anywhere.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "security/audit_event.h"

namespace redoubt::server {

class Connection;

struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// "127.0.0.1:6379", "::1:6379" → host and port (split at the last ':').
HostPort SplitHostPort(std::string_view address);

security::ConnectAuditRecord ConnectRecord(const Connection& c);
security::AuthAuditRecord AuthRecord(const Connection& c, std::string_view user,
                                     security::AuthMethod method, bool success);
security::DisconnectAuditRecord DisconnectRecord(const Connection& c, std::string_view reason,
                                                 std::string_view user);
security::RefusedAuditRecord RefusedRecord(security::RefusalReason reason, std::string_view detail,
                                           std::string_view peer, std::string_view local);

}  // namespace redoubt::server
