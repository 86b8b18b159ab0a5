// CLIENT: the connection's own settings, and the list of connections seen from any thread.
// Redis 7.0 semantics and error texts (networking.c clientCommand); SETINFO follows 7.2.
//
// Thread: handlers run on the caller's I/O thread. Other connections are only read through
// ClientRegistry (under its lock) and only changed by posting a task to their own loop.
#include "server/client_command.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "server/command_helpers.h"
#include "server/connection.h"
#include "server/io_thread.h"
#include "server/replication_service.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;
using commands::EqualsIgnoreCase;

enum class ClientType : uint8_t { kNormal, kReplica, kPubSub, kMaster };

// Redis's getClientTypeByName. Writes "Unknown client type" and returns false otherwise.
bool ParseClientTypeOrReply(CommandContext& ctx, std::string_view name, ClientType* type) {
  if (EqualsIgnoreCase(name, "normal")) {
    *type = ClientType::kNormal;
  } else if (EqualsIgnoreCase(name, "replica") || EqualsIgnoreCase(name, "slave")) {
    *type = ClientType::kReplica;
  } else if (EqualsIgnoreCase(name, "pubsub")) {
    *type = ClientType::kPubSub;
  } else if (EqualsIgnoreCase(name, "master")) {
    *type = ClientType::kMaster;
  } else {
    ctx.reply.Error("ERR Unknown client type '" + std::string(name) + "'");
    return false;
  }
  return true;
}

// A connection with subscriptions is a pubsub client, every other one a normal client: no
// replication yet, and MONITOR clients count as normal in Redis too (getClientType).
bool HasType(const Connection& c, ClientType type) {
  bool pubsub = c.shown_channels() + c.shown_patterns() + c.shown_shard_channels() > 0;
  return type == (pubsub ? ClientType::kPubSub : ClientType::kNormal);
}

// Client names and library attributes are printed in CLIENT LIST, space-separated, so Redis
// refuses anything outside '!'..'~'.
bool IsPrintableToken(std::string_view s) {
  for (char c : s) {
    if (c < '!' || c > '~') {
      return false;
    }
  }
  return true;
}

// An id in [1, INT64_MAX]; anything else is refused with `error`.
bool ParseClientIdOrReply(CommandContext& ctx, std::string_view arg, std::string_view error,
                          uint64_t* id) {
  auto v = common::ParseInt64(arg);
  if (!v || *v < 1) {
    ctx.reply.Error(error);
    return false;
  }
  *id = static_cast<uint64_t>(*v);
  return true;
}

void CmdClientId(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(Conn(ctx).id()));
}

void CmdClientSetName(CommandContext& ctx) {
  std::string_view name = ctx.args[2];
  if (!IsPrintableToken(name)) {
    return ctx.reply.Error(
        "ERR Client names cannot contain spaces, newlines or special characters.");
  }
  Conn(ctx).set_name(std::string(name));
  ctx.reply.Ok();
}

void CmdClientGetName(CommandContext& ctx) {
  std::string name = Conn(ctx).name();
  if (name.empty()) {
    return ctx.reply.Null();
  }
  ctx.reply.Bulk(name);
}

// CLIENT LIST [TYPE type] | [ID id [id ...]]: as in Redis 7.0, TYPE and ID do not combine.
// With ID, any integer is accepted and the lines follow the ids given (a repeated id is listed
// again, an unknown one skipped).
void CmdClientList(CommandContext& ctx) {
  std::string text;
  if (ctx.argc() >= 4 && EqualsIgnoreCase(ctx.args[2], "id")) {
    std::vector<int64_t> ids;
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      if (!commands::ParseInt64OrReply(ctx, ctx.args[i], &id, "ERR Invalid client ID")) {
        return;
      }
      ids.push_back(id);
    }
    const std::vector<ReplicationService::ReplicaClient> replicas =
        Admin(ctx).replication().ReplicaClients();
    for (int64_t id : ids) {
      if (id < 1) {
        continue;
      }
      bool found = false;
      Admin(ctx).clients().WithClient(static_cast<uint64_t>(id), [&](Connection* c) {
        if (c != nullptr) {
          text += c->Describe();
          text += '\n';
          found = true;
        }
      });
      if (!found) {
        for (const ReplicationService::ReplicaClient& r : replicas) {
          if (r.identity.client_id == static_cast<uint64_t>(id)) {
            text += r.line;
            text += '\n';
          }
        }
      }
    }
    return ctx.reply.Verbatim("txt", text);
  }
  bool by_type = false;
  ClientType type = ClientType::kNormal;
  if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.args[2], "type")) {
    if (!ParseClientTypeOrReply(ctx, ctx.args[3], &type)) {
      return;
    }
    by_type = true;
  } else if (ctx.argc() != 2) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  Admin(ctx).clients().ForEach([&](Connection& c) {
    if (by_type && !HasType(c, type)) {
      return;
    }
    text += c.Describe();
    text += '\n';
  });
  // The replicas were clients until their PSYNC handed the connection to a sender; Redis lists
  // them with the rest.
  if (!by_type || type == ClientType::kReplica) {
    for (const ReplicationService::ReplicaClient& r : Admin(ctx).replication().ReplicaClients()) {
      text += r.line;
      text += '\n';
    }
  }
  ctx.reply.Verbatim("txt", text);
}

void CmdClientInfo(CommandContext& ctx) {
  std::string text = Conn(ctx).Describe();
  text += '\n';
  ctx.reply.Verbatim("txt", text);
}

// What CLIENT KILL's filter form selects; an unset filter matches every client.
struct KillFilter {
  uint64_t id = 0;
  bool has_type = false;
  ClientType type = ClientType::kNormal;
  std::string_view addr;
  std::string_view laddr;
  std::string_view user;
  bool skip_me = true;
  int64_t max_age_seconds = 0;
};

bool ParseKillFilterOrReply(CommandContext& ctx, KillFilter* f) {
  for (size_t i = 2; i + 1 < ctx.argc(); i += 2) {
    std::string_view opt = ctx.args[i];
    std::string_view val = ctx.args[i + 1];
    if (EqualsIgnoreCase(opt, "id")) {
      if (!ParseClientIdOrReply(ctx, val, "ERR client-id should be greater than 0", &f->id)) {
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "type")) {
      if (!ParseClientTypeOrReply(ctx, val, &f->type)) {
        return false;
      }
      f->has_type = true;
    } else if (EqualsIgnoreCase(opt, "addr")) {
      f->addr = val;
    } else if (EqualsIgnoreCase(opt, "laddr")) {
      f->laddr = val;
    } else if (EqualsIgnoreCase(opt, "user")) {
      if (ctx.services.acl.Find(val) == nullptr) {
        ctx.reply.Error("ERR No such user '" + std::string(val) + "'");
        return false;
      }
      f->user = val;
    } else if (EqualsIgnoreCase(opt, "skipme")) {
      if (EqualsIgnoreCase(val, "yes")) {
        f->skip_me = true;
      } else if (EqualsIgnoreCase(val, "no")) {
        f->skip_me = false;
      } else {
        ctx.reply.Error(commands::kErrSyntax);
        return false;
      }
    } else if (EqualsIgnoreCase(opt, "maxage")) {
      auto v = common::ParseInt64(val);
      if (!v) {
        ctx.reply.Error(commands::kErrSyntax);
        return false;
      }
      f->max_age_seconds = *v;
    } else {
      ctx.reply.Error(commands::kErrSyntax);
      return false;
    }
  }
  return true;
}

bool Matches(const KillFilter& f, Connection& c, const Connection& me, int64_t now_ms) {
  if (f.id != 0 && c.id() != f.id) {
    return false;
  }
  if (f.has_type && !HasType(c, f.type)) {
    return false;
  }
  if (!f.addr.empty() && c.peer_address() != f.addr) {
    return false;
  }
  if (!f.laddr.empty() && c.local_address() != f.laddr) {
    return false;
  }
  if (!f.user.empty() && c.user_name() != f.user) {
    return false;
  }
  if (f.skip_me && &c == &me) {
    return false;
  }
  // MAXAGE kills connections at least that old.
  if (f.max_age_seconds != 0 && (now_ms - c.created_ms()) / 1000 < f.max_age_seconds) {
    return false;
  }
  return true;
}

// The same filter against a replica's link (a client of type replica, never the caller).
bool MatchesReplica(const KillFilter& f, const replication::ReplicaHandshake& r, int64_t now_ms) {
  return (f.id == 0 || r.client_id == f.id) && (!f.has_type || f.type == ClientType::kReplica) &&
         (f.addr.empty() || r.peer_address == f.addr) &&
         (f.laddr.empty() || r.local_address == f.laddr) &&
         (f.user.empty() || r.user_name == f.user) &&
         (f.max_age_seconds == 0 || (now_ms - r.created_ms) / 1000 >= f.max_age_seconds);
}

// Closes the given connections: the caller's own after its reply is written, the others on
// their own threads.
void KillClients(ClientRegistry& clients, Connection& me,
                 const std::vector<std::pair<uint64_t, IoThread*>>& targets) {
  for (const auto& [id, thread] : targets) {
    if (id == me.id()) {
      me.CloseAfterReply("killed");
      continue;
    }
    thread->loop.Post([&clients, id = id] {
      // On the target's thread, where it cannot be deleted while we hold the pointer.
      Connection* target = nullptr;
      clients.WithClient(id, [&](Connection* c) { target = c; });
      if (target != nullptr) {
        target->Close("killed");
      }
    });
  }
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]: 1 when that client waited in a blocking command
// (it is then answered on its own thread, as by a timeout or with -UNBLOCKED), else 0.
void CmdClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ReplySubcommandSyntaxError(ctx, "CLIENT");
  }
  int64_t id;
  if (!commands::ParseInt64OrReply(ctx, ctx.args[2], &id)) {
    return;
  }
  bool as_error = false;
  if (ctx.argc() == 4 && EqualsIgnoreCase(ctx.args[3], "error")) {
    as_error = true;
  } else if (ctx.argc() == 4 && !EqualsIgnoreCase(ctx.args[3], "timeout")) {
    return ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
  }
  ClientRegistry& clients = Admin(ctx).clients();
  IoThread* thread = nullptr;
  clients.WithClient(static_cast<uint64_t>(id), [&](Connection* c) {
    if (c != nullptr && c->blocked_for_keys()) {
      thread = &c->thread();
    }
  });
  if (thread == nullptr) {
    return ctx.reply.Integer(0);
  }
  thread->loop.Post([&clients, id = static_cast<uint64_t>(id), as_error] {
    // On the target's thread, where it cannot be deleted while we hold the pointer.
    Connection* target = nullptr;
    clients.WithClient(id, [&](Connection* c) { target = c; });
    if (target != nullptr) {
      target->UnblockByRequest(as_error);
    }
  });
  ctx.reply.Integer(1);
}

// CLIENT KILL ip:port (old form: OK or an error) or CLIENT KILL <filter> <value> ...
// (new form: the number of clients killed).
void CmdClientKill(CommandContext& ctx) {
  Connection& me = Conn(ctx);
  bool old_form = ctx.argc() == 3;
  KillFilter filter;
  if (old_form) {
    filter.addr = ctx.args[2];
    filter.skip_me = false;
  } else if (ctx.argc() % 2 != 0) {
    return ctx.reply.Error(commands::kErrSyntax);
  } else if (!ParseKillFilterOrReply(ctx, &filter)) {
    return;
  }
  std::vector<std::pair<uint64_t, IoThread*>> targets;
  int64_t now_ms = common::UnixMillis();
  Admin(ctx).clients().ForEach([&](Connection& c) {
    if (Matches(filter, c, me, now_ms)) {
      targets.emplace_back(c.id(), &c.thread());
    }
  });
  std::vector<uint64_t> replicas;
  for (const ReplicationService::ReplicaClient& r : Admin(ctx).replication().ReplicaClients()) {
    if (MatchesReplica(filter, r.identity, now_ms)) {
      replicas.push_back(r.identity.client_id);
    }
  }
  const size_t killed = targets.size() + replicas.size();
  if (old_form) {
    if (killed == 0) {
      return ctx.reply.Error("ERR No such client");
    }
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(static_cast<int64_t>(killed));
  }
  KillClients(Admin(ctx).clients(), me, targets);
  if (!replicas.empty()) {
    Admin(ctx).replication().KillReplicaClients(replicas);
  }
}

// CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2; clients such as redis-py send it on
// connect).
void CmdClientSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.args[2];
  std::string_view value = ctx.args[3];
  bool is_name = EqualsIgnoreCase(attr, "lib-name");
  if (!is_name && !EqualsIgnoreCase(attr, "lib-ver")) {
    return ctx.reply.Error("ERR Unrecognized option '" + std::string(attr) + "'");
  }
  if (!IsPrintableToken(value)) {
    return ctx.reply.Error(std::string("ERR ") + (is_name ? "lib-name" : "lib-ver") +
                           " cannot contain spaces, newlines or special characters.");
  }
  Connection& conn = Conn(ctx);
  if (is_name) {
    conn.set_lib_name(std::string(value));
  } else {
    conn.set_lib_version(std::string(value));
  }
  ctx.reply.Ok();
}

// CLIENT PAUSE timeout-ms [WRITE|ALL]
void CmdClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ReplySubcommandSyntaxError(ctx, "CLIENT");
  }
  auto timeout = common::ParseInt64(ctx.args[2]);
  if (!timeout) {
    return ctx.reply.Error("ERR timeout is not an integer or out of range");
  }
  if (*timeout < 0) {
    return ctx.reply.Error("ERR timeout is negative");
  }
  bool writes_only = false;
  if (ctx.argc() == 4) {
    if (EqualsIgnoreCase(ctx.args[3], "write")) {
      writes_only = true;
    } else if (!EqualsIgnoreCase(ctx.args[3], "all")) {
      return ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
    }
  }
  int64_t now = common::UnixMillis();
  int64_t until = *timeout > INT64_MAX - now ? INT64_MAX : now + *timeout;
  ctx.services.pause.Pause(until, writes_only);
  ctx.reply.Ok();
}

void CmdClientUnpause(CommandContext& ctx) {
  ctx.services.pause.Unpause();
  ctx.reply.Ok();
}

void CmdClientNoEvict(CommandContext& ctx) {
  if (EqualsIgnoreCase(ctx.args[2], "on")) {
    Conn(ctx).set_no_evict(true);
  } else if (EqualsIgnoreCase(ctx.args[2], "off")) {
    Conn(ctx).set_no_evict(false);
  } else {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  ctx.reply.Ok();
}

// CLIENT REPLY ON|OFF|SKIP. OFF and SKIP have no reply of their own; Connection::Execute
// applies the mode from the next command on (and sends ON's +OK even when replies were off).
void CmdClientReply(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  std::string_view mode = ctx.args[2];
  if (EqualsIgnoreCase(mode, "on")) {
    conn.set_reply_mode(ReplyMode::kOn);
    ctx.reply.Ok();
  } else if (EqualsIgnoreCase(mode, "off")) {
    conn.set_reply_mode(ReplyMode::kOff);
  } else if (EqualsIgnoreCase(mode, "skip")) {
    if (conn.reply_mode() != ReplyMode::kOff) {
      conn.set_reply_mode(ReplyMode::kSkipNext);
    }
  } else {
    ctx.reply.Error(commands::kErrSyntax);
  }
}

// Whether two BCAST prefixes would report the same keys: one is a prefix of the other.
bool PrefixesOverlap(std::string_view a, std::string_view b) {
  return a.starts_with(b) || b.starts_with(a);
}

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p]... [BCAST] [OPTIN] [OPTOUT] [NOLOOP], with
// Redis 7.0's checks in its order and texts.
void CmdClientTracking(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  TrackingOptions options;
  bool optin = false;
  bool optout = false;
  for (size_t j = 3; j < ctx.argc(); ++j) {
    const std::string_view a = ctx.args[j];
    const bool more = j + 1 < ctx.argc();
    if (EqualsIgnoreCase(a, "redirect") && more) {
      ++j;
      if (options.redirect != 0) {
        return ctx.reply.Error("ERR A client can only redirect to a single other client");
      }
      int64_t id = 0;
      if (!commands::ParseInt64OrReply(ctx, ctx.args[j], &id)) {
        return;
      }
      bool exists = false;
      Admin(ctx).clients().WithClient(static_cast<uint64_t>(id),
                                      [&](Connection* c) { exists = c != nullptr; });
      if (!exists) {
        return ctx.reply.Error("ERR The client ID you want redirect to does not exist");
      }
      options.redirect = static_cast<uint64_t>(id);
    } else if (EqualsIgnoreCase(a, "bcast")) {
      options.bcast = true;
    } else if (EqualsIgnoreCase(a, "optin")) {
      optin = true;
    } else if (EqualsIgnoreCase(a, "optout")) {
      optout = true;
    } else if (EqualsIgnoreCase(a, "noloop")) {
      options.noloop = true;
    } else if (EqualsIgnoreCase(a, "prefix") && more) {
      options.prefixes.emplace_back(ctx.args[++j]);
    } else {
      return ctx.reply.Error(commands::kErrSyntax);
    }
  }
  const std::string_view mode = ctx.args[2];
  if (EqualsIgnoreCase(mode, "off")) {
    conn.DisableTracking();
    return ctx.reply.Ok();
  }
  if (!EqualsIgnoreCase(mode, "on")) {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  const Connection::TrackingState& now = conn.tracking();
  if (!options.bcast && !options.prefixes.empty()) {
    return ctx.reply.Error("ERR PREFIX option requires BCAST mode to be enabled");
  }
  if (now.on && now.bcast != options.bcast) {
    return ctx.reply.Error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
  }
  if (options.bcast && (optin || optout)) {
    return ctx.reply.Error("ERR OPTIN and OPTOUT are not compatible with BCAST");
  }
  if (optin && optout) {
    return ctx.reply.Error("ERR You can't specify both OPTIN mode and OPTOUT mode");
  }
  if ((optin && now.optout) || (optout && now.optin)) {
    return ctx.reply.Error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
  }
  if (options.bcast) {
    // Prefixes that would report the same key: against the client's own, then each other.
    const std::vector<std::string>& given = options.prefixes;
    for (size_t i = 0; i < given.size(); ++i) {
      for (const std::string& held : now.prefixes) {
        if (PrefixesOverlap(held, given[i])) {
          return ctx.reply.Error("ERR Prefix '" + given[i] +
                                 "' overlaps with an existing prefix '" + held +
                                 "'. Prefixes for a single client must not overlap.");
        }
      }
      for (size_t k = i + 1; k < given.size(); ++k) {
        if (PrefixesOverlap(given[i], given[k])) {
          return ctx.reply.Error("ERR Prefix '" + given[i] +
                                 "' overlaps with another provided prefix '" + given[k] +
                                 "'. Prefixes for a single client must not overlap.");
        }
      }
    }
  }
  conn.EnableTracking(options, optin, optout);
  ctx.reply.Ok();
}

// CLIENT CACHING YES|NO: the next command's (or transaction's) reads are remembered (OPTIN)
// or not (OPTOUT).
void CmdClientCaching(CommandContext& ctx) {
  Connection& conn = Conn(ctx);
  const Connection::TrackingState& t = conn.tracking();
  if (!t.on) {
    return ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
  }
  const std::string_view opt = ctx.args[2];
  if (EqualsIgnoreCase(opt, "yes")) {
    if (!t.optin) {
      return ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
    }
  } else if (EqualsIgnoreCase(opt, "no")) {
    if (!t.optout) {
      return ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
    }
  } else {
    return ctx.reply.Error(commands::kErrSyntax);
  }
  conn.SetTrackingCaching();
  ctx.reply.Ok();
}

void CmdClientGetRedir(CommandContext& ctx) {
  const Connection::TrackingState& t = Conn(ctx).tracking();
  ctx.reply.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
}

void CmdClientTrackingInfo(CommandContext& ctx) {
  const Connection::TrackingState& t = Conn(ctx).tracking();
  std::vector<std::string_view> flags{t.on ? "on" : "off"};
  if (t.bcast) {
    flags.push_back("bcast");
  }
  if (t.optin) {
    flags.push_back("optin");
    if (t.caching) {
      flags.push_back("caching-yes");
    }
  }
  if (t.optout) {
    flags.push_back("optout");
    if (t.caching) {
      flags.push_back("caching-no");
    }
  }
  if (t.noloop) {
    flags.push_back("noloop");
  }
  if (t.broken_redirect) {
    flags.push_back("broken_redirect");
  }
  ctx.reply.MapHeader(3);
  ctx.reply.Bulk("flags");
  ctx.reply.SetHeader(flags.size());
  for (std::string_view f : flags) {
    ctx.reply.Bulk(f);
  }
  ctx.reply.Bulk("redirect");
  ctx.reply.Integer(t.on ? static_cast<int64_t>(t.redirect) : -1);
  ctx.reply.Bulk("prefixes");
  ctx.reply.ArrayHeader(t.prefixes.size());
  for (const std::string& p : t.prefixes) {
    ctx.reply.Bulk(p);
  }
}

void CmdClientHelp(CommandContext& ctx) {
  ReplyHelp(ctx, "CLIENT",
            {"CACHING (YES|NO)",
             "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
             "GETNAME",
             "    Return the name of the current connection.",
             "GETREDIR",
             "    Return the client ID we are redirecting to when tracking is enabled.",
             "ID",
             "    Return the ID of the current connection.",
             "INFO",
             "    Return information about the current client connection.",
             "KILL <ip:port>",
             "    Kill connection made from <ip:port>.",
             "KILL <option> <value> [<option> <value> [...]]",
             "    Kill connections. Options are:",
             "    * ID <client-id>",
             "      Kill connections by client id.",
             "    * ADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made from the specified address",
             "    * LADDR (<ip:port>|<unixsocket>:0)",
             "      Kill connections made to specified local address",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Kill connections by type.",
             "    * USER <username>",
             "      Kill connections authenticated by <username>.",
             "    * SKIPME (YES|NO)",
             "      Skip killing current connection (default: yes).",
             "    * MAXAGE <maxage>",
             "      Kill connections older than the specified age.",
             "LIST [options ...]",
             "    Return information about client connections. Options:",
             "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
             "      Return clients of specified type.",
             "    * ID <client-id> [<client-id> ...]",
             "      Return clients of specified IDs only.",
             "NO-EVICT (ON|OFF)",
             "    Protect current client connection from eviction.",
             "PAUSE <timeout> [WRITE|ALL]",
             "    Suspend all, or just write, clients for <timeout> milliseconds.",
             "REPLY (ON|OFF|SKIP)",
             "    Control the replies sent to the current connection.",
             "SETINFO <LIB-NAME|LIB-VER> <value>",
             "    Set client meta attr. Options are:",
             "SETNAME <name>",
             "    Assign the name <name> to the current connection.",
             "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
             "         [OPTIN] [OPTOUT] [NOLOOP]",
             "    Control server assisted client side caching.",
             "TRACKINGINFO",
             "    Report tracking status for the current connection.",
             "UNBLOCK <clientid> [TIMEOUT|ERROR]",
             "    Unblock the specified blocked client.",
             "UNPAUSE",
             "    Stop the current client pause, resuming traffic."});
}

}  // namespace

void RegisterClientCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  constexpr uint32_t kConn = kNoScript | kLoading | kStale;
  constexpr uint32_t kAdminConn = kAdmin | kNoScript | kLoading | kStale;
  constexpr uint64_t kAclConn = kAclSlow | kAclConnection;
  constexpr uint64_t kAclAdminConn = kAclAdmin | kAclSlow | kAclDangerous | kAclConnection;
  auto sub = [](std::string_view name, int arity, uint32_t flags, uint64_t acl, Handler handler,
                std::string_view summary, std::string_view since) {
    return CommandSpec{.name = name,
                       .arity = arity,
                       .flags = flags,
                       .acl = acl,
                       .handler = handler,
                       .summary = summary,
                       .since = since,
                       .group = "connection"};
  };
  table.Add(
      {.name = "client",
       .arity = -2,
       .acl = kAclSlow,
       .summary = "A container for client connection commands.",
       .since = "2.4.0",
       .group = "connection",
       .subcommands = {
           sub("client|id", 2, kConn, kAclConn, CmdClientId,
               "Returns the unique client ID of the connection.", "5.0.0"),
           sub("client|setname", 3, kConn, kAclConn, CmdClientSetName, "Sets the connection name.",
               "2.6.9"),
           sub("client|getname", 2, kConn, kAclConn, CmdClientGetName,
               "Returns the name of the connection.", "2.6.9"),
           sub("client|list", -2, kAdminConn, kAclAdminConn, CmdClientList,
               "Lists open connections.", "2.4.0"),
           sub("client|info", 2, kConn, kAclConn, CmdClientInfo,
               "Returns information about the connection.", "6.2.0"),
           sub("client|kill", -3, kAdminConn, kAclAdminConn, CmdClientKill,
               "Terminates open connections.", "2.4.0"),
           sub("client|setinfo", 4, kConn, kAclConn, CmdClientSetInfo,
               "Sets information specific to the client or connection.", "7.2.0"),
           sub("client|pause", -3, kAdminConn, kAclAdminConn, CmdClientPause,
               "Suspends commands processing.", "3.0.0"),
           sub("client|unpause", 2, kAdminConn, kAclAdminConn, CmdClientUnpause,
               "Resumes processing commands from paused clients.", "6.2.0"),
           sub("client|no-evict", 3, kAdminConn, kAclAdminConn, CmdClientNoEvict,
               "Sets the client eviction mode of the connection.", "7.0.0"),
           sub("client|reply", 3, kConn, kAclConn, CmdClientReply,
               "Instructs the server whether to reply to commands.", "3.2.0"),
           sub("client|unblock", -3, kAdminConn, kAclAdminConn, CmdClientUnblock,
               "Unblocks a client blocked by a blocking command from a different "
               "connection.",
               "5.0.0"),
           sub("client|tracking", -3, kConn, kAclConn, CmdClientTracking,
               "Controls server-assisted client-side caching for the connection.", "6.0.0"),
           sub("client|caching", 3, kConn, kAclConn, CmdClientCaching,
               "Instructs the server whether to track the keys in the next request.", "6.0.0"),
           sub("client|getredir", 2, kConn, kAclConn, CmdClientGetRedir,
               "Returns the client ID to which the connection's tracking notifications "
               "are redirected.",
               "6.0.0"),
           sub("client|trackinginfo", 2, kConn, kAclConn, CmdClientTrackingInfo,
               "Returns information about server-assisted client-side caching for the "
               "connection.",
               "6.2.0"),
           sub("client|help", 2, kLoading | kStale, kAclConn, CmdClientHelp,
               "Returns helpful text about the different subcommands.", "5.0.0"),
       }});
}

}  // namespace redoubt::server
