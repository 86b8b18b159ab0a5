// What executing a command needs besides its client: the command table, the keyspace, the
// runtime settings, access control, CLIENT PAUSE, SLOWLOG, the MONITOR feed, the pub/sub bus
// and, for the
// server's own commands, its administration. One set per
// server, shared by every thread's Dispatcher and reachable from every handler through its
// CommandContext, so that a handler asks for the service it needs instead of reaching into the
// server (which commands/ cannot see).
//
// Thread: every service here is thread-safe; the struct itself is immutable after start-up.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "commands/acl_key_access.h"
#include "commands/client_pause.h"
#include "commands/command_log.h"
#include "commands/command_table.h"
#include "commands/runtime_settings.h"
#include "commands/slowlog.h"
#include "security/acl_registry.h"
#include "storage/keyspace.h"

namespace redoubt::commands {

class Client;

// Where MONITOR lines go. The server implements it with its monitoring connections.
class MonitorFeed {
 public:
  virtual ~MonitorFeed() = default;
  // Whether any client monitors: one relaxed load on the request path.
  virtual bool active() const = 0;
  // Sends a formatted line ("+<time> [<db> <peer>] \"cmd\" ...\r\n") to every monitor.
  virtual void Feed(const std::string& line) = 0;
};

// Where PUBLISH and keyspace notifications send messages. The server implements it with its
// subscribed connections (server::PubSubRegistry).
class MessageBus {
 public:
  virtual ~MessageBus() = default;
  // Delivers message to every client subscribed to channel and to every subscription of a
  // pattern that matches it; returns how many deliveries that makes, as PUBLISH answers.
  // publisher: the client whose command publishes (nullptr: none, as an expiry), which receives
  // its own message before the command's reply, as in Redis; the others receive it on their
  // own threads.
  virtual int64_t Publish(std::string_view channel, std::string_view message,
                          const Client* publisher = nullptr) = 0;
};

// What only the server's own commands (CONFIG, CLIENT, INFO, MEMORY, SHUTDOWN, …) use: the
// node's configuration, clients and reports. Opaque here: server::ServerAdmin defines it, and
// commands/ cannot see server/; a server-side handler reaches it through its context
// (server/command_helpers.h), never through the connection it came from, so that it runs the
// same for a MULTI queue, a script or a replication link.
class AdminServices {
 public:
  virtual ~AdminServices() = default;
};

// The script cache EVAL, EVALSHA and SCRIPT share across threads. Opaque here for the same
// reason: scripting::ScriptCache defines it, and scripting/ sits above commands/.
class ScriptingServices {
 public:
  virtual ~ScriptingServices() = default;
};

struct ExecutionServices {
  const CommandTable& table;
  storage::Keyspace& keyspace;
  RuntimeSettings& settings;
  security::AclRegistry& acl;
  const AclKeyAccess& acl_key_access;
  ClientPause& pause;
  Slowlog& slowlog;
  MonitorFeed& monitors;
  MessageBus& pubsub;
  // Null where no server runs (the command unit tests), which register no server command.
  AdminServices* admin = nullptr;
  // Where applied writes go (the AOF, replicas); null where nothing consumes them.
  CommandLog* log = nullptr;
  // The script cache; null where no scripting command is registered.
  ScriptingServices* scripting = nullptr;
};

}  // namespace redoubt::commands
