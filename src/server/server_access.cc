// Who may stay connected, and as whom: the users of the configuration and of the aclfile (ACL
// LOAD/SAVE), and closing the connections a change of access excludes — a revoked user, a
// narrower network-allow, tls-mode required for plaintext clients, a certificate revoked by new
// CRLs — each after its pending replies, on its own I/O thread. Refusals at the door are
// audited here too.
#include <sys/socket.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <string>

#include "common/log.h"
#include "server/audit_records.h"
#include "server/connection.h"
#include "server/incoming_connection.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

// Redis's reply to ACL LOAD and ACL SAVE without an aclfile.
absl::Status NoAclFileError() {
  return absl::FailedPreconditionError(
      "This Redis instance is not configured to use an ACL file. You may want to specify users "
      "via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis "
      "configuration file set) in order to store users in the Redis configuration.");
}

}  // namespace

void Server::AuditRefused(security::RefusalReason reason, std::string_view detail,
                          std::string_view peer, std::string_view local) {
  audit_.Record(RefusedRecord(reason, detail, peer, local));
}

void Server::ClosePlaintextClients() {
  // A switch to required may race with a switch back: act only if still required.
  CloseClientsWhere(
      [this](const Connection& c) { return !c.is_tls() && tls_mode() == TlsMode::kRequired; },
      nullptr, &stats_.tls_plaintext_closed, "tls-mode required");
}

void Server::CloseClientsWhere(std::function<bool(const Connection&)> connection_excluded,
                               std::function<bool(int fd)> incoming_excluded,
                               common::Counter* closed, std::string reason) {
  for (auto& t : threads_) {
    IoThread* raw = t.get();
    // On the thread that owns the connections: only it may touch them.
    raw->loop.Post([raw, connection_excluded, incoming_excluded, closed, reason] {
      std::vector<Connection*> open = raw->connections;
      for (Connection* c : open) {
        if (!c->closing() && connection_excluded(*c)) {
          closed->fetch_add(1, std::memory_order_relaxed);
          c->CloseAfterPendingReplies(reason);
        }
      }
      if (!incoming_excluded) {
        return;
      }
      std::vector<IncomingConnection*> incoming = raw->incoming;
      for (IncomingConnection* c : incoming) {
        if (incoming_excluded(c->fd())) {
          closed->fetch_add(1, std::memory_order_relaxed);
          c->Abort();
        }
      }
    });
  }
}

absl::Status Server::LoadConfiguredUsers() {
  const Config cfg = config();
  if (!cfg.aclfile.empty() && !cfg.users.empty()) {
    return absl::InvalidArgumentError(
        "Configuring Redis with users defined in redis.conf and at the same setting an ACL file "
        "path is invalid. This setup is very likely to lead to configuration errors and "
        "security holes, please define either an ACL file or declare users directly in your "
        "redis.conf, but not both.");
  }
  if (!cfg.users.empty()) {
    std::vector<std::string> lines;
    for (const std::string& u : cfg.users) {
      // As Redis's `user` directive: the existing default user is reset before its rules;
      // other users start new, as aclfile lines do.
      size_t space = u.find(' ');
      bool is_default = u.substr(0, space) == "default";
      lines.push_back("user " + (!is_default ? u
                                 : space == std::string::npos
                                     ? u + " reset"
                                     : u.substr(0, space) + " reset" + u.substr(space)));
    }
    absl::Status st = acl_->LoadUserLines(lines, "config", nullptr);
    if (!st.ok()) {
      return absl::InvalidArgumentError("Error in user declaration: " + std::string(st.message()));
    }
  }
  if (!cfg.aclfile.empty()) {
    absl::Status st = LoadAclFile();
    if (!st.ok()) {
      return absl::InvalidArgumentError("Aborting Redoubt startup because of ACL errors: " +
                                        std::string(st.message()));
    }
  }
  if (!cfg.requirepass.empty()) {
    acl_->SetDefaultPassword(cfg.requirepass);
  }
  return absl::OkStatus();
}

absl::Status Server::LoadAclFile() {
  std::string path = config().aclfile;
  if (path.empty()) {
    return NoAclFileError();
  }
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError("Error loading ACLs, opening file '" + path +
                               "': " + std::string(strerror(errno)));
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    lines.push_back(std::move(line));
  }
  std::vector<std::string> changed;
  absl::Status st = acl_->LoadUserLines(lines, path, &changed);
  if (st.ok() && !changed.empty()) {
    CloseRevokedUserClients();
    CloseSubscribersWithoutPermission();
  }
  return st;
}

absl::Status Server::SaveAclFile() {
  std::string path = config().aclfile;
  if (path.empty()) {
    return NoAclFileError();
  }
  // Written aside and renamed, so a crash never leaves a half-written aclfile.
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << acl_->Serialize();
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return absl::InternalError(
          "There was an error trying to save the ACLs. Please check the "
          "server logs for more information");
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return absl::InternalError(
        "There was an error trying to save the ACLs. Please check the "
        "server logs for more information");
  }
  return absl::OkStatus();
}

void Server::CloseRevokedUserClients() {
  CloseClientsWhere([](const Connection& c) { return c.UserRevoked(); }, nullptr,
                    &acl_->stats().revoked_clients_closed, "user revoked");
}

void Server::CloseSubscribersWithoutPermission() {
  CloseClientsWhere([](const Connection& c) { return c.SubscriptionsRevoked(); }, nullptr,
                    &acl_->stats().revoked_clients_closed, "channel permission revoked");
}

void Server::CloseDisallowedClients() {
  // Whether a socket's source is excluded, by asking the kernel for its peer (this runs once
  // per CONFIG SET, not per request).
  auto excluded = [this](int fd) {
    std::shared_ptr<const security::NetworkAllowList> allow = allow_list();
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    return allow != nullptr && getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0 &&
           !allow->Allows(reinterpret_cast<const sockaddr*>(&peer));
  };
  // Unix-socket clients have no network source and are never filtered.
  CloseClientsWhere(
      [excluded](const Connection& c) { return !c.is_unix_socket() && excluded(c.fd()); }, excluded,
      &stats_.network_allow_closed, "network-allow");
}

}  // namespace redoubt::server
