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
#include <vector>

#include "commands/acl_key_access.h"
#include "commands/client_pause.h"
#include "commands/cluster_routing.h"
#include "commands/command_log.h"
#include "commands/command_table.h"
#include "commands/key_tracking.h"
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

// The script cache and the function libraries, shared across threads. Opaque here for the same
// reason: scripting::Scripting defines them, and scripting/ sits above commands/. What the
// layers below scripting need of the libraries (snapshots write them, loaders and full syncs
// read them back) is declared here.
class ScriptingServices {
 public:
  virtual ~ScriptingServices() = default;
  // Each function library's code (FUNCTION LOAD's argument), for a snapshot.
  virtual std::vector<std::string> FunctionLibraryCodes() const = 0;
  // Loads a library read from a snapshot, an AOF or a primary, however long its code runs;
  // false with Redis's error in *error when it does not load or a name is taken.
  virtual bool LoadFunctionLibrary(std::string_view code, std::string* error) = 0;
  // Drops every library (a full sync replaces them with the primary's).
  virtual void ClearFunctionLibraries() = 0;
  // What scripting holds: every thread's Lua states, the cached scripts and the libraries.
  // Counted against maxmemory with the dataset; cheap (atomic reads).
  virtual uint64_t MemoryBytes() const = 0;
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
  // Client-side caching (CLIENT TRACKING); null where no client can track keys.
  KeyTracking* tracking = nullptr;
  // Cluster mode's slot routing; null outside cluster mode.
  ClusterRouting* cluster = nullptr;
};

}  // namespace redoubt::commands
