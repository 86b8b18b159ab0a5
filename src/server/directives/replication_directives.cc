// Replication: the master to follow (replicaof, masteruser, masterauth), the link and the
// backlog (repl-*), what a replica does and announces (replica-*), and what a master demands of
// its replicas (min-replicas-*). Redoubt has no replication yet: it accepts, validates, shows
// and rewrites these rows as Redis does and acts on none (kNoEffectYet). The replication
// component, when there is one, owns this file: it binds the rows to its fields and registers
// its appliers.
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
  static constexpr std::string_view kName = "replicaof";
  DirectiveSpec d = NewDirective(
      {.name = kName, .alias = "slaveof", .flags = kImmutable | kMultiArg | kNoEffectYet});
  d.set = [](Config& c, DirectiveArgs args, SetSource) {
    if (args.size() != 2) {
      return WrongNumberOfArguments();
    }
    if (commands::EqualsIgnoreCase(args[0], "no") && commands::EqualsIgnoreCase(args[1], "one")) {
      c.no_effect_values.erase(std::string(kName));
      return absl::OkStatus();
    }
    char* end = nullptr;
    long port = std::strtol(args[1].c_str(), &end, 10);
    if (port < 0 || port > 65535 || *end != '\0') {
      return Invalid("Invalid master port");
    }
    StoreText(c, kName, args[0] + " " + std::to_string(port));
    return absl::OkStatus();
  };
  d.get = [](const Config& c) { return TextOr(c, kName, ""); };
  d.rewrite = [](const Config& c) {
    const std::string* master = StoredText(c, kName);
    if (master == nullptr) {
      return std::vector<RewriteLine>{};
    }
    size_t space = master->rfind(' ');
    return std::vector<RewriteLine>{
        {WordForRewrite(master->substr(0, space)) + master->substr(space), true}};
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
      {"replica-serve-stale-data", "slave-serve-stale-data", 0, true},
      {"replica-read-only", "slave-read-only", 0, true},
      {"replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true},
      {"replica-announced", "", 0, true},
      {"replica-ignore-disk-write-errors", "", 0, false},
  };
  AddBoolRows(registry, bools);
  registry.Add(StringDirective({.name = "replica-announce-ip", .alias = "slave-announce-ip"},
                               {.empty_is_null = true}));
  registry.Add(
      StringDirective({.name = "masteruser", .flags = kSensitive}, {.empty_is_null = true}));
  registry.Add(
      StringDirective({.name = "masterauth", .flags = kSensitive}, {.empty_is_null = true}));
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
      {"replica-announce-port", "slave-announce-port", 0, Signed(0, 65535, 0)},
      {"repl-timeout", "", 0, Signed(1, kIntMax, 60)},
      {"repl-ping-replica-period", "repl-ping-slave-period", 0, Signed(1, kIntMax, 10)},
      {"min-replicas-to-write", "min-slaves-to-write", 0, Signed(0, kIntMax, 0)},
      {"min-replicas-max-lag", "min-slaves-max-lag", 0, Signed(0, kIntMax, 10)},
      {"repl-diskless-sync-max-replicas", "", 0, Signed(0, kIntMax, 0)},
      {"repl-backlog-size", "", 0, repl_backlog_size},
      {"repl-backlog-ttl", "", 0, Signed(0, kLongMax, 3600)},
  };
  AddNumericRows(registry, numbers);
}

}  // namespace redoubt::server
