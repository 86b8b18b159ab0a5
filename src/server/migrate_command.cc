// MIGRATE: moves keys to another node as Redis 7.0 does, for resharding a cluster (redis-cli
// --cluster reshard) and between standalone servers: each key's DUMP payload goes to the target
// as RESTORE (RESTORE-ASKING in cluster mode, which a node importing the slot accepts), and the
// keys the target acknowledged are deleted here (unless COPY) and logged as one DEL.
//
// The connection to a target is kept for the next MIGRATE to the same host:port (redis-cli
// sends one per batch of keys), up to 64 of them, each closed after 10 idle seconds; it
// remembers its selected database. A broken cached connection is tried once anew, unless a
// key was already acknowledged on it.
//
// The transfer blocks the command's I/O thread for up to the timeout, holding the shards of
// the keys being moved, as Redis blocks its one thread: nothing else may change those keys
// while their copies are on the way.
//
// Thread: handlers on the caller's I/O thread; the connection cache is shared under a mutex.
#include "server/migrate_command.h"

#include <absl/synchronization/mutex.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "commands/command_context.h"
#include "commands/errors.h"
#include "commands/key_operations.h"
#include "commands/keyspace_notifications.h"
#include "common/ascii.h"
#include "common/clock.h"
#include "common/numbers.h"
#include "net/plain_transport.h"
#include "persistence/dump_commands.h"
#include "replication/blocking_io.h"

namespace redoubt::server {
namespace {

using commands::CommandContext;

constexpr size_t kMaxCachedConnections = 64;
constexpr int64_t kIdleCloseMs = 10000;

// A connection to a target, with the database it last selected (-1: unknown).
struct TargetConnection {
  std::unique_ptr<net::PlainTransport> transport;
  int selected_db = -1;
  int64_t last_used_ms = 0;
};

class ConnectionCache {
 public:
  std::optional<TargetConnection> Take(const std::string& target) {
    absl::MutexLock lock(&mu_);
    auto it = idle_.find(target);
    if (it == idle_.end()) {
      return std::nullopt;
    }
    TargetConnection c = std::move(it->second);
    idle_.erase(it);
    return c;
  }
  void Put(const std::string& target, TargetConnection c) {
    absl::MutexLock lock(&mu_);
    if (idle_.size() >= kMaxCachedConnections) {
      idle_.erase(idle_.begin());  // full: one goes (Redis picks at random)
    }
    c.last_used_ms = common::MonotonicMillis();
    idle_.insert_or_assign(target, std::move(c));
  }
  void CloseIdle() {
    absl::MutexLock lock(&mu_);
    const int64_t now = common::MonotonicMillis();
    std::erase_if(idle_, [&](const auto& e) { return now - e.second.last_used_ms > kIdleCloseMs; });
  }

 private:
  absl::Mutex mu_;
  std::map<std::string, TargetConnection> idle_ ABSL_GUARDED_BY(mu_);
};

ConnectionCache& Cache() {
  static ConnectionCache* cache = new ConnectionCache;  // lives as long as the process
  return *cache;
}

struct MigrateRequest {
  std::string host;
  std::string port_text;  // as given: with the host, the connection cache's key
  int64_t port = 0;
  int64_t db = 0;
  int64_t timeout_ms = 0;
  bool copy = false;
  bool replace = false;
  std::vector<std::string_view> auth;  // AUTH's arguments (password, or user and password)
  std::vector<std::string_view> keys;
};

// The arguments as Redis's migrateCommand reads them: the options first (from argv[6]), then
// the timeout and the database.
std::optional<MigrateRequest> ParseOrReply(CommandContext& ctx) {
  MigrateRequest r;
  const auto& a = ctx.args;
  size_t first_key = 3;
  size_t key_count = 1;
  for (size_t j = 6; j < a.size(); ++j) {
    const size_t more = a.size() - j - 1;
    if (common::EqualsIgnoreCase(a[j], "copy")) {
      r.copy = true;
    } else if (common::EqualsIgnoreCase(a[j], "replace")) {
      r.replace = true;
    } else if (common::EqualsIgnoreCase(a[j], "auth") && more >= 1) {
      ctx.client.RedactArgument(j + 1);
      r.auth = {a[++j]};
    } else if (common::EqualsIgnoreCase(a[j], "auth2") && more >= 2) {
      ctx.client.RedactArgument(j + 1);
      ctx.client.RedactArgument(j + 2);
      r.auth = {a[j + 1], a[j + 2]};
      j += 2;
    } else if (common::EqualsIgnoreCase(a[j], "keys")) {
      if (!a[3].empty()) {
        ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return std::nullopt;
      }
      first_key = j + 1;
      key_count = a.size() - j - 1;
      break;
    } else {
      ctx.reply.Error(commands::kErrSyntax);
      return std::nullopt;
    }
  }
  if (!commands::ParseInt64OrReply(ctx, a[5], &r.timeout_ms) ||
      !commands::ParseInt64OrReply(ctx, a[4], &r.db)) {
    return std::nullopt;
  }
  if (r.timeout_ms <= 0) {
    r.timeout_ms = 1000;
  }
  r.host = std::string(a[1]);
  r.port_text = std::string(a[2]);
  // A port that is no number fails to connect, as in Redis (IOERR), rather than a parse error.
  r.port = common::ParseInt64(a[2]).value_or(-1);
  r.keys.assign(a.begin() + first_key, a.begin() + first_key + key_count);
  return r;
}

void AppendCommand(std::string* out, std::initializer_list<std::string_view> args) {
  *out += "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view arg : args) {
    *out += "$" + std::to_string(arg.size()) + "\r\n";
    out->append(arg);
    *out += "\r\n";
  }
}

// The keys still here (an expired one is skipped), with their payloads and remaining TTLs.
struct Outgoing {
  std::string_view key;
  std::string payload;
  int64_t ttl_ms;  // 0: none
};

// One attempt over one connection. Returns the reply to give; *acknowledged: the keys the
// target stored; *retry: a broken connection before any key was acknowledged.
std::string Transfer(const MigrateRequest& r, const std::vector<Outgoing>& out,
                     TargetConnection& conn, bool cluster_mode, std::vector<bool>* acknowledged,
                     bool* retry) {
  const int timeout = static_cast<int>(std::min<int64_t>(r.timeout_ms, 1 << 30));
  std::string request;
  const bool send_auth = !r.auth.empty();
  if (send_auth) {
    if (r.auth.size() == 1) {
      AppendCommand(&request, {"AUTH", r.auth[0]});
    } else {
      AppendCommand(&request, {"AUTH", r.auth[0], r.auth[1]});
    }
  }
  const bool send_select = conn.selected_db != r.db;
  const std::string db = std::to_string(r.db);
  if (send_select) {
    AppendCommand(&request, {"SELECT", db});
  }
  for (const Outgoing& o : out) {
    const std::string ttl = std::to_string(o.ttl_ms);
    const std::string_view name = cluster_mode ? "RESTORE-ASKING" : "RESTORE";
    if (r.replace) {
      AppendCommand(&request, {name, o.key, ttl, o.payload, "REPLACE"});
    } else {
      AppendCommand(&request, {name, o.key, ttl, o.payload});
    }
  }
  if (!replication::WriteFully(*conn.transport, request, timeout).ok()) {
    *retry = true;
    return "IOERR error or timeout writing to target instance";
  }
  std::string pending;
  std::string target_error;
  // AUTH's and SELECT's replies, then one per key.
  for (int i = 0; i < (send_auth ? 1 : 0) + (send_select ? 1 : 0); ++i) {
    absl::StatusOr<std::string> line = replication::ReadLine(*conn.transport, &pending, timeout);
    if (!line.ok()) {
      *retry = true;
      return "IOERR error or timeout reading to target instance";
    }
    if (!line->empty() && (*line)[0] == '-' && target_error.empty()) {
      target_error = line->substr(1);
    }
  }
  conn.selected_db = target_error.empty() ? static_cast<int>(r.db) : -1;
  for (size_t i = 0; i < out.size(); ++i) {
    absl::StatusOr<std::string> line = replication::ReadLine(*conn.transport, &pending, timeout);
    if (!line.ok()) {
      *retry = i == 0;
      return "IOERR error or timeout reading to target instance";
    }
    if (!line->empty() && (*line)[0] == '-') {
      if (target_error.empty()) {
        target_error = line->substr(1);
      }
      conn.selected_db = -1;
    } else {
      (*acknowledged)[i] = true;
    }
  }
  if (!target_error.empty()) {
    return "ERR Target instance replied with error: " + target_error;
  }
  return {};
}

void CmdMigrate(CommandContext& ctx) {
  std::optional<MigrateRequest> r = ParseOrReply(ctx);
  if (!r) {
    return;
  }
  const int64_t now = common::UnixMillis();
  std::vector<Outgoing> out;
  const bool compress = ctx.settings.rdbcompression.load(std::memory_order_relaxed);
  for (std::string_view key : r->keys) {
    storage::Entry* e = ctx.keyspace.Find(ctx.db(), key);
    if (e == nullptr) {
      continue;
    }
    int64_t ttl = 0;
    if (e->expire_ms() != storage::kNoExpire) {
      ttl = std::max<int64_t>(1, e->expire_ms() - now);
    }
    out.push_back({key, persistence::DumpPayload(*e, compress), ttl});
  }
  if (out.empty()) {
    return ctx.reply.SimpleString("NOKEY");
  }
  const std::string target = r->host + ":" + r->port_text;
  const bool cluster_mode = ctx.keyspace.cluster_mode();
  std::vector<bool> acknowledged(out.size());
  std::string error;
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::optional<TargetConnection> conn = Cache().Take(target);
    if (!conn) {
      absl::StatusOr<int> fd = r->port <= 0 || r->port > 65535
                                   ? absl::StatusOr<int>(absl::InvalidArgumentError("bad port"))
                                   : replication::ConnectTcp(r->host, static_cast<int>(r->port),
                                                             static_cast<int>(r->timeout_ms));
      if (!fd.ok()) {
        return ctx.reply.Error("IOERR error or timeout connecting to the client");
      }
      conn.emplace();
      conn->transport = std::make_unique<net::PlainTransport>(*fd);
    }
    bool retry = false;
    error = Transfer(*r, out, *conn, cluster_mode, &acknowledged, &retry);
    if (!error.starts_with("IOERR")) {
      Cache().Put(target, std::move(*conn));  // kept for the next batch
      break;
    }
    if (!retry) {
      break;  // the connection closes with conn
    }
  }
  // The keys the target stored go from here, and the log deletes them on replicas too.
  if (!r->copy) {
    std::vector<std::string_view> moved;
    for (size_t i = 0; i < out.size(); ++i) {
      if (acknowledged[i]) {
        moved.push_back(out[i].key);
      }
    }
    if (!moved.empty()) {
      ctx.dirty += commands::OpDelete(ctx.keyspace, ctx.db(), moved, [&](std::string_view key) {
        commands::NotifyKeyspaceEvent(ctx, commands::kNotifyGeneric, "del", key);
      });
      if (ctx.propagating) {
        ctx.propagate_as.assign({"DEL"});
        ctx.propagate_as.insert(ctx.propagate_as.end(), moved.begin(), moved.end());
      }
    }
  }
  if (!error.empty()) {
    return ctx.reply.Error(error);
  }
  ctx.reply.Ok();
}

// MIGRATE's keys: argv[3], or the arguments after KEYS (AUTH's and AUTH2's skipped), as
// Redis's migrateGetKeys.
void MigrateKeys(std::span<const std::string_view> args, std::vector<std::string_view>* keys) {
  for (size_t i = 6; i < args.size(); ++i) {
    if (common::EqualsIgnoreCase(args[i], "auth")) {
      ++i;
    } else if (common::EqualsIgnoreCase(args[i], "auth2")) {
      i += 2;
    } else if (common::EqualsIgnoreCase(args[i], "keys")) {
      if (!args[3].empty()) {
        return;
      }
      keys->insert(keys->end(), args.begin() + i + 1, args.end());
      return;
    }
  }
  if (args.size() > 3) {
    keys->push_back(args[3]);
  }
}

}  // namespace

void CloseIdleMigrateConnections() {
  Cache().CloseIdle();
}

void RegisterMigrateCommand(commands::CommandTable& table) {
  using namespace commands;  // flag and category names
  table.Add({.name = "migrate",
             .arity = -6,
             .flags = kWrite,
             .keys = {3, 3, 1},
             .acl = kAclKeyspace | kAclWrite | kAclSlow | kAclDangerous,
             .handler = CmdMigrate,
             .key_finder = MigrateKeys,
             .summary = "Atomically transfer a key from a Redis instance to another one.",
             .since = "2.6.0",
             .group = "generic"});
}

}  // namespace redoubt::server
