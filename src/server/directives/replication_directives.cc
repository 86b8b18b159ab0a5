// Replication: the master to follow (replicaof, masteruser, masterauth), the link and the
// backlog (repl-*), what a replica does and announces (replica-*), and what a master demands of
// its replicas (min-replicas-*). The rows server/replication_service.h acts on are bound to
// Config fields; the rest are accepted, shown and rewritten as Redis does (kNoEffectYet).
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "commands/command_table.h"
#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

// replicaof <host> <port> | no one (alias slaveof): start-up only in Redis 7.0, as here.
// Without replication the master is only remembered and shown.
DirectiveSpec ReplicaOfDirective() {
  DirectiveSpec d =
      NewDirective({.name = "replicaof", .alias = "slaveof", .flags = kImmutable | kMultiArg});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 2) {
      return WrongNumberOfArguments();
    }
    if (commands::EqualsIgnoreCase(args[0], "no") && commands::EqualsIgnoreCase(args[1], "one")) {
      c.replicaof.clear();
      return absl::OkStatus();
    }
    char* end = nullptr;
    long port = std::strtol(args[1].c_str(), &end, 10);
    if (port < 0 || port > 65535 || *end != '\0') {
      return Invalid("Invalid master port");
    }
    c.replicaof = args[0] + " " + std::to_string(port);
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return c.replicaof; };
  d.rewrite = [](const Config& c) {
    if (c.replicaof.empty()) {
      return std::vector<RewriteLine>{};
    }
    size_t space = c.replicaof.rfind(' ');
    return std::vector<RewriteLine>{
        {WordForRewrite(c.replicaof.substr(0, space)) + c.replicaof.substr(space), true}};
  };
  return d;
}

}  // namespace

void RegisterReplicationDirectives(DirectiveRegistry& registry) {
  registry.Add(ReplicaOfDirective());
  const BoolRow bools[] = {
      {"repl-disable-tcp-nodelay", "", 0, false},
      {"repl-diskless-sync", "", 0, true},
      {"replica-lazy-flush", "slave-lazy-flush", 0, false},
      {"replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true},
      {"replica-announced", "", 0, true},
      {"replica-ignore-disk-write-errors", "", 0, false},
  };
  AddBoolRows(registry, bools);
  registry.Add(
      BoolDirective({.name = "replica-serve-stale-data", .alias = "slave-serve-stale-data"}, true,
                    Field<bool>(&Config::replica_serve_stale_data)));
  registry.Add(BoolDirective({.name = "replica-read-only", .alias = "slave-read-only"}, true,
                             Field<bool>(&Config::replica_read_only)));
  registry.Add(StringDirective({.name = "replica-announce-ip", .alias = "slave-announce-ip"},
                               {.empty_is_null = true},
                               Field<std::string>(&Config::replica_announce_ip)));
  registry.Add(StringDirective({.name = "masteruser", .flags = kSensitive}, {.empty_is_null = true},
                               Field<std::string>(&Config::masteruser)));
  registry.Add(StringDirective({.name = "masterauth", .flags = kSensitive}, {.empty_is_null = true},
                               Field<std::string>(&Config::masterauth)));
  registry.Add(
      EnumDirective({.name = "repl-diskless-load", .flags = kDenyLoading},
                    {.values = {{"disabled", 0}, {"on-empty-db", 1}, {"swapdb", 2}}, .def = 0}));
  registry.Add(
      EnumDirective({.name = "propagation-error-behavior"},
                    {.values = {{"ignore", 0}, {"panic", 1}, {"panic-on-replicas", 2}}, .def = 0}));
  NumericRule repl_backlog_size = Memory(Signed(1, kLLongMax, kMb));
  repl_backlog_size.normalize = [](int64_t v) {  // resizeReplicationBacklog's minimum
    return std::max<int64_t>(v, 16 * 1024);
  };
  const NumericRow numbers[] = {
      {"replica-priority", "slave-priority", 0, Signed(0, kIntMax, 100)},
      {"repl-diskless-sync-delay", "", 0, Signed(0, kIntMax, 5)},
      {"repl-diskless-sync-max-replicas", "", 0, Signed(0, kIntMax, 0)},
      {"repl-backlog-ttl", "", 0, Signed(0, kLongMax, 3600)},
  };
  AddNumericRows(registry, numbers);
  registry.Add(NumericDirective({.name = "replica-announce-port", .alias = "slave-announce-port"},
                                Signed(0, 65535, 0),
                                Field<int64_t>(&Config::replica_announce_port)));
  registry.Add(NumericDirective({.name = "repl-timeout"}, Signed(1, kIntMax, 60),
                                Field<int64_t>(&Config::repl_timeout)));
  registry.Add(
      NumericDirective({.name = "repl-ping-replica-period", .alias = "repl-ping-slave-period"},
                       Signed(1, kIntMax, 10), Field<int64_t>(&Config::repl_ping_replica_period)));
  registry.Add(NumericDirective({.name = "min-replicas-to-write", .alias = "min-slaves-to-write"},
                                Signed(0, kIntMax, 0),
                                Field<int64_t>(&Config::min_replicas_to_write)));
  registry.Add(NumericDirective({.name = "min-replicas-max-lag", .alias = "min-slaves-max-lag"},
                                Signed(0, kIntMax, 10),
                                Field<int64_t>(&Config::min_replicas_max_lag)));
  registry.Add(NumericDirective({.name = "repl-backlog-size"}, repl_backlog_size,
                                Field<int64_t>(&Config::repl_backlog_size)));
}

}  // namespace redoubt::server
