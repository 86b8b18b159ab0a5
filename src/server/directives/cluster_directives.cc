// Cluster mode: whether it is on (cluster-enabled), the node's configuration file, ports and
// what it announces, timeouts and failover, and what a node serves while the cluster is down.
// Redoubt has no cluster mode yet: it accepts, validates, shows and rewrites these rows as
// Redis does and acts on none (kNoEffectYet), except that start-up refuses cluster-enabled
// with replicaof, as Redis does (config.cc). The cluster component, when there is one, owns
// this file: it binds the rows to its fields and registers its appliers.
#include <cctype>
#include <string>

#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"

namespace redoubt::server {
namespace {

absl::Status CheckHostname(const std::string& v) {
  if (v.size() >= 256) {
    return Invalid("Hostnames must be less than 256 characters");
  }
  for (char ch : v) {
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '.') {
      return Invalid("Hostnames may only contain alphanumeric characters, hyphens or dots");
    }
  }
  return absl::OkStatus();
}

}  // namespace

void RegisterClusterDirectives(DirectiveRegistry& registry) {
  const BoolRow bools[] = {
      {"cluster-require-full-coverage", "", 0, true},
      {"cluster-replica-no-failover", "cluster-slave-no-failover", 0, false},
      {"cluster-enabled", "", kImmutable, false},
      {"cluster-allow-reads-when-down", "", 0, false},
      {"cluster-allow-pubsubshard-when-down", "", 0, true},
      {"cluster-allow-replica-migration", "", 0, true},
  };
  AddBoolRows(registry, bools);
  registry.Add(StringDirective({.name = "cluster-announce-ip"}, {.empty_is_null = true}));
  registry.Add(
      StringDirective({.name = "cluster-config-file", .flags = kImmutable}, {.def = "nodes.conf"}));
  registry.Add(StringDirective({.name = "cluster-announce-hostname"},
                               {.empty_is_null = true, .check = CheckHostname}));
  registry.Add(
      EnumDirective({.name = "cluster-preferred-endpoint-type"},
                    {.values = {{"ip", 0}, {"hostname", 1}, {"unknown-endpoint", 2}}, .def = 0}));
  const NumericRow numbers[] = {
      {"cluster-replica-validity-factor", "cluster-slave-validity-factor", 0,
       Signed(0, kIntMax, 10)},
      {"cluster-migration-barrier", "", 0, Signed(0, kIntMax, 1)},
      {"cluster-port", "", kImmutable, Signed(0, 65535, 0)},
      {"cluster-announce-bus-port", "", 0, Signed(0, 65535, 0)},
      {"cluster-announce-port", "", 0, Signed(0, 65535, 0)},
      {"cluster-announce-tls-port", "", 0, Signed(0, 65535, 0)},
      {"cluster-node-timeout", "", 0, Signed(0, kLLongMax, 15000)},
      {"cluster-link-sendbuf-limit", "", 0, Memory(Unsigned(0, kULLongMax, 0))},
  };
  AddNumericRows(registry, numbers);
}

}  // namespace redoubt::server
