// The replication commands; the role and links are server/replication_service.h's.
#include "server/replication_commands.h"

#include <string>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "server/command_helpers.h"
#include "server/replication_service.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

// REPLICAOF host port | NO ONE (and SLAVEOF).
void CmdReplicaOf(CommandContext& ctx) {
  if (Admin(ctx).cluster() != nullptr) {
    return ctx.reply.Error("ERR REPLICAOF not allowed in cluster mode.");
  }
  ReplicationService& replication = Admin(ctx).replication();
  if (common::EqualsIgnoreCase(ctx.args[1], "no") && common::EqualsIgnoreCase(ctx.args[2], "one")) {
    if (replication.is_replica()) {
      replication.BecomePrimary();
      Admin(ctx).RecordReplicaOf("");
    }
    return ctx.reply.Ok();
  }
  int64_t port;
  if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &port)) {
    return;
  }
  if (port < 0 || port > 65535) {
    return ctx.reply.Error("ERR Invalid master port");
  }
  const std::string host(ctx.args[1]);
  if (!replication.Follow(host, static_cast<int>(port))) {
    return ctx.reply.SimpleString("OK Already connected to specified master");
  }
  Admin(ctx).RecordReplicaOf(host + " " + std::to_string(port));
  ctx.reply.Ok();
}

// ROLE: ["master", offset, [[ip, port, offset], …]] or ["slave", host, port, state, offset].
void CmdRole(CommandContext& ctx) {
  ReplicationService::RoleView role = Admin(ctx).replication().Role();
  if (!role.replica) {
    ctx.reply.ArrayHeader(3);
    ctx.reply.Bulk("master");
    ctx.reply.Integer(role.offset);
    ctx.reply.ArrayHeader(role.replicas.size());
    for (const replication::ReplicaStatus& r : role.replicas) {
      ctx.reply.ArrayHeader(3);
      ctx.reply.Bulk(r.ip);
      ctx.reply.Bulk(std::to_string(r.port));
      ctx.reply.Bulk(std::to_string(r.ack_offset));
    }
    return;
  }
  ctx.reply.ArrayHeader(5);
  ctx.reply.Bulk("slave");
  ctx.reply.Bulk(role.host);
  ctx.reply.Integer(role.port);
  ctx.reply.Bulk(role.state);
  ctx.reply.Integer(role.state == "connected" ? role.offset : -1);
}

// REPLCONF <option> <value> …: what a replica tells its primary before PSYNC (and ACK after,
// which reaches its sender instead, since the connection is no longer an I/O thread's).
void CmdReplconf(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  Connection* conn = ConnectionOf(ctx);
  for (size_t i = 1; i < ctx.args.size(); i += 2) {
    const std::string_view option = ctx.args[i];
    const std::string_view value = ctx.args[i + 1];
    if (common::EqualsIgnoreCase(option, "listening-port")) {
      std::optional<int64_t> port = common::ParseInt64(value);
      if (!port) {
        return ctx.reply.Error(commands::kErrNotInteger);
      }
      if (conn != nullptr) {
        conn->replica_handshake().listening_port = static_cast<int>(*port);
      }
    } else if (common::EqualsIgnoreCase(option, "ip-address")) {
      if (conn != nullptr) {
        conn->replica_handshake().announced_ip = std::string(value);
      }
    } else if (common::EqualsIgnoreCase(option, "capa")) {
      if (conn != nullptr && common::EqualsIgnoreCase(value, "eof")) {
        conn->replica_handshake().capa_eof = true;
      } else if (conn != nullptr && common::EqualsIgnoreCase(value, "psync2")) {
        conn->replica_handshake().capa_psync2 = true;
      }
    } else if (common::EqualsIgnoreCase(option, "ack") ||
               common::EqualsIgnoreCase(option, "getack")) {
      // From a client that is no replica's link (or no primary's): ignored without a reply,
      // as Redis does.
      return;
    } else if (common::EqualsIgnoreCase(option, "rdb-only") ||
               common::EqualsIgnoreCase(option, "rdb-filter-only")) {
      // redis-cli --rdb's options: accepted (the snapshot it receives is the whole one).
    } else {
      return ctx.reply.Error("ERR Unrecognized REPLCONF option: " + std::string(option));
    }
  }
  ctx.reply.Ok();
}

// PSYNC replid offset / SYNC: the connection becomes a replica's link.
void StartSync(CommandContext& ctx, replication::SyncRequest request) {
  ReplicationService& replication = Admin(ctx).replication();
  if (replication.is_replica() && !replication.link_up()) {
    return ctx.reply.Error("NOMASTERLINK Can't SYNC while not connected with my master");
  }
  Conn(ctx).HandOffToReplication(std::move(request));
}

void CmdPsync(CommandContext& ctx) {
  int64_t offset;
  if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &offset)) {
    return;
  }
  // PSYNC replid offset FAILOVER: our primary hands over to us (its FAILOVER).
  if (ctx.args.size() > 3) {
    if (!common::EqualsIgnoreCase(ctx.args[3], "failover")) {
      return ctx.reply.Error(commands::kErrSyntax);
    }
    if (absl::Status st = Admin(ctx).replication().PromoteForFailover(ctx.args[1]); !st.ok()) {
      return ctx.reply.Error(std::string(st.message()));
    }
  }
  StartSync(ctx, replication::SyncRequest{
                     .psync = true, .replid = std::string(ctx.args[1]), .offset = offset});
}

void CmdSync(CommandContext& ctx) {
  StartSync(ctx, replication::SyncRequest{.psync = false});
}

// FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms].
void CmdFailover(CommandContext& ctx) {
  if (Admin(ctx).cluster() != nullptr) {
    return ctx.reply.Error(
        "ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.");
  }
  ReplicationService::FailoverRequest request;
  bool abort = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    const std::string_view arg = ctx.args[i];
    if (common::EqualsIgnoreCase(arg, "to") && i + 2 < ctx.args.size()) {
      int64_t port;
      if (!commands::ParseInt64OrReply(ctx, ctx.args[i + 2], &port)) {
        return;
      }
      request.host = std::string(ctx.args[i + 1]);
      request.port = static_cast<int>(port);
      i += 2;
    } else if (common::EqualsIgnoreCase(arg, "timeout") && i + 1 < ctx.args.size()) {
      if (!commands::ParseInt64OrReply(ctx, ctx.args[i + 1], &request.timeout_ms)) {
        return;
      }
      if (request.timeout_ms <= 0) {
        return ctx.reply.Error("ERR FAILOVER timeout must be greater than 0");
      }
      ++i;
    } else if (common::EqualsIgnoreCase(arg, "force")) {
      request.force = true;
    } else if (common::EqualsIgnoreCase(arg, "abort")) {
      abort = true;
    } else {
      return ctx.reply.Error(commands::kErrSyntax);
    }
  }
  ReplicationService& replication = Admin(ctx).replication();
  if (abort) {
    if (request.force || request.timeout_ms != 0 || !request.host.empty()) {
      return ctx.reply.Error("ERR FAILOVER abort cannot be used with other arguments.");
    }
    if (absl::Status st = replication.AbortFailover(); !st.ok()) {
      return ctx.reply.Error(std::string(st.message()));
    }
    return ctx.reply.Ok();
  }
  if (request.force && (request.timeout_ms == 0 || request.host.empty())) {
    return ctx.reply.Error(
        "ERR FAILOVER with force option requires both a timeout and target HOST and IP.");
  }
  if (absl::Status st = replication.StartFailover(request); !st.ok()) {
    return ctx.reply.Error(std::string(st.message()));
  }
  ctx.reply.Ok();
}

// WAIT numreplicas timeout: how many replicas acknowledged every write made so far, once
// numreplicas did or timeout milliseconds passed (0: no limit).
void CmdWait(CommandContext& ctx) {
  ReplicationService& replication = Admin(ctx).replication();
  if (replication.is_replica()) {
    return ctx.reply.Error(
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 "
        "if a replica is configured to be writable (which is not the default) writes to "
        "replicas are just local and are not propagated.");
  }
  int64_t wanted;
  if (!commands::ParseInt64OrReply(ctx, ctx.args[1], &wanted)) {
    return;
  }
  std::optional<int64_t> timeout = common::ParseInt64(ctx.args[2]);
  if (!timeout) {
    return ctx.reply.Error("ERR timeout is not an integer or out of range");
  }
  if (*timeout < 0) {
    return ctx.reply.Error("ERR timeout is negative");
  }
  const int64_t offset = replication.offset();
  const int64_t acked = replication.CountAcked(offset);
  Connection* conn = ConnectionOf(ctx);
  if (acked >= wanted || conn == nullptr || !conn->can_block()) {
    return ctx.reply.Integer(acked);
  }
  conn->WaitForReplicas(wanted, offset, *timeout == 0 ? 0 : common::UnixMillis() + *timeout);
  replication.RequestAcks();
}

}  // namespace

void RegisterReplicationCommands(commands::CommandTable& table) {
  using namespace commands;
  constexpr uint64_t kAdminSlow = kAclAdmin | kAclSlow | kAclDangerous;
  for (const char* name : {"replicaof", "slaveof"}) {
    table.Add({.name = name,
               .arity = 3,
               .flags = kAdmin | kNoScript | kStale | kNoAsyncLoading,
               .acl = kAdminSlow,
               .handler = CmdReplicaOf,
               .summary = "Configures a server as replica of another, or promotes it to a master.",
               .since = std::string_view(name) == "slaveof" ? "1.0.0" : "5.0.0",
               .group = "server"});
  }
  table.Add({.name = "role",
             .arity = 1,
             .flags = kNoScript | kLoading | kStale | kFast,
             .acl = kAclAdmin | kAclFast | kAclDangerous,
             .handler = CmdRole,
             .summary = "Returns the replication role.",
             .since = "2.8.12",
             .group = "server"});
  table.Add({.name = "replconf",
             .arity = -1,
             .flags = kAdmin | kNoScript | kLoading | kStale | kAllowBusy,
             .acl = kAdminSlow,
             .handler = CmdReplconf,
             .summary = "An internal command for configuring the replication stream.",
             .since = "3.0.0",
             .group = "server"});
  table.Add({.name = "psync",
             .arity = -3,
             .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
             .acl = kAdminSlow,
             .handler = CmdPsync,
             .summary = "An internal command used in replication.",
             .since = "2.8.0",
             .group = "server"});
  table.Add({.name = "sync",
             .arity = 1,
             .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti,
             .acl = kAdminSlow,
             .handler = CmdSync,
             .summary = "An internal command used in replication.",
             .since = "1.0.0",
             .group = "server"});
  table.Add({.name = "failover",
             .arity = -1,
             .flags = kAdmin | kNoScript | kStale,
             .acl = kAdminSlow,
             .handler = CmdFailover,
             .summary = "Starts a coordinated failover from a server to one of its replicas.",
             .since = "6.2.0",
             .group = "server"});
  table.Add({.name = "wait",
             .arity = 3,
             .flags = kNoScript,
             .acl = kAclSlow | kAclConnection,
             .handler = CmdWait,
             .summary = "Blocks until the asynchronous replication of all preceding write "
                        "commands sent by the connection is completed.",
             .since = "3.0.0",
             .group = "generic"});
}

}  // namespace redoubt::server
